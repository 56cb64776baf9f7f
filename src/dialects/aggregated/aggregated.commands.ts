import type { Command } from 'commander';
import type { CommandContext } from '../dialect.ts';
import type { Metric } from './metric-registry.port.ts';

const path = (key: string) => `/v1/metrics/${encodeURIComponent(key)}`;

/** `usagehub metrics …`: the activity_types the aggregated-usage API accepts. */
export function aggregatedCommands(program: Command, { withAdmin, print }: CommandContext): void {
  const metrics = program
    .command('metrics')
    .description('metrics: the activity_types the aggregated-usage API accepts');
  metrics.command('list').action(async (_o, cmd: Command) =>
    withAdmin(cmd, async (api) => {
      const { metrics: list } = await api.call<{ metrics: Metric[] }>('GET', '/v1/metrics');
      print(cmd, { metrics: list }, () => list.map((m) => `${m.key}\t${m.description ?? ''}`).join('\n'));
    }),
  );
  metrics
    .command('define <key>')
    .description('define a metric (primary, secondary1, secondary2, …) or change its description')
    .option('--description <text>')
    .action(async (key: string, opts: { description?: string }, cmd: Command) =>
      withAdmin(cmd, async (api) => {
        const metric = await api.call<Metric>('PUT', path(key), { description: opts.description });
        print(cmd, metric, () => `${metric.key}\tdefined`);
      }),
    );
  metrics.command('remove <key>').action(async (key: string, _o, cmd: Command) =>
    withAdmin(cmd, async (api) => {
      await api.call('DELETE', path(key));
      print(cmd, { key, removed: true }, () => `${key}\tremoved`);
    }),
  );
}
