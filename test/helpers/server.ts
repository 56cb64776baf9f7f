/** Test fixtures: a usagehub app on a data directory, driven through `inject`. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { loadConfig, type ConfigOverrides } from '../../src/config.ts';
import { openServerRuntime, type ServerRuntime } from '../../src/runtime.ts';
import { ok } from './admin.ts';

export function tempDir(prefix = 'usagehub-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface HubIdentity {
  tenantId: string;
  adminKey: string;
  ingestKey: string;
  readKey: string;
  appId: string;
}

export interface TestHub extends HubIdentity {
  app: FastifyInstance;
  runtime: ServerRuntime;
  dataDir: string;
  /** POST /v1/events with the ingest key. */
  send(body: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  /** GET with the read key (or another). */
  get(url: string, key?: string): Promise<LightMyRequestResponse>;
  /** Waits (up to 5 s) until the store holds at least `n` events of the tenant; returns the count. */
  storedCount(n: number): Promise<number>;
  /**
   * Waits (up to 5 s) until the store has applied all the log holds, then returns the
   * tenant's event count: what a request that stored nothing must leave unchanged.
   */
  settled(): Promise<number>;
  close(): Promise<void>;
}

async function provision(runtime: ServerRuntime): Promise<HubIdentity> {
  const admin = runtime.deps.admin;
  const init = await admin.init('test');
  if (init.outcome !== 'created') throw new Error('init failed');
  const tenantId = init.tenant.id;
  return {
    tenantId,
    adminKey: init.adminKey.secret,
    appId: ok(await admin.createApp(tenantId, 'web')).id,
    ingestKey: (await admin.createKey(tenantId, 'ingest', 'ingest')).secret,
    readKey: (await admin.createKey(tenantId, 'read', 'read')).secret,
  };
}

/**
 * Starts usagehub on `dataDir` (a fresh one by default). Without `identity` it creates
 * a tenant with an app "web" and keys; with one from an earlier hub on the same
 * directory it reuses them, as after a restart.
 */
export async function startHub(
  overrides: ConfigOverrides = {},
  dataDir = tempDir(),
  identity?: HubIdentity,
): Promise<TestHub> {
  const config = loadConfig({ dataDir, logLevel: 'silent', ...overrides }, {});
  const runtime = await openServerRuntime(config, (err) => {
    throw err;
  });
  const app = await buildApp(runtime.deps);
  const id = identity ?? (await provision(runtime));
  return {
    ...id,
    app,
    runtime,
    dataDir,
    send: (body, headers = {}) =>
      app.inject({
        method: 'POST',
        url: '/v1/events',
        headers: { authorization: `Bearer ${id.ingestKey}`, 'content-type': 'application/json', ...headers },
        payload: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    get: (url, key = id.readKey) =>
      app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } }),
    storedCount: async (n) => {
      let count = -1;
      for (let i = 0; i < 200; i++) {
        count = await runtime.deps.queries.eventCount(id.tenantId);
        if (count >= n) return count;
        await new Promise((r) => setTimeout(r, 25));
      }
      return count;
    },
    settled: async () => {
      for (let i = 0; i < 200; i++) {
        const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
        if (/^usagehub_store_lag_batches 0$/m.test(metrics)) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      return runtime.deps.queries.eventCount(id.tenantId);
    },
    close: async () => {
      await app.close();
      await runtime.close();
    },
  };
}

export const NOW = Date.now();

/** A valid native event, with overrides. */
export function ev(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { app: 'web', name: 'opened_file', timestamp: NOW - 60_000, email: 'ann@example.com', ...overrides };
}
