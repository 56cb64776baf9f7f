import { INSTANT_FORMS, parseInstant } from '../../domain/instant.ts';
import { standardWebhooksSecret } from '../../live/signing.ts';
import { Command } from 'commander';
import type { Config } from '../../config.ts';
import { UsageHubError } from '../../domain/errors.ts';
import type { EndpointInput, Verification } from '../../live/live.service.ts';
import { liveValueOrThrow } from '../../live/live.outcomes.ts';
import type { Attempt, LiveEndpoint } from '../../live/live-store.port.ts';
import { chooseTenant, CliError, lockDataDir, remoteClient } from '../backend.ts';

/** What the live commands need, from a server or from the data directory. */
interface LiveBackend {
  list(): Promise<LiveEndpoint[]>;
  create(input: EndpointInput & { url: string }): Promise<LiveEndpoint>;
  get(id: string): Promise<LiveEndpoint>;
  update(id: string, input: EndpointInput): Promise<LiveEndpoint>;
  verify(id: string): Promise<Verification & { endpoint: LiveEndpoint }>;
  pause(id: string): Promise<LiveEndpoint>;
  resume(id: string): Promise<LiveEndpoint>;
  delete(id: string): Promise<void>;
  deliveries(id: string, limit: number): Promise<(Attempt & { type: string })[]>;
  replay(id: string, by: { from?: number; to?: number } | { ids: string[] }): Promise<{ replayed: number }>;
  close(): Promise<void>;
}

function remote(url: string, key: string): LiveBackend {
  const api = remoteClient(url, key);
  const path = (id: string, rest = '') => `/v1/live/endpoints/${encodeURIComponent(id)}${rest}`;
  return {
    list: async () => (await api.call<{ endpoints: LiveEndpoint[] }>('GET', '/v1/live/endpoints')).endpoints,
    create: (input) => api.call('POST', '/v1/live/endpoints', input),
    get: (id) => api.call('GET', path(id)),
    update: (id, input) => api.call('PATCH', path(id), input),
    verify: (id) => api.call('POST', path(id, '/verify')),
    pause: (id) => api.call('POST', path(id, '/pause')),
    resume: (id) => api.call('POST', path(id, '/resume')),
    delete: async (id) => {
      await api.call('DELETE', path(id));
    },
    deliveries: async (id, limit) =>
      (
        await api.call<{ attempts: (Attempt & { type: string })[] }>(
          'GET',
          path(id, `/deliveries?limit=${limit}`),
        )
      ).attempts,
    replay: (id, by) => api.call('POST', path(id, '/replay'), by),
    close: async () => {},
  };
}

async function local(config: Config, tenantWanted: string | undefined): Promise<LiveBackend> {
  const release = lockDataDir(config, 'talk to it with --url and --key (or USAGEHUB_URL and USAGEHUB_KEY)');
  // The engines' modules load only for commands on the data directory (main.ts).
  const [{ openCatalog, openLiveStore }, { AddressGuard }, { LiveHttp }, { LiveService }] = await Promise.all(
    [
      import('../../runtime.ts'),
      import('../../live/address-guard.ts'),
      import('../../live/live-http.ts'),
      import('../../live/live.service.ts'),
    ],
  );
  const catalog = await openCatalog(config);
  const store = await openLiveStore(config, { migrate: false, leaseMs: 60_000 });
  const guard = AddressGuard.fromSetting(config.liveAllowAddresses);
  const http = new LiveHttp(guard, config.liveTimeoutMs);
  const closeAll = async () => {
    await http.close();
    await store.close();
    await catalog.close();
    release();
  };
  let tenantId: string;
  try {
    tenantId = (await chooseTenant(catalog, config, tenantWanted)).id;
  } catch (err) {
    await closeAll();
    throw err;
  }
  const live = new LiveService(store, http, config.liveFailingAfterSeconds * 1000);
  const guarded = async <T>(fn: () => T | Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof UsageHubError) throw new CliError(`${err.code}: ${err.message}`);
      throw err;
    }
  };
  return {
    list: () => guarded(() => live.list(tenantId)),
    create: (input) => guarded(async () => liveValueOrThrow(await live.create(tenantId, input))),
    get: (id) => guarded(async () => liveValueOrThrow(await live.get(tenantId, id))),
    update: (id, input) => guarded(async () => liveValueOrThrow(await live.update(tenantId, id, input))),
    verify: (id) => guarded(async () => liveValueOrThrow(await live.verify(tenantId, id))),
    pause: (id) => guarded(async () => liveValueOrThrow(await live.pause(tenantId, id))),
    resume: (id) => guarded(async () => liveValueOrThrow(await live.resume(tenantId, id))),
    delete: (id) =>
      guarded(async () => {
        liveValueOrThrow(await live.delete(tenantId, id));
      }),
    deliveries: (id, limit) =>
      guarded(async () => liveValueOrThrow(await live.deliveries(tenantId, id, { limit }))),
    replay: (id, by) => guarded(async () => liveValueOrThrow(await live.replay(tenantId, id, by))),
    close: closeAll,
  };
}

const line = (e: LiveEndpoint & { failing?: boolean }) =>
  `${e.id}\t${e.state}${e.failing ? ' (failing)' : ''}\t${e.url}${e.filters.length ? `\t${e.filters.join(',')}` : ''}${e.verifyError ? `\t(${e.verifyError})` : ''}`;

