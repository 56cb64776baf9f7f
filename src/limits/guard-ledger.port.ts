/**
 * GuardLedger port: the guard's tables (limits/request-guard.ts) shared by every process
 * of the scale profile, so that a guesser spread over N ingest processes gets the
 * budget of one, not N. The embedded profile has no ledger: its one process holds the
 * tables. Slots, not addresses or prefixes, are shared — chosen by a keyed hash whose
 * secret the ledger holds for every process — so the shared tables are as bounded as
 * the local ones.
 */
import type { Rate } from './token-bucket.ts';

/** A slot of one of the guard's tables: `failures:address`, `failures:prefix`, `keyless`. */
export interface GuardSlot {
  table: string;
  slot: number;
}

/** A slot that must wait until `until` (ms since the epoch). */
export interface GuardWait extends GuardSlot {
  until: number;
}

export interface GuardLedger {
  /** The secret that keys the slots, the same for every process sharing the ledger. */
  secret(): Promise<Buffer>;
  /** Counts one failure in each slot; those it puts to wait are heard of by every process's `waiting`. */
  failed(slots: readonly GuardSlot[], rate: Rate, now: number): Promise<void>;
  /** Takes one from the slot's budget; resolves with the seconds to wait (0: taken). */
  take(slot: GuardSlot, rate: Rate, now: number): Promise<number>;
  /** The slots that wait now, whichever process put them to wait. */
  waiting(now: number): Promise<GuardWait[]>;
  close(): Promise<void>;
}
