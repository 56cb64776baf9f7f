/** What the Live API's admin routes answer (src/live/live-endpoint.schema.ts, delivery.schema.ts). */

export interface Endpoint {
  id: string;
  url: string;
  description: string;
  filters: string[];
  publicKey: string;
  privateKey: string;
  standardWebhooksSecret: string;
  state: 'unverified' | 'active' | 'paused';
  verifiedAt: string | null;
  verifyError: string | null;
  ordered: boolean;
  failing: boolean;
  failingSince: number | null;
  createdAt: string;
}

export interface Stats {
  attempts: number;
  succeeded: number;
  lagP50Ms: number | null;
  lagP99Ms: number | null;
  lastError: { at: number; error: string } | null;
  backlog: number;
  buckets: { at: number; succeeded: number; failed: number }[];
}

export interface Attempt {
  id: number;
  deliveryId: string;
  type: string;
  at: number;
  status: number | null;
  latencyMs: number;
  error: string | null;
}

export interface DeliveryDetail {
  delivery: {
    id: string;
    type: string;
    body: string;
    createdAt: number;
    attempts: number;
    status: 'pending' | 'delivered';
    replays: number;
  };
  attempts: (Omit<Attempt, 'type'> & {
    exchange: {
      requestHeaders: Record<string, string>;
      signaturesShown: boolean;
      responseHeaders: Record<string, string>;
      responseBody: string;
    } | null;
  })[];
}

export interface Verification {
  verified: boolean;
  status: number | null;
  error: string | null;
  endpoint: Endpoint;
}

/** What a person reads as the endpoint's state: failing outranks verified. */
export function stateOf(e: Endpoint): 'unverified' | 'verified' | 'paused' | 'failing' {
  if (e.state === 'unverified') return 'unverified';
  if (e.state === 'paused') return 'paused';
  return e.failing ? 'failing' : 'verified';
}

export const fmtMs = (ms: number | null): string =>
  ms === null ? '–' : ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

export const successRate = (s: Stats): string =>
  s.attempts === 0
    ? '–'
    : `${((100 * s.succeeded) / s.attempts).toFixed(s.succeeded === s.attempts ? 0 : 1)} %`;
