import type { ValidateFunction } from 'ajv';
import type { AppDirectory } from '../catalog/app-directory.ts';
import { UsageHubError, problem, type Problem } from '../domain/errors.ts';
import { problemsFromAjv } from '../http/problems.ts';
import { bodyAjv } from '../http/validator.ts';
import type { StoreReader } from '../store/event-store.port.ts';
import { KINDS } from './kinds/kinds.ts';
import type { InsightKind } from './kinds/insight-kind.ts';
import { insightEngine } from './sql/engine.ts';

const invalid = (problems: readonly Problem[]) =>
  new UsageHubError('invalid_request', 'The insight definition is invalid.', problems);

/** Answers insight definitions (docs/insights.md) over the event store, whichever its engine. */
export class Insights {
  private readonly kinds = new Map<string, { kind: InsightKind; validate: ValidateFunction }>(
    KINDS.map((k) => [k.name, { kind: k, validate: bodyAjv.compile(k.schema) }]),
  );

  constructor(
    private readonly store: StoreReader,
    private readonly apps: AppDirectory,
    private readonly now: () => number = Date.now,
    /** Each query's time budget: its store queries together are stopped after it. */
    private readonly timeoutMs = 30_000,
  ) {}

  /** The definition's answer, or a 400 naming every field at fault. */
  async query(tenantId: string, definition: unknown): Promise<unknown> {
    const { kind, resolved } = await this.resolve(tenantId, definition);
    return kind.answer(insightEngine(this.store, Date.now() + this.timeoutMs), resolved);
  }

  /** Throws the 400 a query of the definition would answer; the store is not asked. */
  async check(tenantId: string, definition: unknown): Promise<void> {
    await this.resolve(tenantId, definition);
  }

  private async resolve(
    tenantId: string,
    definition: unknown,
  ): Promise<{ kind: InsightKind; resolved: unknown }> {
    const name = (definition as { kind?: unknown } | null)?.kind;
    const entry = typeof name === 'string' ? this.kinds.get(name) : undefined;
    if (!entry)
      throw invalid([
        problem('kind', 'field_format', `kind must be one of ${[...this.kinds.keys()].join(', ')}`),
      ]);
    if (!entry.validate(definition)) throw invalid(problemsFromAjv(entry.validate.errors ?? [], false));
    const problems: Problem[] = [];
    const resolved = await entry.kind.resolve(definition, {
      tenantId,
      apps: this.apps,
      now: this.now(),
      problems,
    });
    if (problems.length) throw invalid(problems);
    return { kind: entry.kind, resolved };
  }
}
