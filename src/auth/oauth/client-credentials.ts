import { timingSafeEqual } from 'node:crypto';
import type { Catalog } from '../../catalog/catalog.port.ts';
import { hashSecret } from '../api-keys.ts';
import { parseScopeList } from '../../domain/scopes.ts';
import type { TokenService } from './tokens.ts';
import { minuteStart } from '../../domain/instant.ts';

/** A token request (RFC 6749 §4.4.2), whatever way its credentials came. */
export interface TokenRequest {
  grantType: string | undefined;
  clientId: string | undefined;
  clientSecret: string | undefined;
  scope: string | undefined;
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

/** RFC 6749 §5.2's error codes that a token request can come to. */
export type GrantRefusal = 'invalid_request' | 'unsupported_grant_type' | 'invalid_client' | 'invalid_scope';

export type GrantOutcome =
  | { outcome: 'issued'; token: TokenResponse }
  | { outcome: 'refused'; error: GrantRefusal; description: string };

const refused = (error: GrantRefusal, description: string): GrantOutcome => ({
  outcome: 'refused',
  error,
  description,
});

const sameHash = (a: string, b: string): boolean =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * The client credentials grant: authenticates an OAuth client by its secret and
 * issues an access token for the scopes asked for (by default all it holds). A refusal
 * is one of the RFC's error codes, which the token route renders in the RFC's body.
 */
export async function clientCredentialsGrant(
  catalog: Catalog,
  tokens: TokenService,
  req: TokenRequest,
): Promise<GrantOutcome> {
  if (req.grantType === undefined) return refused('invalid_request', 'grant_type is required.');
  if (req.grantType !== 'client_credentials')
    return refused(
      'unsupported_grant_type',
      `grant_type ${req.grantType} is not supported; use client_credentials.`,
    );
  if (!req.clientId || !req.clientSecret)
    return refused(
      'invalid_client',
      'Client credentials are required: HTTP Basic, or client_id and client_secret in the form.',
    );
  const found = await catalog.findOAuthClient(req.clientId);
  // One answer for unknown client, wrong secret and revoked client: no probing for ids.
  if (!found || !sameHash(found.secretHash, hashSecret(req.clientSecret)) || found.client.revokedAt) {
    return refused('invalid_client', 'Unknown client, wrong secret, or revoked client.');
  }
  const held = found.client.scopes;
  let scopes = held;
  if (req.scope !== undefined) {
    const asked = parseScopeList(req.scope);
    if (asked.unknown.length > 0)
      return refused('invalid_scope', `Unknown scope: ${asked.unknown.join(' ')}.`);
    const notHeld = asked.scopes.filter((s) => !held.includes(s));
    if (notHeld.length > 0)
      return refused('invalid_scope', `This client is not granted: ${notHeld.join(' ')}.`);
    if (asked.scopes.length > 0) scopes = asked.scopes;
  }
  const { accessToken, expiresIn } = tokens.issue(found.client, scopes);
  // Tokens are asked for rarely (one per hour or so per connector): recorded at once.
  await catalog.touchOAuthClient(found.client.id, new Date(minuteStart(Date.now())).toISOString());
  return {
    outcome: 'issued',
    token: {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: expiresIn,
      scope: scopes.join(' '),
    },
  };
}
