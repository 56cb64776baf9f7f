import { randomBytes } from 'node:crypto';
import { UsageHubError, problem } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import { FILTER_PATTERN } from './event-types.ts';
import type { LiveHttp } from './live-http.ts';
import type { LiveEndpoint, LiveStore } from './live-store.ts';
import { hmacBase64, newKeyPair } from './signing.ts';

export interface EndpointInput {
  url?: string;
  description?: string;
  filters?: string[];
}

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
  ) {}

  list(tenantId: string): LiveEndpoint[] {
    return this.store.endpoints(tenantId);
  }

  get(tenantId: string, id: string): LiveEndpoint {
    const e = this.store.endpoint(tenantId, id);
    if (!e) throw new UsageHubError('not_found', `live endpoint ${id} does not exist`);
    return e;
  }

  create(tenantId: string, input: EndpointInput & { url: string }): LiveEndpoint {
    checkInput(input);
    return this.store.createEndpoint({
      id: newId('endpoint'),
      tenantId,
      url: input.url,
      description: input.description ?? '',
      filters: input.filters ?? [],
      ...newKeyPair(),
      state: 'unverified',
      verifiedAt: null,
      verifyError: null,
      createdAt: new Date().toISOString(),
    });
  }

  /** A new url resets both keys and the verification, as the Live API does. */
  update(tenantId: string, id: string, input: EndpointInput): LiveEndpoint {
    checkInput(input);
    const e = this.get(tenantId, id);
    const moved = input.url !== undefined && input.url !== e.url;
    return this.store.updateEndpoint({
      ...e,
      url: input.url ?? e.url,
      description: input.description ?? e.description,
      filters: input.filters ?? e.filters,
      ...(moved
        ? { ...newKeyPair(), state: 'unverified' as const, verifiedAt: null, verifyError: null }
        : {}),
    });
  }

  pause(tenantId: string, id: string): LiveEndpoint {
    const e = this.get(tenantId, id);
    if (e.state === 'unverified')
      throw new UsageHubError('conflict', 'verify the endpoint first; it sends nothing yet');
    return this.store.updateEndpoint({ ...e, state: 'paused' });
  }

  resume(tenantId: string, id: string): LiveEndpoint {
    const e = this.get(tenantId, id);
    if (e.state === 'unverified')
      throw new UsageHubError('conflict', 'verify the endpoint first; it sends nothing yet');
    return this.store.updateEndpoint({ ...e, state: 'active' });
  }

  delete(tenantId: string, id: string): void {
    if (!this.store.deleteEndpoint(tenantId, id))
      throw new UsageHubError('not_found', `live endpoint ${id} does not exist`);
  }

  /** `GET {url}?challenge=…` with the public key; verified when the body is the challenge's HMAC. */
  async verify(tenantId: string, id: string): Promise<Verification & { endpoint: LiveEndpoint }> {
    const e = this.get(tenantId, id);
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
    const endpoint = this.store.updateEndpoint({
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

  deliveries(tenantId: string, id: string, limit: number) {
    this.get(tenantId, id);
    return this.store.attempts(id, limit);
  }
}
