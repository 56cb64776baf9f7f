/**
 * What the SDK dialects (Segment, PostHog) share once a message is read: its time checked,
 * and the canonical event built — the write key's app, the company resolved from the
 * user's e-mail domain or address, the client's message id as the dedup key.
 */
import { dedupKey } from '../domain/dedup.ts';
import { problem, type Problem } from '../domain/errors.ts';
import { EARLIEST_MS_TIME, type Actor, type Source, type UsageEvent } from '../domain/event.ts';
import { INSTANT_FORMS, parseInstant } from '../domain/instant.ts';
import { companyContext, resolveCompany } from '../enrichment/companies.ts';
import type { IpRangeIndex } from '../enrichment/ip-ranges.ts';
import type { WriteKeyPrincipal } from './write-keys.ts';

/** How far ahead of the server clock an event may be (client clocks drift). */
const MAX_FUTURE_MS = 24 * 3600 * 1000;

/** What enrichment needs of the tenant. */
export interface SdkEnrichment {
  ranges: IpRangeIndex | null;
}

/**
 * An SDK message's time: ISO 8601 (or Unix ms) when given, else the time it was received.
 * A time in the past is a backfill and is kept as it is; one more than a day ahead, or
 * before 2000, is refused. Null after recording the problem.
 */
export function sdkTimestamp(
  value: unknown,
  field: string,
  receivedAt: number,
  index: number,
  problems: Problem[],
): number | null {
  if (value === undefined || value === null) return receivedAt;
  const parsed =
    typeof value === 'string' || typeof value === 'number'
      ? parseInstant(value)
      : ({ outcome: 'bad_format' } as const);
  if (parsed.outcome !== 'ok') {
    problems.push(problem(field, 'field_format', `${field} must be ${INSTANT_FORMS}`, index));
    return null;
  }
  if (parsed.ms < EARLIEST_MS_TIME || parsed.ms > receivedAt + MAX_FUTURE_MS) {
    problems.push(
      problem(field, 'field_range', `${field} must be after 2000-01-01 and at most 24 hours ahead`, index),
    );
    return null;
  }
  return parsed.ms;
}

export interface SdkMessage {
  source: Extract<Source, 'segment' | 'posthog'>;
  principal: WriteKeyPrincipal;
  name: string;
  occurredAt: number;
  receivedAt: number;
  actor: Actor;
  ip: string | undefined;
  userAgent: string | undefined;
  properties: Record<string, unknown>;
  /** The SDK's message id (Segment messageId, PostHog uuid): what makes a resend a duplicate. */
  clientId: string | null;
  raw: unknown;
  enrichment: SdkEnrichment;
  /** The company the application names for the event (a PostHog company group), over any inferred one. */
  company?: string;
}

export function sdkEvent(m: SdkMessage): UsageEvent {
  const { tenantId, appId } = m.principal;
  const domain = m.actor.email?.split('@')[1];
  const inferred = resolveCompany(domain, m.ip, m.enrichment.ranges);
  const resolved = m.company ? { ...inferred, company: m.company, resolvedBy: 'group' as const } : inferred;
  return {
    tenantId,
    appId,
    source: m.source,
    name: m.name,
    category: null,
    occurredAt: m.occurredAt,
    receivedAt: m.receivedAt,
    actor: m.actor,
    session: {},
    count: 1,
    context: { ip: m.ip, ...companyContext(resolved), userAgent: m.userAgent },
    properties: m.properties,
    clientId: m.clientId,
    // Without an id, the same message is the same event: its content is its identity.
    dedupKey: dedupKey(
      tenantId,
      appId,
      m.occurredAt,
      m.clientId === null ? { content: JSON.stringify(m.raw) } : { clientId: m.clientId },
    ),
    raw: m.raw,
  };
}
