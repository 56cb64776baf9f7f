/**
 * Both engines for the insights tests, each test with tenants of its own in the same
 * stores (a fresh tenant per case keeps cases apart without reopening stores).
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { AppDirectory } from '../../src/catalog/app-directory.ts';
import { SqliteCatalog } from '../../src/catalog/sqlite/catalog.sqlite.ts';
import { MODULE_MIGRATIONS, PROJECTIONS } from '../../src/dialects/dialects.ts';
import type { UsageEvent } from '../../src/domain/event.ts';
import { UsageHubError, type Problem } from '../../src/domain/errors.ts';
import { Insights } from '../../src/insights/insights.service.ts';
import { parsePgUrl } from '../../src/storage/postgres.ts';
import { DuckDbEventStore } from '../../src/store/duckdb/event-store.duckdb.ts';
import type { EventStore } from '../../src/store/event-store.port.ts';
import { PgEventStore } from '../../src/store/postgres/event-store.postgres.ts';
import { logBatch } from '../conformance/event-store.conformance.ts';
import { tempDir } from '../helpers/server.ts';
import { pgPlace, pgSkip } from '../helpers/services.ts';

export interface Engine {
  name: string;
  store: EventStore;
}

export interface InsightsSetup {
  engines: Engine[];
  apps: () => AppDirectory;
  /** A new tenant with apps web and api. */
  tenant(): Promise<{ id: string; web: string; api: string }>;
  /** The events into both stores, which user keys are which person, and persons' traits by user key. */
  load(
    events: UsageEvent[],
    links: [tenantId: string, userKey: string, personId: string][],
    traits?: [tenantId: string, userKey: string, traits: Record<string, unknown>][],
  ): Promise<void>;
  answer<T>(e: Engine, tenantId: string, definition: unknown): Promise<T>;
  /** The problems of a definition that must be refused. */
  problems(tenantId: string, definition: unknown): Promise<Problem[]>;
}

/** Registers the file's before and after hooks; `now` is the instant relative ranges are read at. */
export function insightsSetup(now: number): InsightsSetup {
  let catalog: SqliteCatalog;
  let apps: AppDirectory;
  const engines: Engine[] = [];
  let offset = 0;
  let tenants = 0;
  before(async () => {
    catalog = new SqliteCatalog(path.join(tempDir(), 'catalog.db'));
    apps = new AppDirectory(catalog);
    engines.push({
      name: 'duckdb',
      store: await DuckDbEventStore.open(path.join(tempDir(), 'store.duckdb'), {
        memoryLimit: '256MB',
        threads: 1,
        projections: PROJECTIONS,
      }),
    });
    if (!pgSkip)
      engines.push({
        name: 'postgres',
        store: await PgEventStore.open(parsePgUrl(pgPlace()), {
          connections: 2,
          migrate: true,
          projections: PROJECTIONS,
          modules: MODULE_MIGRATIONS,
        }),
      });
  });
  after(async () => {
    for (const e of engines) await e.store.close();
    await catalog.close();
  });
  const insights = (e: Engine) => new Insights(e.store, apps, () => now);
  return {
    engines,
    apps: () => apps,
    tenant: async () => {
      const t = await catalog.createTenant(`t${tenants++}`);
      for (const name of ['web', 'api'])
        assert.equal((await catalog.createApp(t.id, name)).outcome, 'created');
      const list = await catalog.listApps(t.id);
      return {
        id: t.id,
        web: list.find((a) => a.name === 'web')!.id,
        api: list.find((a) => a.name === 'api')!.id,
      };
    },
    load: async (events, links, traits = []) => {
      // One offset for both stores: the events' seqs, which break ties of time, are the same.
      offset++;
      for (const { store } of engines) {
        await store.apply([logBatch(offset, events)]);
        if (links.length)
          await store.linkPersons(
            links.map(([tenantId, userKey, personId]) => ({ tenantId, userKey, personId })),
          );
        if (traits.length)
          await store.recordTraits(
            traits.map(([tenantId, userKey, t]) => ({ tenantId, userKey, traits: t })),
          );
      }
    },
    answer: async <T>(e: Engine, tenantId: string, def: unknown) =>
      (await insights(e).query(tenantId, def)) as T,
    problems: async (tenantId, def) => {
      try {
        await insights(engines[0]!).query(tenantId, def);
      } catch (err) {
        if (err instanceof UsageHubError && err.status === 400) return [...err.details];
        throw err;
      }
      assert.fail('the definition was accepted');
    },
  };
}

/** Equal but for the last bits of sums and interpolations the engines do in another order. */
export function assertClose(actual: unknown, expected: unknown, engine: string): void {
  const round = (v: unknown): unknown =>
    typeof v === 'number'
      ? Number(v.toPrecision(12))
      : Array.isArray(v)
        ? v.map(round)
        : v && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, round(x)]))
          : v;
  assert.deepEqual(round(actual), round(expected), engine);
}
