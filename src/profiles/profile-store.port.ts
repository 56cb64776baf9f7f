/**
 * ProfileStore port: the people of each tenant (profile.ts) and their groups
 * (groups/group.ts), kept beside the catalog, and
 * an outbox of the changes to report on the Live stream, written in the same transaction
 * as the people they describe, so that a crash loses neither.
 */
import type { GroupRecord, GroupUpdate } from './groups/group.ts';
import type { Outboxed, PersonRecord, ProfileUpdate } from './profile.ts';

export interface TraitSearch {
  tenantId: string;
  trait: string;
  /** Only people whose trait equals this (compared as text); any value when absent. */
  value?: string;
  limit: number;
  /** Resume after this person id (ids are listed in order). */
  after?: string;
}

export interface Applied {
  recorded: number;
  persons: PersonRecord[];
}

export interface ProfileStore {
  /**
   * Applies the updates (merge.ts) in one transaction with the outbox: how many entries
   * it recorded there, and every person the updates touched, as they now stand.
   */
  apply(updates: readonly ProfileUpdate[]): Promise<Applied>;
  /** The person who goes by `id` (any of their ids, or their person id), or null. */
  find(tenantId: string, id: string): Promise<PersonRecord | null>;
  search(q: TraitSearch): Promise<PersonRecord[]>;
  /** Every person of every tenant, by tenant and id, `limit` at a time after the cursor (`tenantId`, `id` of the last). */
  page(after: { tenantId: string; id: string } | null, limit: number): Promise<PersonRecord[]>;
  /** Applies group updates (groups/group-merge.ts) in one transaction. */
  applyGroups(updates: readonly GroupUpdate[]): Promise<void>;
  /** The group of this type and key, or null. */
  findGroup(tenantId: string, type: string, key: string): Promise<GroupRecord | null>;
  /** Changes and links not yet reported, oldest first. */
  pending(limit: number): Promise<Outboxed[]>;
  /** Forgets reported changes. */
  settle(ids: readonly string[]): Promise<void>;
  close(): Promise<void>;
}
