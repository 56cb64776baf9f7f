/**
 * Every dialect usagehub speaks. Adding one: a folder under dialects/ exporting its
 * descriptor (dialect.ts), and a line here (docs/architecture.md).
 */
import type { Projection } from '../store/projection.ts';
import type { ModuleMigrations } from '../storage/pg-migrations.ts';
import { consoleModule } from '../console/console.manifest.ts';
import { profiles } from '../profiles/profiles.manifest.ts';
import { sources } from '../sources/sources.manifest.ts';
import { limitsModule } from '../limits/limits.manifest.ts';
import { insights } from '../insights/insights.manifest.ts';
import type { Dialect, Module } from './dialect.ts';
import { aggregated } from './aggregated/aggregated.dialect.ts';
import { hits } from './hits/hits.dialect.ts';
import { native } from './native/native.dialect.ts';
import { posthog } from './posthog/posthog.dialect.ts';
import { push } from './push/push.dialect.ts';
import { segment } from './segment/segment.dialect.ts';
import { sessions } from './sessions/sessions.dialect.ts';

export const DIALECTS: readonly Dialect[] = [native, push, sessions, aggregated, hits, segment, posthog];

/**
 * Every module: the console (first: its session cookie stands for a key on every route
 * after it), the dialects, and the capabilities they share (the SDK dialects' sources,
 * user profiles, insights).
 */
export const MODULES: readonly Module[] = [
  consoleModule,
  ...DIALECTS,
  sources,
  profiles,
  limitsModule,
  insights,
];

/** Each dialect's own PostgreSQL steps: `usagehub migrate` applies them, the store checks them. */
export const MODULE_MIGRATIONS: readonly ModuleMigrations[] = MODULES.flatMap((m) =>
  m.pgMigrations?.length ? [{ module: m.name, steps: m.pgMigrations }] : [],
);

/** What the dialects keep in the event store beside the events: every store adapter is opened with these. */
export const PROJECTIONS: readonly Projection[] = MODULES.flatMap((m) =>
  m.projection ? [m.projection] : [],
);
