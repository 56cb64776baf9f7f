import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { KeyResolver } from '../auth/authenticator.ts';
import { UsageHubError } from '../domain/errors.ts';
import { requireRole } from '../http/auth-hook.ts';
import { adminErrors as errors, adminSchema, tenantOf } from '../http/admin-route.ts';
import { resolveCompany } from '../enrichment/companies.ts';
import { parseIpRangeCsv } from '../enrichment/ip-range-csv.ts';
import type { IpRangeTable } from '../enrichment/ip-range-table.port.ts';
import { IpRangeIndex } from '../enrichment/ip-ranges.ts';

export interface IpRangeRoutesDeps {
  auth: KeyResolver;
  table: IpRangeTable;
  /** Tells this process's caches (enrichment/enrichment-directory.ts) that a table changed. */
  changed: () => void;
  /** Tells Live API subscribers how an import went. */
  emit: (
    tenantId: string,
    type: 'usagehub.import.ip_ranges.Imported' | 'usagehub.import.ip_ranges.Failed',
    data: Record<string, unknown>,
  ) => Promise<void> | void;
}

/** A table of 100,000 lines is some 5 MB: more than an event batch may be. */
const CSV_LIMIT = 256 * 1024 * 1024;

const Nullable = Type.Union([Type.String(), Type.Null()]);

/** Each tenant's IP range table (replaced whole from CSV), and how an address resolves now. */
export const ipRangeRoutes: FastifyPluginAsync<IpRangeRoutesDeps> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', requireRole(deps.auth, 'admin'));
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: CSV_LIMIT }, (_req, body, done) =>
    done(null, body),
  );

  app.put(
    '/v1/ip-ranges',
    {
      bodyLimit: CSV_LIMIT,
      schema: {
        ...adminSchema,
        summary: "Replace the tenant's IP range table (CSV: cidr,organisation,domain)",
        description:
          'Content-Type: text/csv. IPv4 and IPv6; an optional header line; domain may be empty. ' +
          'All or nothing: one bad line and nothing changes (details give line numbers as index).',
        consumes: ['text/csv'],
        response: {
          200: Type.Object({ imported: Type.Integer(), ipv4: Type.Integer(), ipv6: Type.Integer() }),
          ...errors,
        },
      },
    },
    async (req) => {
      if (typeof req.body !== 'string') {
        throw new UsageHubError('unsupported_media_type', 'Send the table as Content-Type: text/csv.');
      }
      const tenantId = tenantOf(req);
      const { ranges, problems } = parseIpRangeCsv(req.body);
      if (problems.length > 0) {
        await deps.emit(tenantId, 'usagehub.import.ip_ranges.Failed', {
          badLines: problems.length,
          first: problems[0],
        });
        throw new UsageHubError(
          'validation_failed',
          `${problems.length} bad line(s); nothing was imported. Each problem's index is its line number.`,
          problems.slice(0, 1000),
        );
      }
      await deps.table.replace(tenantId, ranges);
      deps.changed();
      const ipv6 = ranges.filter((r) => r.cidr.includes(':')).length;
      const result = { imported: ranges.length, ipv4: ranges.length - ipv6, ipv6 };
      await deps.emit(tenantId, 'usagehub.import.ip_ranges.Imported', result);
      return result;
    },
  );
  app.get(
    '/v1/ip-ranges/resolve',
    {
      schema: {
        ...adminSchema,
        summary: 'How an address and a domain resolve to a company now (audit)',
        querystring: Type.Object({ ip: Type.Optional(Type.String()), domain: Type.Optional(Type.String()) }),
        response: {
          200: Type.Object({
            company: Nullable,
            domain: Nullable,
            organisation: Nullable,
            resolvedBy: Nullable,
            ipRange: Nullable,
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const index = new IpRangeIndex(await deps.table.list(tenantOf(req)));
      return resolveCompany(req.query.domain, req.query.ip, index);
    },
  );
};
