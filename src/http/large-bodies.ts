/**
 * Large bodies one at a time per sender. A large body is worked on in turns
 * (threads/turns.ts) so that other requests run between its pieces; without a gate,
 * thirty-two of them from one client would all be decoded and parsed at once — gigabytes
 * held, every turn shared thirty-two ways, and each refused by the byte rate only once
 * decoded. Through the gate, one large body per sender (its tenant, else its address) is
 * worked on at a time and at most MAX_ACTIVE in the process; the next of a sender waits
 * its turn, and is then checked against the byte rate its predecessor has just charged.
 */
import type { FastifyRequest } from 'fastify';

/** Large bodies worked on at once in the process, whoever sent them. */
const MAX_ACTIVE = 2;

type Release = () => void;

declare module 'fastify' {
  interface FastifyInstance {
    largeBodies: LargeBodies;
  }
  interface FastifyRequest {
    /** Set while the request holds a place through the gate; called when the request ends. */
    largeBodyRelease: Release | null;
  }
}

export class LargeBodies {
  private active = 0;
  private readonly busy = new Set<string>();
  /** Who waits, by sender, in the order senders first queued: served round-robin. */
  private readonly waiting = new Map<string, (() => void)[]>();

  /** Resolves with the release of a place once `sender` may work on a large body. */
  enter(sender: string): Promise<Release> {
    return new Promise((resolve) => {
      const start = () => {
        this.active++;
        this.busy.add(sender);
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.active--;
          this.busy.delete(sender);
          this.next();
        });
      };
      if (this.active < MAX_ACTIVE && !this.busy.has(sender)) start();
      else this.waiting.set(sender, [...(this.waiting.get(sender) ?? []), start]);
    });
  }

  /** How many wait (for /metrics and tests). */
  get queued(): number {
    let n = 0;
    for (const q of this.waiting.values()) n += q.length;
    return n;
  }

  private next(): void {
    for (const [sender, queue] of this.waiting) {
      if (this.active >= MAX_ACTIVE) return;
      if (this.busy.has(sender)) continue;
      const start = queue.shift()!;
      // Served senders go to the back of the line.
      this.waiting.delete(sender);
      if (queue.length > 0) this.waiting.set(sender, queue);
      start();
    }
  }
}

/**
 * Takes the request's place through the gate before its large body is worked on (once),
 * then checks its sender's byte rate again: what the previous body decoded to has been
 * charged meanwhile. The place is given back when the request ends.
 */
export async function enterLargeBody(req: FastifyRequest): Promise<void> {
  if (req.largeBodyRelease) return;
  req.largeBodyRelease = await req.server.largeBodies.enter(req.limitSender?.tenantId ?? `ip:${req.ip}`);
  await req.server.ingestAdmission?.recheck(req);
}

/** Gives the request's place back, if it holds one. */
export function leaveLargeBody(req: FastifyRequest): void {
  req.largeBodyRelease?.();
}
