import { createSigner, createVerifier, TokenError } from 'fast-jwt';
import type { Catalog, OAuthClient } from '../../catalog/catalog.port.ts';
import type { Scope } from '../../domain/scopes.ts';

/** Who a verified access token speaks for. */
export interface TokenPrincipal {
  tenantId: string;
  clientId: string;
  scopes: Scope[];
}

export type Verified = { outcome: 'ok'; principal: TokenPrincipal } | { outcome: 'invalid'; reason: string };

interface Claims {
  sub: string;
  tid: string;
  scope: string;
}

const ISSUER = 'usagehub';
/** How long a client's standing (live or revoked) is trusted without asking the catalog. */
const CLIENT_TTL_MS = 5000;

/**
 * Access tokens for the client credentials grant: JWTs signed with HMAC-SHA256 by a key
 * kept in the catalog. Verifying one is a signature check and a cache lookup, no
 * catalog round trip per request. Revoking a client ends its tokens at once in this
 * process (`invalidate`), and within CLIENT_TTL_MS in every other process.
 */
export class TokenService {
  private readonly sign: (claims: Claims) => string;
  private readonly verifyJwt: (token: string) => Claims;
  private readonly clients = new Map<string, { client: OAuthClient | null; until: number }>();

  private constructor(
    private readonly catalog: Catalog,
    key: string,
    readonly ttlSeconds: number,
  ) {
    this.sign = createSigner({ key, algorithm: 'HS256', iss: ISSUER, expiresIn: ttlSeconds * 1000 });
    // cache: a token seen before skips the HMAC; entries never outlive the token's exp.
    this.verifyJwt = createVerifier({
      key,
      algorithms: ['HS256'],
      allowedIss: ISSUER,
      requiredClaims: ['sub', 'tid', 'scope', 'exp'],
      cache: 10_000,
    }) as (token: string) => Claims;
  }

  static async open(catalog: Catalog, ttlSeconds: number): Promise<TokenService> {
    return new TokenService(catalog, await catalog.tokenSigningKey(), ttlSeconds);
  }

  issue(client: OAuthClient, scopes: readonly Scope[]): { accessToken: string; expiresIn: number } {
    return {
      accessToken: this.sign({ sub: client.id, tid: client.tenantId, scope: scopes.join(' ') }),
      expiresIn: this.ttlSeconds,
    };
  }

  async verify(token: string): Promise<Verified> {
    let claims: Claims;
    try {
      claims = this.verifyJwt(token);
    } catch (err) {
      const expired = err instanceof TokenError && err.code === TokenError.codes.expired;
      return {
        outcome: 'invalid',
        reason: expired ? 'the access token has expired' : 'the access token is not valid',
      };
    }
    const client = await this.client(claims.sub);
    if (!client || client.revokedAt !== null) {
      return { outcome: 'invalid', reason: 'the client of this access token has been revoked' };
    }
    if (client.tenantId !== claims.tid) {
      return { outcome: 'invalid', reason: 'the access token is not valid for this tenant' };
    }
    return {
      outcome: 'ok',
      principal: {
        tenantId: claims.tid,
        clientId: claims.sub,
        scopes: claims.scope.split(' ').filter(Boolean) as Scope[],
      },
    };
  }

  private async client(id: string): Promise<OAuthClient | null> {
    const now = Date.now();
    const hit = this.clients.get(id);
    if (hit && hit.until > now) return hit.client;
    const found = (await this.catalog.findOAuthClient(id))?.client ?? null;
    this.clients.set(id, { client: found, until: now + CLIENT_TTL_MS });
    return found;
  }

  invalidate(): void {
    this.clients.clear();
  }
}
