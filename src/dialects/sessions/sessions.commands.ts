import type { Command } from 'commander';
import type { CommandContext } from '../dialect.ts';

type Types = { types: { type: string; default: boolean }[] };

/** `usagehub session-types …`: the event types sessions v3 accepts. */
export function sessionCommands(program: Command, { withAdmin, print }: CommandContext): void {
  const types = program
    .command('session-types')
    .description('the event types sessions v3 accepts: a default set and your own');
  types.command('list').action(async (_o, cmd: Command) =>
    withAdmin(cmd, async (api) => {
      const { types: list } = await api.call<Types>('GET', '/v1/session-types');
      print(cmd, { types: list }, () =>
        list.map((t) => `${t.type}${t.default ? '\t(default)' : ''}`).join('\n'),
      );
    }),
  );
  types.command('add <type>').action(async (type: string, _o, cmd: Command) =>
    withAdmin(cmd, async (api) => {
      const { types: list } = await api.call<Types>('PUT', `/v1/session-types/${encodeURIComponent(type)}`);
      print(cmd, { types: list }, () => `${type}\tadded`);
    }),
  );
}
