import { Option, type Command } from 'commander';
import type { CommandContext } from '../dialects/dialect.ts';
import { SOURCE_KINDS } from './source-registry.port.ts';
import type { SourceView } from './sources.service.ts';

const line = (s: SourceView) =>
  `${s.id}\t${s.kind}\t${s.app}\t${s.writeKey}\t${s.revokedAt ? `revoked ${s.revokedAt}` : 'active'}\t${
    s.allowedOrigins.length ? s.allowedOrigins.join(',') : 'any origin'
  }`;
const list = (v: string, prev: string[] = []) => [...prev, ...v.split(',').filter((o) => o.trim() !== '')];
const path = (id: string) => `/v1/sources/${encodeURIComponent(id)}`;

/** `usagehub sources …`: the write keys that Segment and PostHog SDKs send with. */
export function sourcesCommands(program: Command, { withAdmin, print }: CommandContext): void {
  const sources = program
    .command('sources')
    .description('sources: write keys for Segment and PostHog SDKs, each ingesting into one app');
  sources
    .command('create')
    .description('create a source and print its write key')
    .addOption(new Option('--kind <kind>', 'the SDK it serves').choices(SOURCE_KINDS).makeOptionMandatory())
    .requiredOption('--app <app>', 'the app its events land in (id or name)')
    .option(
      '--origin <origin...>',
      'a web origin whose pages may send with the key (repeat, or comma-separated; none: any)',
      list,
    )
    .action(async (opts: { kind: string; app: string; origin?: string[] }, cmd: Command) =>
      withAdmin(cmd, async (api) => {
        const s = await api.call<SourceView>('POST', '/v1/sources', {
          kind: opts.kind,
          app: opts.app,
          ...(opts.origin ? { allowedOrigins: opts.origin } : {}),
        });
        print(cmd, s, () => line(s));
      }),
    );
  sources.command('list').action(async (_o, cmd: Command) =>
    withAdmin(cmd, async (api) => {
      const { sources: list } = await api.call<{ sources: SourceView[] }>('GET', '/v1/sources');
      print(cmd, { sources: list }, () => list.map(line).join('\n'));
    }),
  );
  sources.command('show <id>').action(async (id: string, _o, cmd: Command) =>
    withAdmin(cmd, async (api) => {
      const s = await api.call<SourceView>('GET', path(id));
      print(cmd, s, () => line(s));
    }),
  );
  sources
    .command('origins <id> [origins...]')
    .description('set the web origins whose pages may send with the key (none given: any origin)')
    .action(async (id: string, origins: string[], _o, cmd: Command) =>
      withAdmin(cmd, async (api) => {
        const s = await api.call<SourceView>('PATCH', path(id), { allowedOrigins: origins });
        print(cmd, s, () => line(s));
      }),
    );
  sources
    .command('revoke <id>')
    .description('revoke a source: its write key stops working within seconds')
    .action(async (id: string, _o, cmd: Command) =>
      withAdmin(cmd, async (api) => {
        const s = await api.call<SourceView>('DELETE', path(id));
        print(cmd, s, () => line(s));
      }),
    );
}
