import type { FastifyRequest } from 'fastify';
import type { IngestRequest } from '../ingest/pipeline.ts';
import { UsageHubError } from '../domain/errors.ts';

/**
 * What the pipeline needs of an ingest request: the credential that sent it — the API key
 * a role hook admitted, the OAuth client of a push token, or `key` where a dialect
 * resolved its own (a write key's source) — and the body's decoded size, or the URL's
 * where the payload rides in the query string.
 */
export function ingestRequest(req: FastifyRequest, key?: string): IngestRequest {
  const by = key ?? req.principal?.keyId ?? req.client?.clientId;
  if (by === undefined) throw new UsageHubError('unauthorized');
  return { key: by, bytes: Math.max(req.bodyBytes, req.url.length) };
}
