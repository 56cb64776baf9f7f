import { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { KeyResolver } from '../auth/authenticator.ts';
import type { AppDirectory } from '../catalog/app-directory.ts';
import { principalOf, requireRole } from '../http/auth-hook.ts';
import type { EventQueries } from '../store/event-store.port.ts';
import { CSV_HEADER, formatExportLine } from './export-format.ts';
import { FilterParams, parseFilter } from './query.params.ts';

export interface ExportDeps {
  auth: KeyResolver;
  apps: AppDirectory;
  store: EventQueries;
}

const security = [{ bearer: [] }];
const EXPORT_PAGE = 5000;

/** Export of stored events, NDJSON or CSV, paged through the store. Read keys. */
export const exportRoutes: FastifyPluginAsync<ExportDeps> = async (fastify, { auth, apps, store }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', requireRole(auth, 'read'));

  app.get(
    '/v1/export',
    {
      schema: {
        tags: ['query'],
        summary: 'Export stored events',
        description: 'Streams events in the order they were stored: NDJSON (canonical events) or CSV.',
        security,
        querystring: Type.Object({
          ...FilterParams.properties,
          format: Type.Union([Type.Literal('ndjson'), Type.Literal('csv')], { default: 'ndjson' }),
        }),
      },
    },
    async (req, reply) => {
      const filter = await parseFilter(principalOf(req).tenantId, req.query, apps);
      const format = req.query.format;
      async function* lines(): AsyncGenerator<string> {
        if (format === 'csv') yield CSV_HEADER;
        let after: string | undefined;
        do {
          const page = await store.exportPage({ ...filter, after, limit: EXPORT_PAGE });
          yield page.events.map((doc, i) => formatExportLine(doc, format, page.seqs[i]!)).join('');
          after = page.next ?? undefined;
        } while (after !== undefined);
      }
      void reply.type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson');
      return reply.send(Readable.from(lines()));
    },
  );
};
