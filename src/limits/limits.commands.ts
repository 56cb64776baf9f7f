import type { Command } from 'commander';
import type { CommandContext } from '../dialects/dialect.ts';
import type { LimitSettings } from './limit-store.port.ts';

interface LimitsView {
  tenant: LimitSettings;
  keys: Record<string, LimitSettings>;
  usage: Record<'day' | 'month', { period: string; events: number; quota: number | null }>;
}

const settingsText = (s: LimitSettings) =>
  Object.entries(s)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ') || '(server limits)';

const text = (v: LimitsView) =>
  [
    `tenant\t${settingsText(v.tenant)}`,
    ...Object.entries(v.keys).map(([id, s]) => `${id}\t${settingsText(s)}`),
    ...(['day', 'month'] as const).map(
      (p) =>
        `${p} ${v.usage[p].period}\t${v.usage[p].events} events${v.usage[p].quota === null ? '' : ` of ${v.usage[p].quota}`}`,
    ),
  ].join('\n');

const number = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`not a number: ${value}`);
  return n;
};

/** `usagehub limits …`: the tenant's own rates and quotas (docs/operations.md, "Rate limits"). */
export function limitsCommands(program: Command, { withAdmin, print }: CommandContext): void {
  const limits = program.command('limits').description("the tenant's own rate limits and quotas");
  limits.command('show').action(async (_o, cmd: Command) =>
    withAdmin(cmd, async (api) => {
      const v = await api.call<LimitsView>('GET', '/v1/limits');
      print(cmd, v, () => text(v));
    }),
  );
  limits
    .command('set')
    .description("set the tenant's limits (or, with --key-id, one key's rates); what is not given is cleared")
    // Not --key: that is the CLI's own option, the key it talks to a server with.
    .option('--key-id <id>', 'a key id: an API key, a source (src_…), an OAuth client')
    .option('--requests-per-second <n>', 'requests per second', number)
    .option('--events-per-second <n>', 'events per second', number)
    .option('--bytes-per-second <n>', 'body bytes per second, decoded', number)
    .option('--events-per-day <n>', 'events per UTC day (tenant only)', number)
    .option('--events-per-month <n>', 'events per UTC month (tenant only)', number)
    .action(async (opts: LimitSettings & { keyId?: string }, cmd: Command) =>
      withAdmin(cmd, async (api) => {
        const { keyId: key, ...settings } = opts;
        const path = key ? `/v1/limits/keys/${encodeURIComponent(key)}` : '/v1/limits';
        const v = await api.call<LimitsView>('PUT', path, settings);
        print(cmd, v, () => text(v));
      }),
    );
  limits
    .command('clear')
    .description("remove one key's own rates")
    .requiredOption('--key-id <id>', 'the key id')
    .action(async (opts: { keyId: string }, cmd: Command) =>
      withAdmin(cmd, async (api) => {
        const v = await api.call<LimitsView>('DELETE', `/v1/limits/keys/${encodeURIComponent(opts.keyId)}`);
        print(cmd, v, () => text(v));
      }),
    );
}
