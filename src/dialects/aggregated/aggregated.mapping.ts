import type { App } from '../../catalog/catalog.port.ts';
import { dedupKey } from '../../domain/dedup.ts';
import { problem, type Problem } from '../../domain/errors.ts';
import type { UsageEvent } from '../../domain/event.ts';
import { companyContext, resolveCompany } from '../../enrichment/companies.ts';
import type { IpRangeIndex } from '../../enrichment/ip-ranges.ts';
import type { AggregatedPayload } from './aggregated.schema.ts';

const MAX_FUTURE_MS = 24 * 3600 * 1000;

/**
 * Checks what the schema cannot (a domain or an address, a defined metric, a known
 * product, a plausible time), resolves the company, and maps the payload to a
 * canonical event that stands for `count` occurrences.
 */
export function mapAggregated(
  p: AggregatedPayload,
  tenantId: string,
  findApp: (idOrName: string) => App | undefined,
  tenant: { ranges: IpRangeIndex; metrics: Set<string> },
  receivedAt: number,
): { outcome: 'ok'; event: UsageEvent } | { outcome: 'invalid'; problems: Problem[] } {
  const problems: Problem[] = [];
  // An empty string counts as missing.
  const domain = p.domain || undefined;
  const ip = p.ip_addr || undefined;
  if (!domain && !ip) {
    problems.push(
      problem(
        'payload.domain',
        'field_required',
        'payload.domain or payload.ip_addr is required (empty counts as missing)',
      ),
    );
  }
  if (!tenant.metrics.has(p.activity_type)) {
    const defined = [...tenant.metrics].sort().join(', ') || 'none yet';
    problems.push(
      problem(
        'payload.activity_type',
        'unknown_metric',
        `payload.activity_type ${JSON.stringify(p.activity_type)} is not a defined metric (defined: ${defined})`,
      ),
    );
  }
  const app = findApp(p.product_id);
  if (!app) {
    problems.push(
      problem(
        'payload.product_id',
        'unknown_app',
        `payload.product_id ${JSON.stringify(p.product_id)} is not one of your apps`,
      ),
    );
  }
  const occurredAt = p.event_at * 1000;
  if (occurredAt > receivedAt + MAX_FUTURE_MS) {
    problems.push(
      problem(
        'payload.event_at',
        'field_range',
        'payload.event_at is more than 24 hours in the future; Unix seconds are expected',
      ),
    );
  }
  if (problems.length > 0 || !app) return { outcome: 'invalid', problems };

  const resolved = resolveCompany(domain, ip, tenant.ranges);
  const clientId = p.event_id === undefined ? null : String(p.event_id);
  return {
    outcome: 'ok',
    event: {
      tenantId,
      appId: app.id,
      source: 'aggregated',
      name: p.activity_type,
      category: null,
      occurredAt,
      receivedAt,
      actor: {},
      session: {},
      count: p.count,
      context: { ip, ...companyContext(resolved), userAgent: p.user_agent, environment: p.environment },
      properties: {
        mode: p.mode,
        source: p.source,
        product_id: p.product_id,
        ...(p.meta ? { meta: p.meta } : {}),
      },
      clientId,
      // event_id makes the call idempotent; without one, the same payload is the same call.
      dedupKey: dedupKey(
        tenantId,
        app.id,
        occurredAt,
        clientId === null ? { content: JSON.stringify(p) } : { clientId },
      ),
      raw: p,
    },
  };
}
