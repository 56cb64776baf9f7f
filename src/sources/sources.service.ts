import type { App } from '../catalog/catalog.port.ts';
import { MAX_ORIGINS, normalizeOrigin } from './origins.ts';
import type { Source, SourceKind, SourceRegistry } from './source-registry.port.ts';

/** A source as the admin API shows it (the write key included: it is public by design). */
export interface SourceView {
  id: string;
  kind: SourceKind;
  /** The id of the app its events land in. */
  app: string;
  writeKey: string;
  createdAt: string;
  revokedAt: string | null;
  allowedOrigins: string[];
}

export type SourceOutcome =
  | { outcome: 'ok'; value: SourceView }
  | { outcome: 'app_not_found'; app: string }
  | { outcome: 'source_not_found'; source: string }
  | { outcome: 'invalid_origin'; origin: string }
  | { outcome: 'too_many_origins'; count: number };

const view = (s: Source): SourceView => ({
  id: s.id,
  kind: s.kind,
  app: s.appId,
  writeKey: s.writeKey,
  createdAt: s.createdAt,
  revokedAt: s.revokedAt,
  allowedOrigins: s.allowedOrigins,
});

/** The origins normalised, each once; or what is wrong with them. */
function originsOf(
  given: readonly string[],
):
  | { outcome: 'ok'; origins: string[] }
  | Extract<SourceOutcome, { outcome: 'invalid_origin' | 'too_many_origins' }> {
  const origins: string[] = [];
  for (const text of given) {
    const origin = normalizeOrigin(text);
    if (!origin) return { outcome: 'invalid_origin', origin: text };
    if (!origins.includes(origin)) origins.push(origin);
  }
  if (origins.length > MAX_ORIGINS) return { outcome: 'too_many_origins', count: origins.length };
  return { outcome: 'ok', origins };
}

/** What an admin does with sources; outcomes are values, mapped to HTTP by the routes. */
export class SourcesService {
  constructor(
    private readonly registry: SourceRegistry,
    private readonly findApp: (tenantId: string, idOrName: string) => Promise<App | null>,
    /** Tells this process's write-key caches that a source changed. */
    private readonly changed: () => void,
  ) {}

  async create(
    tenantId: string,
    kind: SourceKind,
    appRef: string,
    allowedOrigins: readonly string[] = [],
  ): Promise<SourceOutcome> {
    const app = await this.findApp(tenantId, appRef);
    if (!app) return { outcome: 'app_not_found', app: appRef };
    const checked = originsOf(allowedOrigins);
    if (checked.outcome !== 'ok') return checked;
    const source = await this.registry.create(tenantId, kind, app.id);
    if (checked.origins.length === 0) return { outcome: 'ok', value: view(source) };
    return this.setAllowedOrigins(tenantId, source.id, checked.origins);
  }

  /** Replaces the web origins a source's key may send from (none: any). */
  async setAllowedOrigins(tenantId: string, id: string, given: readonly string[]): Promise<SourceOutcome> {
    const checked = originsOf(given);
    if (checked.outcome !== 'ok') return checked;
    const source = await this.registry.setAllowedOrigins(tenantId, id, checked.origins);
    if (!source) return { outcome: 'source_not_found', source: id };
    this.changed();
    return { outcome: 'ok', value: view(source) };
  }

  async list(tenantId: string): Promise<SourceView[]> {
    return (await this.registry.list(tenantId)).map(view);
  }

  async show(tenantId: string, id: string): Promise<SourceOutcome> {
    const source = await this.registry.get(tenantId, id);
    return source ? { outcome: 'ok', value: view(source) } : { outcome: 'source_not_found', source: id };
  }

  async revoke(tenantId: string, id: string): Promise<SourceOutcome> {
    const source = await this.registry.revoke(tenantId, id);
    if (!source) return { outcome: 'source_not_found', source: id };
    this.changed();
    return { outcome: 'ok', value: view(source) };
  }
}
