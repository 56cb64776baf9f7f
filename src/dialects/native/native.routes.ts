import type { FastifyPluginAsync } from 'fastify';
import type { ErrorObject } from 'ajv';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { KeyResolver } from '../../auth/authenticator.ts';
import type { AppDirectory } from '../../catalog/app-directory.ts';
import { UsageHubError, problem, type Problem } from '../../domain/errors.ts';
import type { IngestPipeline } from '../../ingest/pipeline.ts';
import { principalOf, requireRole } from '../../http/auth-hook.ts';
import { ingestRequest } from '../../http/ingest-request.ts';
import { ErrorResponse } from '../../http/schemas.ts';
import { IngestResponse, NativeBatch, type NativeEvent } from './native.schema.ts';
import { mapNativeBatch } from './native.mapping.ts';
import { problemsFromAjv } from '../../http/problems.ts';
import { dialectAjv } from '../../http/validator.ts';
import { decodeUtf8, strictJsonParser } from '../../http/body.ts';
import { acceptedOrThrow } from '../../http/ingest-outcome.ts';

const sortProblems = (ps: Problem[]): Problem[] => ps.sort((a, b) => (a.index ?? -1) - (b.index ?? -1));

export interface NativeDeps {
  auth: KeyResolver;
  apps: AppDirectory;
  pipeline: IngestPipeline;
  maxBatchEvents: number;
  maxBodyBytes: number;
}

/**
 * usagehub's own ingest API: `POST /v1/events`, a JSON array, `{"events": [...]}`, or
 * NDJSON. A batch is accepted whole or rejected whole.
 */
export const nativeRoutes: FastifyPluginAsync<NativeDeps> = async (app, deps) => {
  // The three accepted shapes become one array while parsing, and the batch limit is
  // checked there, before validation looks at any event.
  // JSON and NDJSON only: the root's other parsers (text, forms) would hand the route a shape it does not take.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer' },
    strictJsonParser(app, (parsed) => normaliseBatch(parsed, deps.maxBatchEvents)),
  );
  app.addContentTypeParser('application/x-ndjson', { parseAs: 'buffer' }, (_req, body, done) =>
    settle(done, () => normaliseBatch(parseNdjson(decodeUtf8(body)), deps.maxBatchEvents)),
  );

  app.withTypeProvider<TypeBoxTypeProvider>().post(
    '/v1/events',
    {
      bodyLimit: deps.maxBodyBytes,
      schema: {
        tags: ['ingest'],
        summary: 'Send a batch of usage events',
        description: `Up to ${deps.maxBatchEvents} events or ${deps.maxBodyBytes} bytes per request. Needs an ingest key.`,
        security: [{ bearer: [] }],
        body: NativeBatch,
        response: { 200: IngestResponse, '4xx': ErrorResponse },
      },
      validatorCompiler: ({ schema }) => dialectAjv.compile(schema),
      // Schema problems are merged with the checks a schema cannot make (unknown app,
      // implausible time) so that the client hears of every problem in one answer.
      attachValidation: true,
      onRequest: requireRole(deps.auth, 'ingest'),
      config: { ingestSource: 'native' },
    },
    async (request) => {
      const { tenantId } = principalOf(request);
      const findApp = await deps.apps.lookup(tenantId);
      const schemaProblems = request.validationError
        ? problemsFromAjv(request.validationError.validation as unknown as ErrorObject[], true)
        : [];
      const invalid = new Set(schemaProblems.map((p) => p.index));
      const mapped = mapNativeBatch(request.body, tenantId, findApp, Date.now(), (i) => !invalid.has(i));
      const problems = [...schemaProblems, ...(mapped.outcome === 'invalid' ? mapped.problems : [])];
      if (problems.length > 0 || mapped.outcome === 'invalid') {
        throw new UsageHubError('validation_failed', undefined, sortProblems(problems));
      }
      const { accepted, duplicates } = acceptedOrThrow(
        await deps.pipeline.ingest(mapped.events, ingestRequest(request)),
      );
      return { accepted, duplicates };
    },
  );
};

/** The three accepted shapes, as one array; the batch limit is checked before any event is. */
function normaliseBatch(body: unknown, maxBatchEvents: number): NativeEvent[] {
  const wrapped = body !== null && typeof body === 'object' && !Array.isArray(body);
  const events = Array.isArray(body)
    ? body
    : wrapped && Array.isArray((body as { events?: unknown }).events)
      ? (body as { events: unknown[] }).events
      : null;
  if (events === null) {
    throw new UsageHubError(
      'invalid_body',
      'The body must be a JSON array of events, {"events": [...]}, or NDJSON with one event per line.',
    );
  }
  if (wrapped) {
    // `{"events": [...]}` is a closed shape: a misspelt or extra key is a client mistake.
    const unknown = Object.keys(body).filter((k) => k !== 'events');
    if (unknown.length > 0)
      throw new UsageHubError(
        'validation_failed',
        undefined,
        unknown.map((k) =>
          problem(k, 'field_unknown', `${k} is not a known field; the body is {"events": [...]}`),
        ),
      );
  }
  if (events.length > maxBatchEvents) {
    throw new UsageHubError(
      'batch_too_large',
      `The batch has ${events.length} events; at most ${maxBatchEvents} are accepted per request.`,
    );
  }
  return events as NativeEvent[];
}

function settle(done: (err: Error | null, body?: unknown) => void, parse: () => unknown): void {
  let body: unknown;
  try {
    body = parse();
  } catch (err) {
    done(err as Error, undefined);
    return;
  }
  done(null, body);
}

function parseNdjson(text: string): unknown[] {
  const out: unknown[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    try {
      out.push(JSON.parse(line));
    } catch (err) {
      throw new UsageHubError('invalid_body', `Line ${i + 1} is not valid JSON.`, [
        problem('(line)', 'invalid_body', `line ${i + 1}: ${(err as Error).message}`, out.length),
      ]);
    }
  }
  return out;
}
