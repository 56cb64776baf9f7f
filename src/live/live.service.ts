import { randomBytes } from 'node:crypto';
import { problem, type Problem } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import { FILTER_PATTERN } from './event-types.ts';
import type { LiveHttp } from './live-http.ts';
import type {
  AttemptPage,
  DeliveryDetail,
  Exchange,
  EndpointStats,
  ListedAttempt,
  LiveEndpoint,
  LiveStore,
  ReplaySelection,
  StatsWindow,
} from './live-store.port.ts';
import { deliveryHeaders, standardWebhooksSecret, hmacBase64, newKeyPair } from './signing.ts';

export interface EndpointInput {
  url?: string;
  description?: string;
  filters?: string[];
  /** One delivery at a time, in event order. */
  ordered?: boolean;
}

/** An endpoint as admins see it: with whether it is failing now, and its Standard Webhooks secret. */
export type EndpointView = LiveEndpoint & {
  /** Every attempt has failed for at least the configured time (USAGEHUB_LIVE_FAILING_AFTER_SECONDS). */
  failing: boolean;
  /** The private key in the `whsec_…` form Standard Webhooks libraries take (signing.ts). */
  standardWebhooksSecret: string;
};

/** A delivery as admins see it: each attempt's request headers as they were sent. */
export interface DeliveryView {
  delivery: DeliveryDetail['delivery'];
  attempts: (Omit<DeliveryDetail['attempts'][number], 'exchange'> & {
    exchange: {
      requestHeaders: Record<string, string>;
      /** False when the keys changed since: the signature headers are not shown. */
      signaturesShown: boolean;
      responseHeaders: Record<string, string>;
      responseBody: string;
    } | null;
  })[];
}

/** The headers of an attempt whose keys were rotated since, without its signatures. */
const unsignedHeaders = (x: Exchange, webhookId: string): Record<string, string> => ({
  'content-type': 'application/json',
  'x-notificare-public-key': x.publicKey,
  'webhook-id': webhookId,
  'webhook-timestamp': String(x.sentAt),
});

export interface Verification {
  verified: boolean;
  status: number | null;
  /** Why not, when not: the status, the body, a timeout, a refused address. */
  error: string | null;
}

/**
 * What an admin's request about endpoints can come to. Expected failures are values:
 * the routes (through live.outcomes.ts) turn each into its documented error code.
 */
export type LiveOutcome<T> =
  | { outcome: 'ok'; value: T }
  | { outcome: 'endpoint_not_found'; endpoint: string }
  | { outcome: 'not_verified'; endpoint: string }
  | { outcome: 'delivery_not_found'; delivery: string }
  | { outcome: 'invalid_input'; problems: Problem[] };

const ok = <T>(value: T) => ({ outcome: 'ok' as const, value });

/** The input's problems: an url that is not http(s), filters that are not event types. */
function checkInput(input: EndpointInput): Problem[] {
  const problems: Problem[] = [];
  if (input.url !== undefined) {
    const protocol = URL.canParse(input.url) ? new URL(input.url).protocol : null;
    if (protocol !== 'http:' && protocol !== 'https:')
      problems.push(problem('url', 'field_format', 'url must be an http:// or https:// URL'));
  }
  for (const [i, f] of (input.filters ?? []).entries()) {
    if (!new RegExp(FILTER_PATTERN).test(f)) {
      problems.push(
        problem(
          `filters.${i}`,
          'field_format',
          `${JSON.stringify(f)} is not an event type or a namespace wildcard (usagehub.event.push.*)`,
        ),
      );
    }
  }
  return problems;
}

/**
 * Live API endpoints as an admin manages them, and their verification: nothing is
 * sent to an endpoint until it answers the challenge as the receiver SDK computes it.
 */
export class LiveService {
  constructor(
    private readonly store: LiveStore,
    private readonly http: LiveHttp,
    private readonly failingAfterMs: number,
  ) {}

  view(e: LiveEndpoint): EndpointView {
    return {
      ...e,
      failing: e.failingSince !== null && Date.now() - e.failingSince >= this.failingAfterMs,
      standardWebhooksSecret: standardWebhooksSecret(e.privateKey),
    };
  }

  async list(tenantId: string): Promise<EndpointView[]> {
    return (await this.store.endpoints(tenantId)).map((e) => this.view(e));
  }

  /** Endpoints failing now, across tenants (for the metrics). */
  async failingCount(): Promise<number> {
    return (await this.store.endpoints()).filter((e) => this.view(e).failing).length;
  }