/**
 * `usagehub live …`: Live API endpoints. `configFrom` and `print` come from main.ts, so
 * that these commands read options and print results as every other command does.
 */
export function liveCommands(
  program: Command,
  configFrom: (cmd: Command) => Config,
  tenantOf: (cmd: Command) => string | undefined,
  print: (cmd: Command, value: unknown, human: () => string) => void,
): void {
  const withLive = async (cmd: Command, fn: (b: LiveBackend) => Promise<void>) => {
    const config = configFrom(cmd);
    if (config.url && !config.key)
      throw new CliError('--url needs an admin key: pass --key or set USAGEHUB_KEY');
    const b = config.url ? remote(config.url, config.key!) : await local(config, tenantOf(cmd));
    try {
      await fn(b);
    } finally {
      await b.close();
    }
  };
  const live = program.command('live').description('Live API endpoints: events streamed to your webhooks');
  const showKeys = (e: LiveEndpoint) =>
    `${line(e)}\npublic key ${e.publicKey}\nprivate key (the HMAC secret) ${e.privateKey}` +
    `\nStandard Webhooks secret ${standardWebhooksSecret(e.privateKey)}`;

  live.command('list').action(async (_o, cmd: Command) =>
    withLive(cmd, async (b) => {
      const list = await b.list();
      print(cmd, { endpoints: list }, () => list.map(line).join('\n'));
    }),
  );
  live
    .command('create')
    .requiredOption('--target <url>', 'where to POST events (--url names the usagehub server)')
    .option('--description <text>', "sent as the body's service")
    .option('--filter <types...>', 'event types or namespace wildcards (usagehub.event.push.*); none: all')
    .option('--ordered', 'one delivery at a time, in event order')
    .action(
      async (
        opts: { target: string; description?: string; filter?: string[]; ordered?: boolean },
        cmd: Command,
      ) =>
        withLive(cmd, async (b) => {
          const e = await b.create({
            url: opts.target,
            description: opts.description,
            filters: opts.filter,
            ordered: opts.ordered,
          });
          print(cmd, e, () => `${showKeys(e)}\nnext: usagehub live verify ${e.id}`);
        }),
    );
  live.command('show <id>').action(async (id: string, _o, cmd: Command) =>
    withLive(cmd, async (b) => {
      const e = await b.get(id);
      print(cmd, e, () => showKeys(e));
    }),
  );
  live
    .command('update <id>')
    .option('--target <url>', 'a new url (resets both keys and the verification)')
    .option('--description <text>')
    .option('--filter <types...>')
    .action(
      async (id: string, opts: { target?: string; description?: string; filter?: string[] }, cmd: Command) =>
        withLive(cmd, async (b) => {
          const e = await b.update(id, {
            url: opts.target,
            description: opts.description,
            filters: opts.filter,
          });
          print(cmd, e, () => showKeys(e));
        }),
    );
  live.command('verify <id>').action(async (id: string, _o, cmd: Command) =>
    withLive(cmd, async (b) => {
      const v = await b.verify(id);
      print(cmd, v, () => (v.verified ? `${id}\tverified` : `${id}\tnot verified: ${v.error}`));
      if (!v.verified) process.exitCode = 1;
    }),
  );
  for (const action of ['pause', 'resume'] as const) {
    live.command(`${action} <id>`).action(async (id: string, _o, cmd: Command) =>
      withLive(cmd, async (b) => {
        const e = await b[action](id);
        print(cmd, e, () => line(e));
      }),
    );
  }
  live.command('delete <id>').action(async (id: string, _o, cmd: Command) =>
    withLive(cmd, async (b) => {
      await b.delete(id);
      print(cmd, { id, deleted: true }, () => `${id}\tdeleted`);
    }),
  );
  live
    .command('replay <id>')
    .description('send deliveries again: those queued in a time range, or by webhook-id')
    .option('--from <time>', 'queued at or after (Unix ms or ISO 8601)')
    .option('--to <time>', 'queued before (Unix ms or ISO 8601)')
    .option('--ids <ids...>', 'webhook-ids')
    .action(async (id: string, opts: { from?: string; to?: string; ids?: string[] }, cmd: Command) =>
      withLive(cmd, async (b) => {
        const time = (v: string | undefined) => {
          if (v === undefined) return undefined;
          const parsed = parseInstant(v, true);
          if (parsed.outcome !== 'ok') throw new CliError(`not a time: ${v} (${INSTANT_FORMS})`);
          return parsed.ms;
        };
        const res = await b.replay(
          id,
          opts.ids ? { ids: opts.ids } : { from: time(opts.from), to: time(opts.to) },
        );
        print(cmd, res, () => `${res.replayed} deliveries queued again`);
      }),
    );
  live
    .command('deliveries <id>')
    .description('the delivery log: attempts, newest first')
    .option('--limit <n>', 'how many', '50')
    .action(async (id: string, opts: { limit: string }, cmd: Command) =>
      withLive(cmd, async (b) => {
        const attempts = await b.deliveries(id, Number(opts.limit));
        print(cmd, { attempts }, () =>
          attempts
            .map(
              (a) =>
                `${new Date(a.at).toISOString()}\t${a.deliveryId}\t${a.type}\t${a.status ?? '-'}\t${Math.round(a.latencyMs)} ms\t${a.error ?? ''}`,
            )
            .join('\n'),
        );
      }),
    );
}
