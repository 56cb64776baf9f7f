import { randomBytes } from 'node:crypto';
import { UsageHubError, problem } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import { FILTER_PATTERN } from './event-types.ts';
import type { LiveHttp } from './live-http.ts';
import type { LiveEndpoint, LiveStore } from './live-store.port.ts';
import { standardWebhooksSecret, hmacBase64, newKeyPair } from './signing.ts';

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

export interface Verification {
  verified: boolean;
  status: number | null;
  /** Why not, when not: the status, the body, a timeout, a refused address. */
  error: string | null;
}

function checkInput(input: EndpointInput): void {
  const problems = [];
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
  if (problems.length > 0) throw new UsageHubError('invalid_request', undefined, problems);
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

  async get(tenantId: string, id: string): Promise<EndpointView> {
    const e = await this.store.endpoint(tenantId, id);
    if (!e) throw new UsageHubError('not_found', `live endpoint ${id} does not exist`);
    return this.view(e);
  }

  async create(tenantId: string, input: EndpointInput & { url: string }): Promise<EndpointView> {
    checkInput(input);
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
  async update(tenantId: string, id: string, input: EndpointInput): Promise<EndpointView> {
    checkInput(input);
    const e = await this.get(tenantId, id);
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

  async pause(tenantId: string, id: string): Promise<EndpointView> {
    const e = await this.get(tenantId, id);
    if (e.state === 'unverified')
      throw new UsageHubError('conflict', 'verify the endpoint first; it sends nothing yet');
    return this.save('update', { ...e, state: 'paused' });
  }

  async resume(tenantId: string, id: string): Promise<EndpointView> {
    const e = await this.get(tenantId, id);
    if (e.state === 'unverified')
      throw new UsageHubError('conflict', 'verify the endpoint first; it sends nothing yet');
    return this.save('update', { ...e, state: 'active' });
  }

  private async save(
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

  async delete(tenantId: string, id: string): Promise<void> {
    if (!(await this.store.deleteEndpoint(tenantId, id)))
      throw new UsageHubError('not_found', `live endpoint ${id} does not exist`);
  }

  /** `GET {url}?challenge=…` with the public key; verified when the body is the challenge's HMAC. */
  async verify(tenantId: string, id: string): Promise<Verification & { endpoint: EndpointView }> {
    const e = await this.get(tenantId, id);
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
    const endpoint = await this.save('update', {
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
    return { verified, status: res.status, error, endpoint };
  }

  /** Queues deliveries again: by when they were queued ([from, to), Unix ms), or by webhook-id. */
  async replay(
    tenantId: string,
    id: string,
    by: { from?: number; to?: number } | { ids: string[] },
  ): Promise<{ replayed: number }> {
    await this.get(tenantId, id);
    return { replayed: await this.store.replay(id, by, Date.now()) };
  }

  async deliveries(tenantId: string, id: string, limit: number) {
    await this.get(tenantId, id);
    return this.store.attempts(id, limit);
  }
}
