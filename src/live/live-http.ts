import { Agent, request } from 'undici';
import type { AddressGuard } from './address-guard.ts';

export interface HttpOutcome {
  /** Null when no answer came: a refused address, a connection error, a timeout. */
  status: number | null;
  /** The answer's body, read up to BODY_CAP bytes. */
  body: string;
  /** The answer's headers (none when no answer came). */
  headers: Record<string, string>;
  retryAfterMs: number | null;
  latencyMs: number;
  error: string | null;
}

/** Answers are read up to this much; the rest is discarded. */
export const BODY_CAP = 64 * 1024;

/** `Retry-After`: seconds, or an HTTP date. */
function retryAfter(value: string | string[] | undefined, now: number): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return null;
  if (/^\d+$/.test(v.trim())) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * Outbound HTTP for the Live API: every connection goes through the address guard
 * (also after DNS resolution), redirects are not followed, answers are read up to a
 * cap, and each request has a deadline.
 */
export class LiveHttp {
  private readonly agent: Agent;

  constructor(
    private readonly guard: AddressGuard,
    private readonly timeoutMs: number,
  ) {
    this.agent = new Agent({
      connect: { lookup: guard.lookup, timeout: timeoutMs },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      connections: 64,
    });
  }

  async send(
    url: string,
    init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string },
  ): Promise<HttpOutcome> {
    const started = performance.now();
    const done = (o: Omit<HttpOutcome, 'latencyMs'>): HttpOutcome => ({
      ...o,
      latencyMs: performance.now() - started,
    });
    const noAnswer = (error: string) =>
      done({ status: null, body: '', headers: {}, retryAfterMs: null, error });
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return noAnswer(`not a URL: ${url}`);
    }
    // An address written in the URL is connected to without a lookup: check it here.
    const host = target.hostname.replace(/^\[|\]$/g, '');
    if (/^[\d.]+$/.test(host) || host.includes(':')) {
      const refusal = this.guard.refusal(host);
      if (refusal) return noAnswer(`refused: ${refusal}`);
    }
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const res = await request(target, { ...init, dispatcher: this.agent, signal });
      let body = '';
      let bytes = 0;
      for await (const chunk of res.body) {
        const buf = chunk as Buffer;
        if (bytes < BODY_CAP) body += buf.subarray(0, BODY_CAP - bytes).toString('utf8');
        bytes += buf.length;
        if (bytes >= BODY_CAP) {
          res.body.destroy();
          break;
        }
      }
      return done({
        status: res.statusCode,
        body,
        headers: Object.fromEntries(
          Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]),
        ),
        retryAfterMs: retryAfter(res.headers['retry-after'], Date.now()),
        error: null,
      });
    } catch (err) {
      const e = err as Error & { code?: string };
      const why =
        e.name === 'TimeoutError' || e.name === 'AbortError'
          ? `timed out after ${this.timeoutMs} ms`
          : `${e.code ?? e.name}: ${e.message}`;
      return noAnswer(why);
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}