  async get(tenantId: string, id: string): Promise<LiveOutcome<EndpointView>> {
    const e = await this.store.endpoint(tenantId, id);
    return e ? ok(this.view(e)) : { outcome: 'endpoint_not_found', endpoint: id };
  }

  async create(tenantId: string, input: EndpointInput & { url: string }): Promise<LiveOutcome<EndpointView>> {
    const problems = checkInput(input);
    if (problems.length > 0) return { outcome: 'invalid_input', problems };
    return this.save('create', {
      id: newId('endpoint'),
      tenantId,
      url: input.url,
      description: input.description ?? '',
      filters: input.filters ?? [],
      ...newKeyPair(),
      state: 'unverified',
      verifiedAt: null,
      verifyError: null,
      ordered: input.ordered ?? false,
      failingSince: null,
      createdAt: new Date().toISOString(),
    });
  }

  /** A new url resets both keys and the verification, as the Live API does. */
  async update(tenantId: string, id: string, input: EndpointInput): Promise<LiveOutcome<EndpointView>> {
    const problems = checkInput(input);
    if (problems.length > 0) return { outcome: 'invalid_input', problems };
    const found = await this.get(tenantId, id);
    if (found.outcome !== 'ok') return found;
    const e = found.value;
    const moved = input.url !== undefined && input.url !== e.url;
    return this.save('update', {
      ...e,
      url: input.url ?? e.url,
      description: input.description ?? e.description,
      filters: input.filters ?? e.filters,
      ordered: input.ordered ?? e.ordered,
      ...(moved
        ? { ...newKeyPair(), state: 'unverified' as const, verifiedAt: null, verifyError: null }
        : {}),
    });
  }

  pause(tenantId: string, id: string): Promise<LiveOutcome<EndpointView>> {
    return this.setState(tenantId, id, 'paused');
  }

  resume(tenantId: string, id: string): Promise<LiveOutcome<EndpointView>> {
    return this.setState(tenantId, id, 'active');
  }

  private async setState(
    tenantId: string,
    id: string,
    state: 'paused' | 'active',
  ): Promise<LiveOutcome<EndpointView>> {
    const found = await this.get(tenantId, id);
    if (found.outcome !== 'ok') return found;
    if (found.value.state === 'unverified') return { outcome: 'not_verified', endpoint: id };
    return this.save('update', { ...found.value, state });
  }

  private async save(
    how: 'create' | 'update',
    e: LiveEndpoint & { failing?: boolean },
  ): Promise<LiveOutcome<EndpointView>> {
    return ok(await this.saved(how, e));
  }

  private async saved(
    how: 'create' | 'update',
    e: LiveEndpoint & { failing?: boolean },
  ): Promise<EndpointView> {
    const endpoint: LiveEndpoint & { failing?: boolean } = { ...e };
    delete endpoint.failing;
    return this.view(
      how === 'create'
        ? await this.store.createEndpoint(endpoint)
        : await this.store.updateEndpoint(endpoint),
    );
  }

  async delete(tenantId: string, id: string): Promise<LiveOutcome<true>> {
    return (await this.store.deleteEndpoint(tenantId, id))
      ? ok(true as const)
      : { outcome: 'endpoint_not_found', endpoint: id };
  }

  /** `GET {url}?challenge=…` with the public key; verified when the body is the challenge's HMAC. */
  async verify(
    tenantId: string,
    id: string,
  ): Promise<LiveOutcome<Verification & { endpoint: EndpointView }>> {
    const found = await this.get(tenantId, id);
    if (found.outcome !== 'ok') return found;
    const e = found.value;
    const challenge = randomBytes(24).toString('hex');
    const url = new URL(e.url);
    url.searchParams.set('challenge', challenge);
    const res = await this.http.send(url.toString(), {
      method: 'GET',
      headers: { 'x-notificare-public-key': e.publicKey },
    });
    const expected = hmacBase64(e.privateKey, challenge);
    let error: string | null = null;
    if (res.error) error = res.error;
    else if (res.status !== 200) error = `answered ${res.status}: ${res.body.slice(0, 200)}`;
    else if (res.body.trim() !== expected)
      error = `answered 200 with ${JSON.stringify(res.body.slice(0, 100))}, not the challenge's signature`;
    const verified = error === null;
    const endpoint = await this.saved('update', {
      ...e,
      state: verified
        ? e.state === 'paused'
          ? 'paused'
          : 'active'
        : e.state === 'unverified'
          ? 'unverified'
          : e.state,
      verifiedAt: verified ? new Date().toISOString() : e.verifiedAt,
      verifyError: error,
    });
    return ok({ verified, status: res.status, error, endpoint });
  }

