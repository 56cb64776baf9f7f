import { hash, randomBytes } from 'node:crypto';
import type { Role } from '../catalog/catalog.port.ts';

/**
 * API key and OAuth client secrets: `uh_<role or client>_<32 random bytes, base64url>`. They carry 256 bits of
 * randomness, so a fast SHA-256 is the right hash at rest (a password KDF protects
 * low-entropy secrets and would only slow every request down).
 */
export function generateSecret(kind: Role | 'client'): string {
  return `uh_${kind}_${randomBytes(32).toString('base64url')}`;
}

export function hashSecret(secret: string): string {
  return hash('sha256', secret, 'hex');
}

/** The part of a secret that may be shown again later, to tell keys apart. */
export function secretPrefix(secret: string): string {
  return secret.slice(0, secret.indexOf('_', 3) + 5);
}

/** What a role may do: admin may do everything the other roles may. */
export function roleAllows(held: Role, needed: Role): boolean {
  return held === 'admin' || held === needed;
}
