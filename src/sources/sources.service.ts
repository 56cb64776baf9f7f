import type { App } from '../catalog/catalog.port.ts';
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
}

export type SourceOutcome =
  | { outcome: 'ok'; value: SourceView }
  | { outcome: 'app_not_found'; app: string }
  | { outcome: 'source_not_found'; source: string };

const view = (s: Source): SourceView => ({
  id: s.id,
  kind: s.kind,
  app: s.appId,
  writeKey: s.writeKey,
  createdAt: s.createdAt,
  revokedAt: s.revokedAt,
});

/** What an admin does with sources; outcomes are values, mapped to HTTP by the routes. */
export class SourcesService {
  constructor(
    private readonly registry: SourceRegistry,
    private readonly findApp: (tenantId: string, idOrName: string) => Promise<App | null>,
    /** Tells this process's write-key caches that a source changed. */
    private readonly changed: () => void,
  ) {}

  async create(tenantId: string, kind: SourceKind, appRef: string): Promise<SourceOutcome> {
    const app = await this.findApp(tenantId, appRef);
    if (!app) return { outcome: 'app_not_found', app: appRef };
    return { outcome: 'ok', value: view(await this.registry.create(tenantId, kind, app.id)) };
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
