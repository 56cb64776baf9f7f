import type { Role } from '../catalog/catalog.port.ts';

/**
 * A console sign-in: what an API key was exchanged for. The browser holds only a random
 * token (an httpOnly cookie); the store keeps its hash, so a copy of the store opens no
 * session, and the key's hash, so that revoking the key ends the session too.
 */
export interface ConsoleSession {
  /** SHA-256 of the cookie's token, hex. */
  tokenHash: string;
  tenantId: string;
  keyId: string;
  /** The API key's hash as the catalog keeps it (never the key). */
  keyHash: string;
  role: Role;
  /**
   * The hash of the session's CSRF token (console-sessions.ts csrfTokenOf), kept like the
   * session token's: a copy of the store opens nothing. Its column is still `csrf_token`.
   */
  csrfHash: string;
  createdAt: string;
  expiresAt: string;
  endedAt: string | null;
}

/**
 * SessionStore port: console sessions beside the catalog (SQLite file or PostgreSQL
 * schema), shared by every process that serves the console.
 */
export interface SessionStore {
  create(session: ConsoleSession): Promise<void>;
  /** The session with this token hash, ended or expired ones included; null when none. */
  find(tokenHash: string): Promise<ConsoleSession | null>;
  /** Marks the session ended (sign-out); ending it again changes nothing. */
  end(tokenHash: string): Promise<void>;
  /** Forgets sessions that expired before `before` (ISO 8601); returns how many. */
  purge(before: string): Promise<number>;
  close(): Promise<void>;
}
