import { randomBytes } from 'node:crypto';
import { hash } from 'node:crypto';
import { hashSecret } from '../auth/api-keys.ts';
import type { KeyResolver, Principal } from '../auth/authenticator.ts';
import type { ConsoleSession, SessionStore } from './session-store.port.ts';

export type SignInOutcome =
  | { outcome: 'signed_in'; token: string; session: ConsoleSession } // -> 200 and the cookie
  | { outcome: 'wrong_key' }; // -> 401 (the server's guard counts it: limits/request-guard.ts)

/** A session that holds: its row and the principal its key still is. */
export interface LiveSession {
  session: ConsoleSession;
  principal: Principal;
}

/** How long a resolved session is trusted without asking the store again (sign-out here clears it at once). */
const TTL_MS = 5000;
const MAX_CACHED = 10_000;

/**
 * Console sign-in: an API key is exchanged for a session whose token lives only in an
 * httpOnly cookie. Each request with the cookie checks that the session has neither
 * ended nor expired and that its key is still valid, so revoking the key ends it.
 */
export class ConsoleSessions {
  private readonly cache = new Map<string, { live: LiveSession | null; until: number }>();

  constructor(
    private readonly store: SessionStore,
    private readonly auth: KeyResolver,
    private readonly lifetimeMs: number,
  ) {}

  async signIn(apiKey: string): Promise<SignInOutcome> {
    const principal = await this.auth.authenticate(apiKey);
    if (!principal) return { outcome: 'wrong_key' };
    const token = randomBytes(32).toString('base64url');
    const now = Date.now();
    const session: ConsoleSession = {
      tokenHash: hashSecret(token),
      tenantId: principal.tenantId,
      keyId: principal.keyId,
      keyHash: hashSecret(apiKey),
      role: principal.role,
      csrfHash: hashSecret(csrfTokenOf(token)),
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + this.lifetimeMs).toISOString(),
      endedAt: null,
    };
    await this.store.create(session);
    // Sign-ins are rare: a good moment to forget sessions that expired a day ago.
    await this.store.purge(new Date(now - 86_400_000).toISOString());
    return { outcome: 'signed_in', token, session };
  }

  /** The session a cookie's token opens, or null (unknown, ended, expired, or its key revoked). */
  async resolve(token: string): Promise<LiveSession | null> {
    const tokenHash = hashSecret(token);
    const now = Date.now();
    const hit = this.cache.get(tokenHash);
    if (hit && hit.until > now)
      return hit.live && Date.parse(hit.live.session.expiresAt) > now ? hit.live : null;
    const session = await this.store.find(tokenHash);
    const principal =
      session && session.endedAt === null && Date.parse(session.expiresAt) > now
        ? await this.auth.authenticateHash(session.keyHash)
        : null;
    const live = session && principal ? { session, principal } : null;
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(tokenHash, { live, until: now + TTL_MS });
    return live;
  }

  async signOut(session: ConsoleSession): Promise<void> {
    await this.store.end(session.tokenHash);
    this.cache.delete(session.tokenHash);
  }

  /** Keys changed (a revocation): ask again. */
  invalidate(): void {
    this.cache.clear();
  }
}

/**
 * A session's CSRF token, derived from its cookie's token: the server can give it again
 * (GET /v1/session) without keeping it, and the store keeps only its hash. A page that
 * cannot read the httpOnly cookie cannot learn it.
 */
export const csrfTokenOf = (sessionToken: string): string =>
  hash('sha256', `usagehub console csrf\0${sessionToken}`, 'base64url');
