import { UsageHubError, problem } from '../../domain/errors.ts';
import { newId } from '../../domain/ids.ts';
import type { Insights } from '../insights.service.ts';
import type { InsightLibrary, LibraryDocument } from './library.port.ts';

export const TILE_SIZES = ['small', 'medium', 'large'] as const;

export interface InsightInput {
  name: string;
  description?: string;
  definition: unknown;
}

export interface DashboardInput {
  name: string;
  description?: string;
  items: { insight: string; size?: (typeof TILE_SIZES)[number] }[];
}

export interface SavedInsight {
  id: string;
  name: string;
  description: string;
  definition: unknown;
  createdAt: string;
  updatedAt: string;
}

export interface Dashboard {
  id: string;
  name: string;
  description: string;
  items: { insight: string; size: (typeof TILE_SIZES)[number] }[];
  createdAt: string;
  updatedAt: string;
}

const insightOf = (d: LibraryDocument): SavedInsight => ({
  id: d.id,
  name: d.name,
  description: String(d.body.description ?? ''),
  definition: d.body.definition,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
});

const dashboardOf = (d: LibraryDocument): Dashboard => ({
  id: d.id,
  name: d.name,
  description: String(d.body.description ?? ''),
  items: d.body.items as Dashboard['items'],
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
});

const notFound = (what: string, id: string) =>
  new UsageHubError('not_found', `No ${what} ${JSON.stringify(id)}.`);

/**
 * Saved insights and dashboards: a definition is saved only when it would be answered
 * (checked as a query is, without running it); a dashboard holds only insights that
 * exist, and an insight deleted leaves the dashboards it was on.
 */
export class LibraryService {
  constructor(
    private readonly library: InsightLibrary,
    private readonly insights: Insights,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async listInsights(tenantId: string): Promise<SavedInsight[]> {
    return (await this.library.list(tenantId, 'insight')).map(insightOf);
  }

  async insight(tenantId: string, id: string): Promise<SavedInsight> {
    const d = await this.library.get(tenantId, 'insight', id);
    if (!d) throw notFound('insight', id);
    return insightOf(d);
  }

  async saveInsight(tenantId: string, input: InsightInput, id?: string): Promise<SavedInsight> {
    const before = id === undefined ? null : await this.library.get(tenantId, 'insight', id);
    if (id !== undefined && !before) throw notFound('insight', id);
    await this.insights.check(tenantId, input.definition).catch((err: unknown) => {
      // The definition's fields, as they sit in this body.
      if (err instanceof UsageHubError && err.code === 'invalid_request')
        throw new UsageHubError(
          'invalid_request',
          err.message,
          err.details.map((p) => ({ ...p, field: `definition.${p.field}` })),
        );
      throw err;
    });
    const at = this.now().toISOString();
    return insightOf(
      await this.library.put({
        id: id ?? newId('ins'),
        tenantId,
        kind: 'insight',
        name: input.name,
        body: { description: input.description ?? '', definition: input.definition },
        createdAt: before?.createdAt ?? at,
        updatedAt: at,
      }),
    );
  }

  async deleteInsight(tenantId: string, id: string): Promise<void> {
    if (!(await this.library.get(tenantId, 'insight', id))) throw notFound('insight', id);
    for (const d of await this.library.list(tenantId, 'dashboard')) {
      const items = (d.body.items as Dashboard['items']).filter((i) => i.insight !== id);
      if (items.length !== (d.body.items as unknown[]).length)
        await this.library.put({ ...d, body: { ...d.body, items }, updatedAt: this.now().toISOString() });
    }
    await this.library.remove(tenantId, 'insight', id);
  }

  async listDashboards(tenantId: string): Promise<Dashboard[]> {
    return (await this.library.list(tenantId, 'dashboard')).map(dashboardOf);
  }

  async dashboard(tenantId: string, id: string): Promise<Dashboard> {
    const d = await this.library.get(tenantId, 'dashboard', id);
    if (!d) throw notFound('dashboard', id);
    return dashboardOf(d);
  }

  async saveDashboard(tenantId: string, input: DashboardInput, id?: string): Promise<Dashboard> {
    const before = id === undefined ? null : await this.library.get(tenantId, 'dashboard', id);
    if (id !== undefined && !before) throw notFound('dashboard', id);
    const problems = [];
    for (const [i, item] of input.items.entries())
      if (!(await this.library.get(tenantId, 'insight', item.insight)))
        problems.push(
          problem(`items.${i}.insight`, 'field_format', `no saved insight ${JSON.stringify(item.insight)}`),
        );
    if (problems.length)
      throw new UsageHubError('invalid_request', 'The dashboard names insights that do not exist.', problems);
    const at = this.now().toISOString();
    return dashboardOf(
      await this.library.put({
        id: id ?? newId('dsh'),
        tenantId,
        kind: 'dashboard',
        name: input.name,
        body: {
          description: input.description ?? '',
          items: input.items.map((i) => ({ insight: i.insight, size: i.size ?? 'medium' })),
        },
        createdAt: before?.createdAt ?? at,
        updatedAt: at,
      }),
    );
  }

  async deleteDashboard(tenantId: string, id: string): Promise<void> {
    if (!(await this.library.remove(tenantId, 'dashboard', id))) throw notFound('dashboard', id);
  }
}
