import type { Role } from '../catalog/catalog.port.ts';
import type { ConsoleSession } from './session-store.port.ts';

/** A row of the console_sessions table, as both engines store it. */
export interface Row {
  token_hash: string;
  tenant_id: string;
  key_id: string;
  key_hash: string;
  role: Role;
  csrf_token: string;
  created_at: string;
  expires_at: string;
  ended_at: string | null;
}

export const COLUMNS =
  'token_hash, tenant_id, key_id, key_hash, role, csrf_token, created_at, expires_at, ended_at';

export const toRow = (s: ConsoleSession): Row => ({
  token_hash: s.tokenHash,
  tenant_id: s.tenantId,
  key_id: s.keyId,
  key_hash: s.keyHash,
  role: s.role,
  csrf_token: s.csrfHash,
  created_at: s.createdAt,
  expires_at: s.expiresAt,
  ended_at: s.endedAt,
});

export const toSession = (r: Row): ConsoleSession => ({
  tokenHash: r.token_hash,
  tenantId: r.tenant_id,
  keyId: r.key_id,
  keyHash: r.key_hash,
  role: r.role,
  csrfHash: r.csrf_token,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  endedAt: r.ended_at,
});

/** The row's values in COLUMNS order. */
export const rowValues = (r: Row): (string | null)[] => [
  r.token_hash,
  r.tenant_id,
  r.key_id,
  r.key_hash,
  r.role,
  r.csrf_token,
  r.created_at,
  r.expires_at,
  r.ended_at,
];
