import { strictFormParser } from '../../http/body.ts';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Catalog } from '../../catalog/catalog.port.ts';
import { UsageHubError } from '../../domain/errors.ts';
import { errorHandler } from '../../http/error-handler.ts';
import type { Metrics } from '../../ops/metrics.ts';
import { clientCredentialsGrant, type TokenRequest } from './client-credentials.ts';
import type { TokenService } from './tokens.ts';

export interface OAuthDeps {
  catalog: Catalog;
  tokens: TokenService;
  metrics: Metrics;
}

/** RFC 6749 §2.3.1: Basic credentials are form-encoded before base64. */
function basicCredentials(header: string | undefined): { id: string; secret: string } | null {
  const m = header ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (!m) return null;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return null;
  const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
  try {
    return { id: decode(text.slice(0, colon)), secret: decode(text.slice(colon + 1)) };
  } catch {
    return null;
  }
}

function tokenRequest(req: FastifyRequest): TokenRequest {
  const form = (req.body ?? {}) as Record<string, string | string[] | undefined>;
  const one = (name: string): string | undefined => {
    const v = form[name];
    if (Array.isArray(v)) throw new UsageHubError('invalid_request', `${name} must not be repeated.`);
    return v;
  };
  const basic = basicCredentials(req.headers.authorization);
  if (basic && (one('client_secret') !== undefined || one('client_id') !== undefined)) {
    throw new UsageHubError(
      'invalid_request',
      'Send client credentials one way only: HTTP Basic or the form, not both.',
    );
  }
  return {
    grantType: one('grant_type'),
    clientId: basic?.id ?? one('client_id'),
    clientSecret: basic?.secret ?? one('client_secret'),
    scope: one('scope'),
  };
}

/** `POST /oauth2/token`: the client credentials grant, with RFC 6749 bodies. */
export const oauthRoutes: FastifyPluginAsync<OAuthDeps> = async (fastify, { catalog, tokens, metrics }) => {
  // RFC 6749 §4.4.2: the token request is form-encoded, and nothing else.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, strictFormParser);
  // RFC 6749 §5.2 error body, in place of usagehub's envelope, for this route.
  fastify.setErrorHandler(
    errorHandler(
      (e, req) => {
        const error =
          e.code === 'unsupported_media_type' || e.code === 'invalid_body' ? 'invalid_request' : e.code;
        return {
          status: error === 'invalid_request' ? 400 : e.status,
          headers: (error === 'invalid_client' && /^Basic/i.test(req.headers.authorization ?? '')
            ? { 'www-authenticate': 'Basic realm="usagehub"' }
            : {}) as Record<string, string>,
          body: { error, error_description: e.message },
        };
      },
      (code) => metrics.reject(code),
    ),
  );
  fastify.withTypeProvider<TypeBoxTypeProvider>().post(
    '/oauth2/token',
    {
      schema: {
        tags: ['oauth'],
        summary: 'Get an access token (client credentials grant)',
        description:
          'RFC 6749 §4.4. Form-encoded: grant_type=client_credentials, optional scope; client credentials ' +
          'in HTTP Basic or as client_id and client_secret. Errors are RFC 6749 bodies {error, error_description}.',
        consumes: ['application/x-www-form-urlencoded'],
        response: {
          200: Type.Object({
            access_token: Type.String(),
            token_type: Type.Literal('Bearer'),
            expires_in: Type.Integer({ description: 'Seconds.' }),
            scope: Type.String(),
          }),
          '4xx': Type.Object({ error: Type.String(), error_description: Type.String() }),
        },
      },
    },
    async (req, reply) => {
      const grant = await clientCredentialsGrant(catalog, tokens, tokenRequest(req));
      if (grant.outcome === 'refused') throw new UsageHubError(grant.error, grant.description);
      void reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      return grant.token;
    },
  );
};
