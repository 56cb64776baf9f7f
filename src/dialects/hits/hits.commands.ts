import { Option, type Command } from 'commander';
import type { CommandContext } from '../dialect.ts';
import { MEDIA_KINDS, type HitUser, type Media, type MediaKind } from './hit-registry.port.ts';

const path = (base: string, id: string) => `${base}/${encodeURIComponent(id)}`;

/** `usagehub hit-users …` and `usagehub medias …`: the registries statistic hits are checked against. */
export function hitCommands(program: Command, { withAdmin, print, fail }: CommandContext): void {
  const users = program
    .command('hit-users')
    .description('users statistic hits may name by userId (GET /api/dam/users)');
  users.command('list').action(async (_o, cmd: Command) =>
    withAdmin(cmd, async (api) => {
      const { users: list } = await api.call<{ users: HitUser[] }>('GET', '/v1/hit-users');
      print(cmd, { users: list }, () =>
        list.map((u) => [u.id, u.firstName ?? '', u.lastName ?? '', u.email ?? ''].join('\t')).join('\n'),
      );
    }),
  );
  users
    .command('set <id>')
    .description('add a user, or replace what is known of it')
    .option('--first-name <name>')
    .option('--last-name <name>')
    .option('--email <email>')
    .action(
      async (id: string, opts: { firstName?: string; lastName?: string; email?: string }, cmd: Command) =>
        withAdmin(cmd, async (api) => {
          const user = await api.call<HitUser>('PUT', path('/v1/hit-users', id), opts);
          print(cmd, user, () => `${user.id}\tsaved`);
        }),
    );
  users.command('remove <id>').action(async (id: string, _o, cmd: Command) =>
    withAdmin(cmd, async (api) => {
      await api.call('DELETE', path('/v1/hit-users', id));
      print(cmd, { id, removed: true }, () => `${id}\tremoved`);
    }),
  );

  const medias = program
    .command('medias')
    .description('media metadata (kind, length) that play hits are checked against');
  medias.command('list').action(async (_o, cmd: Command) =>
    withAdmin(cmd, async (api) => {
      const { medias: list } = await api.call<{ medias: Media[] }>('GET', '/v1/medias');
      print(cmd, { medias: list }, () =>
        list.map((m) => `${m.id}\t${m.kind}\t${m.durationSeconds ?? ''}`).join('\n'),
      );
    }),
  );
  medias
    .command('set <id>')
    .description("add a media's metadata, or replace it")
    .addOption(new Option('--kind <kind>', 'what it is').choices(MEDIA_KINDS).makeOptionMandatory())
    .option('--duration <seconds>', 'its length in seconds (videos)')
    .action(async (id: string, opts: { kind: MediaKind; duration?: string }, cmd: Command) =>
      withAdmin(cmd, async (api) => {
        const durationSeconds = opts.duration === undefined ? undefined : Number(opts.duration);
        if (durationSeconds !== undefined && !(durationSeconds >= 0))
          fail(`--duration must be a number of seconds, 0 or more; got ${opts.duration}`);
        const media = await api.call<Media>('PUT', path('/v1/medias', id), {
          kind: opts.kind,
          durationSeconds,
        });
        print(cmd, media, () => `${media.id}\t${media.kind}\t${media.durationSeconds ?? ''}`);
      }),
    );
  medias.command('remove <id>').action(async (id: string, _o, cmd: Command) =>
    withAdmin(cmd, async (api) => {
      await api.call('DELETE', path('/v1/medias', id));
      print(cmd, { id, removed: true }, () => `${id}\tremoved`);
    }),
  );
}