  /** Queues deliveries again: by when they were queued ([from, to), Unix ms), by webhook-id, or the failed ones. */
  async replay(
    tenantId: string,
    id: string,
    by: ReplaySelection,
  ): Promise<LiveOutcome<{ replayed: number }>> {
    const found = await this.get(tenantId, id);
    if (found.outcome !== 'ok') return found;
    return ok({ replayed: await this.store.replay(id, by, Date.now()) });
  }

  async deliveries(tenantId: string, id: string, page: AttemptPage): Promise<LiveOutcome<ListedAttempt[]>> {
    const found = await this.get(tenantId, id);
    if (found.outcome !== 'ok') return found;
    return ok(await this.store.attempts(id, page));
  }

  /** One delivery: what it sends, and each attempt's request headers (made again, signed.ts) and answer. */
  async delivery(tenantId: string, id: string, deliveryId: string): Promise<LiveOutcome<DeliveryView>> {
    const found = await this.get(tenantId, id);
    if (found.outcome !== 'ok') return found;
    const e = found.value;
    const d = await this.store.delivery(id, deliveryId);
    if (!d) return { outcome: 'delivery_not_found', delivery: deliveryId };
    return ok({
      delivery: d.delivery,
      attempts: d.attempts.map(({ exchange: x, ...a }) => ({
        ...a,
        exchange: x && {
          // The keys it was signed with are the endpoint's still: the signatures are made
          // again exactly; after a rotation they cannot be, and are left out.
          requestHeaders:
            x.publicKey === e.publicKey
              ? deliveryHeaders(e, d.delivery.id, d.delivery.body, x.sentAt * 1000)
              : unsignedHeaders(x, d.delivery.id),
          signaturesShown: x.publicKey === e.publicKey,
          responseHeaders: x.responseHeaders,
          responseBody: x.responseBody,
        },
      })),
    });
  }

  /** Attempts over a window, with the endpoint's backlog now. */
  async stats(
    tenantId: string,
    id: string,
    window: StatsWindow,
  ): Promise<LiveOutcome<EndpointStats & { backlog: number }>> {
    const found = await this.get(tenantId, id);
    if (found.outcome !== 'ok') return found;
    const [stats, backlog] = await Promise.all([this.store.stats(id, window), this.store.pendingCount(id)]);
    return ok({ ...stats, backlog });
  }

  /**
   * New keys for an endpoint; like a new url, it must answer the challenge again before
   * anything more is sent (its receiver needs the new keys to sign the answer).
   */
  async rotateKeys(tenantId: string, id: string): Promise<LiveOutcome<EndpointView>> {
    const found = await this.get(tenantId, id);
    if (found.outcome !== 'ok') return found;
    return this.save('update', {
      ...found.value,
      ...newKeyPair(),
      state: 'unverified',
      verifiedAt: null,
      verifyError: null,
    });
  }

  /**
   * Queues a test delivery of `type` to this endpoint alone (its filters apart): a sample
   * body marked `"test": true`, with a webhook-id of its own.
   */
  async sendTest(tenantId: string, id: string, type: string): Promise<LiveOutcome<{ deliveryId: string }>> {
    const found = await this.get(tenantId, id);
    if (found.outcome !== 'ok') return found;
    const e = found.value;
    if (e.state === 'unverified') return { outcome: 'not_verified', endpoint: id };
    if (!new RegExp(FILTER_PATTERN).test(type) || type.endsWith('*'))
      return {
        outcome: 'invalid_input',
        problems: [problem('type', 'field_format', `${JSON.stringify(type)} is not an event type`)],
      };
    const now = Date.now();
    const deliveryId = `msg_test_${randomBytes(12).toString('hex')}`;
    const data = { test: true, id: deliveryId, type, occurredAt: new Date(now).toISOString() };
    await this.store.enqueue([
      {
        id: deliveryId,
        endpointId: id,
        type,
        body: JSON.stringify({ service: e.description || 'usagehub', type, data, timestamp: now }),
        createdAt: now,
        nextAttemptAt: now,
        attempts: 0,
        status: 'pending',
        replays: 0,
      },
    ]);
    return ok({ deliveryId });
  }
}
