/**
 * The `usagehub` command: `serve` runs the server; the other commands manage a
 * running server (--url, --key) or, when none holds it, the data directory itself.
 */
import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import {
  ConfigError,
  loadConfig,
  settleDuckDbAllocator,
  type Config,
  type ConfigOverrides,
} from '../config.ts';
import { ROLES, type App, type Role } from '../catalog/catalog.port.ts';
import { MODULES } from '../dialects/dialects.ts';
import { CATEGORIES, type Category } from '../domain/categories.ts';
import { parseScope, SCOPES, type Scope } from '../domain/scopes.ts';
import { CliError, openBackend, type AdminBackend } from './backend.ts';
import { liveCommands } from './commands/live.ts';
import { quarantineCommands } from './commands/quarantine.ts';
import { nativeBuildMismatch } from './native-build.ts';

// The commands that open engines load them when they run (dynamic imports below): the
// others, and --help, answer without loading DuckDB, SQLite, PostgreSQL or NATS.

interface GlobalOpts {
  data?: string;
  log?: string;
  store?: string;
  url?: string;
  key?: string;
  tenant?: string;
  json?: boolean;
}

function configFrom(cmd: Command, extra: ConfigOverrides = {}): Config {
  const g = cmd.optsWithGlobals<GlobalOpts>();
  return loadConfig({ dataDir: g.data, log: g.log, store: g.store, url: g.url, key: g.key, ...extra });
}

/** Prints a result: JSON for scripts with --json, else a short line for people. */
function print(cmd: Command, value: unknown, human: () => string): void {
  const g = cmd.optsWithGlobals<GlobalOpts>();
  process.stdout.write(g.json ? JSON.stringify(value, null, 2) + '\n' : human() + '\n');
}

async function withBackend(cmd: Command, fn: (b: AdminBackend) => Promise<void>): Promise<void> {
  const backend = await openBackend(configFrom(cmd), cmd.optsWithGlobals<GlobalOpts>().tenant);
  try {
    await fn(backend);
  } finally {
    await backend.close();
  }
}

const program = new Command('usagehub')
  .description('Self-hosted hub for product usage events.')
  .option('--data <dir>', 'data directory (USAGEHUB_DATA_DIR; default ./data)')
  .option('--log <url>', 'scale profile: NATS JetStream, nats://host:4222[,…] (USAGEHUB_LOG)')
  .option(
    '--store <url>',
    'PostgreSQL for the catalog, the event store and the Live store, postgres://user@host/db[?schema=…] (USAGEHUB_STORE; each also has its own setting, docs/deploy.md)',
  )
  .option('--url <url>', 'a running server to manage (USAGEHUB_URL)')
  .option('--key <key>', 'API key for --url (USAGEHUB_KEY)')
  .option('--tenant <id>', 'tenant to act on, when working on a data directory with several')
  .option('--json', 'print results as JSON')
  .showHelpAfterError();

program
  .command('serve')
  .description('run the server')
  .option('--port <port>', 'port to listen on (PORT; default 8080; 0: any free port, named on stderr)')
  .option('--host <host>', 'address to listen on (HOST; default 0.0.0.0)')
  .addOption(
    new Option(
      '--role <role>',
      'scale profile: answer HTTP, consume the log, or both (USAGEHUB_ROLE)',
    ).choices(['all', 'ingest', 'worker']),
  )
  .option('--migrate', 'scale profile: apply missing PostgreSQL migrations first (USAGEHUB_MIGRATE)')
  .action(
    async (
      opts: { port?: string; host?: string; role?: 'all' | 'ingest' | 'worker'; migrate?: boolean },
      cmd: Command,
    ) => {
      const { serve } = await import('./commands/serve.ts');
      await serve(
        configFrom(cmd, {
          port: opts.port as unknown as number,
          host: opts.host,
          role: opts.role,
          migrate: opts.migrate,
        }),
      );
    },
  );

program
  .command('migrate')
  .description('bring every PostgreSQL schema in use (catalog, event store, Live store) to this version')
  .action(async (_o, cmd: Command) => {
    const { migrateStore } = await import('./commands/migrate.ts');
    const res = await migrateStore(configFrom(cmd));
    print(cmd, res, () =>
      res.applied.length === 0
        ? `schema "${res.schema}" is up to date (version ${res.version})`
        : res.applied.map((m) => `applied ${m.version}: ${m.name}`).join('\n') +
          `\nschema "${res.schema}" is at version ${res.version}`,
    );
  });

program
  .command('init')
  .description('create the first tenant and its admin key (run with the server stopped)')
  .option('--name <name>', 'tenant name; required to create another tenant')
  .action(async (opts: { name?: string }, cmd: Command) => {
    const { init } = await import('./commands/init.ts');
    const res = await init(configFrom(cmd), opts.name);
    print(cmd, res, () => `tenant ${res.tenantId}\nadmin key (shown once; keep it): ${res.adminKey}`);
  });

const tenant = program.command('tenant').description('your tenant');
tenant.command('show').action(async (_o, cmd: Command) =>
  withBackend(cmd, async (b) => {
    const t = await b.tenant();
    print(cmd, t, () => `${t.id}\t${t.name}`);
  }),
);

const apps = program.command('apps').description('apps: the application instances that send events');
apps.command('list').action(async (_o, cmd: Command) =>
  withBackend(cmd, async (b) => {
    const list = await b.listApps();
    print(cmd, { apps: list }, () => list.map((a) => `${a.id}\t${a.name}`).join('\n'));
  }),
);
apps
  .command('create')
  .requiredOption('--name <name>', 'app name, unique in the tenant')
  .action(async (opts: { name: string }, cmd: Command) =>
    withBackend(cmd, async (b) => {
      const app = await b.createApp(opts.name);
      print(cmd, app, () => `${app.id}\t${app.name}`);
    }),
  );
/** An app for people: id and name, then one line per mapped event name. */
const showApp = (app: App): string =>
  [
    `${app.id}\t${app.name}${app.origin === null ? '' : `\torigin ${app.origin}`}`,
    ...app.eventMappings.map((m) => `  ${m.eventName}\t${m.category}`),
  ].join('\n');

apps.command('show <app>').action(async (idOrName: string, _o, cmd: Command) =>
  withBackend(cmd, async (b) => {
    const app = await b.getApp(idOrName);
    print(cmd, app, () => showApp(app));
  }),
);
apps
  .command('map <app>')
  .description("add an event name to the app's event mapping, or change its category")
  .requiredOption('--event <name>', 'the eventName the app sends')
  .addOption(new Option('--category <category>', 'its category').choices(CATEGORIES).makeOptionMandatory())
  .action(async (idOrName: string, opts: { event: string; category: Category }, cmd: Command) =>
    withBackend(cmd, async (b) => {
      const app = await b.mapEvent(idOrName, opts.event, opts.category);
      print(cmd, app, () => showApp(app));
    }),
  );
apps
  .command('unmap <app>')
  .description("remove an event name from the app's event mapping")
  .requiredOption('--event <name>', 'the eventName to remove')
  .action(async (idOrName: string, opts: { event: string }, cmd: Command) =>
    withBackend(cmd, async (b) => {
      const app = await b.unmapEvent(idOrName, opts.event);
      print(cmd, app, () => showApp(app));
    }),
  );
apps
  .command('rename <app>')
  .requiredOption('--name <name>', 'new name')
  .action(async (idOrName: string, opts: { name: string }, cmd: Command) =>
    withBackend(cmd, async (b) => {
      const app = await b.renameApp(idOrName, opts.name);
      print(cmd, app, () => `${app.id}\t${app.name}`);
    }),
  );

const keys = program.command('keys').description('API keys (stored hashed; a secret is shown once)');
keys.command('list').action(async (_o, cmd: Command) =>
  withBackend(cmd, async (b) => {
    const list = await b.listKeys();
    print(cmd, { keys: list }, () =>
      list
        .map((k) => `${k.id}\t${k.role}\t${k.prefix}…\t${k.name}${k.revokedAt ? '\trevoked' : ''}`)
        .join('\n'),
    );
  }),
);
keys
  .command('create')
  .addOption(new Option('--role <role>', 'what the key may do').choices(ROLES).makeOptionMandatory())
  .option('--name <name>', 'a label for the key')
  .option('--secret-only', 'print the secret alone, for a shell variable: KEY=$(usagehub keys create …)')
  .action(async (opts: { role: Role; name?: string; secretOnly?: boolean }, cmd: Command) =>
    withBackend(cmd, async (b) => {
      const created = await b.createKey(opts.role, opts.name ?? opts.role);
      if (opts.secretOnly) {
        process.stdout.write(`${created.secret}\n`);
        return;
      }
      print(
        cmd,
        created,
        () => `${created.key.id}\t${created.key.role}\nsecret (shown once; keep it): ${created.secret}`,
      );
    }),
  );
keys.command('revoke <id>').action(async (id: string, _o, cmd: Command) =>
  withBackend(cmd, async (b) => {
    const key = await b.revokeKey(id);
    print(cmd, key, () => `${key.id}\trevoked ${key.revokedAt}`);
  }),
);

apps
  .command('set-origin <app>')
  .description('make the app a user interface of the statistic-hits API (a hit origin)')
  .requiredOption('--origin <n>', 'its number, 0 or more; "none" to remove it')
  .action(async (idOrName: string, opts: { origin: string }, cmd: Command) =>
    withBackend(cmd, async (b) => {
      const origin = opts.origin === 'none' ? null : Number(opts.origin);
      if (origin !== null && !(Number.isInteger(origin) && origin >= 0)) {
        throw new CliError(`--origin must be an integer of 0 or more, or none; got ${opts.origin}`);
      }
      const app = await b.setAppOrigin(idOrName, origin);
      print(cmd, app, () => showApp(app));
    }),
  );

// Each module's own commands (dialects/<d>/<d>.commands.ts, sources/), over the same admin API.
for (const module of MODULES)
  module.commands?.(program, {
    withAdmin: (cmd, fn) => withBackend(cmd, (b) => fn(b)),
    print,
    fail: (message) => {
      throw new CliError(message);
    },
  });

const ipRanges = program
  .command('ip-ranges')
  .description("the tenant's IP range table, which resolves addresses to companies");
ipRanges
  .command('import <file>')
  .description('replace the table with a CSV file: cidr,organisation,domain (all or nothing)')
  .action(async (file: string, _o, cmd: Command) =>
    withBackend(cmd, async (b) => {
      let csv: string;
      try {
        csv = await readFile(file, 'utf8');
      } catch (err) {
        throw new CliError(`cannot read ${file}: ${(err as Error).message}`);
      }
      const res = await b.importIpRanges(csv);
      print(cmd, res, () => `imported ${res.imported} ranges (${res.ipv4} IPv4, ${res.ipv6} IPv6)`);
    }),
  );
ipRanges
  .command('resolve')
  .description('show how an address and/or a domain resolve to a company now')
  .option('--ip <address>')
  .option('--domain <domain>')
  .action(async (opts: { ip?: string; domain?: string }, cmd: Command) =>
    withBackend(cmd, async (b) => {
      const r = await b.resolveCompany(opts.ip, opts.domain);
      print(
        cmd,
        r,
        () =>
          `${r.company ?? '(no company)'}\t${r.resolvedBy ?? ''}\t${r.ipRange ?? ''}\t${r.organisation ?? ''}`,
      );
    }),
  );

const clients = program
  .command('oauth-clients')
  .description('OAuth clients for the push API (client credentials; a secret is shown once)');
clients.command('list').action(async (_o, cmd: Command) =>
  withBackend(cmd, async (b) => {
    const list = await b.listOAuthClients();
    print(cmd, { clients: list }, () =>
      list
        .map((c) => `${c.id}\t${c.scopes.join(' ')}\t${c.name}${c.revokedAt ? '\trevoked' : ''}`)
        .join('\n'),
    );
  }),
);
clients
  .command('create')
  .requiredOption('--name <name>', 'a label for the client')
  .option('--scope <scopes...>', `scopes to grant (${SCOPES.join(', ')})`, ['connector.write'])
  .action(async (opts: { name: string; scope: string[] }, cmd: Command) =>
    withBackend(cmd, async (b) => {
      const scopes = opts.scope.map((s) => {
        const scope = parseScope(s);
        if (!scope) throw new CliError(`unknown scope ${s}; scopes: ${SCOPES.join(', ')}`);
        return scope;
      });
      const created = await b.createOAuthClient(opts.name, scopes as Scope[]);
      print(
        cmd,
        created,
        () =>
          `client_id ${created.client.id}\tscopes ${created.client.scopes.join(' ')}\n` +
          `client_secret (shown once; keep it): ${created.secret}`,
      );
    }),
  );
clients.command('revoke <id>').action(async (id: string, _o, cmd: Command) =>
  withBackend(cmd, async (b) => {
    const client = await b.revokeOAuthClient(id);
    print(cmd, client, () => `${client.id}\trevoked ${client.revokedAt}`);
  }),
);

liveCommands(
  program,
  (cmd) => configFrom(cmd),
  (cmd) => cmd.optsWithGlobals<GlobalOpts>().tenant,
  print,
);

quarantineCommands(program, (cmd) => configFrom(cmd), print);

program
  .command('export')
  .description('write stored events to stdout')
  .addOption(new Option('--format <format>', 'output format').choices(['ndjson', 'csv']).default('ndjson'))
  .option('--app <apps>', 'only these apps (ids or names, comma-separated)')
  .option('--name <names>', 'only these event names (comma-separated)')
  .option('--from <time>', 'from this time (Unix ms or ISO 8601), inclusive')
  .option('--to <time>', 'to this time (Unix ms or ISO 8601), exclusive')
  .action(
    async (
      opts: { format: 'ndjson' | 'csv'; app?: string; name?: string; from?: string; to?: string },
      cmd: Command,
    ) => {
      const tenantOpt = cmd.optsWithGlobals<GlobalOpts>().tenant;
      const { exportEvents } = await import('./commands/export.ts');
      await exportEvents(configFrom(cmd), { ...opts, tenant: tenantOpt }, process.stdout);
    },
  );

// Before any command loads DuckDB (the engines are imported when a command runs).
settleDuckDbAllocator();
try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CliError || err instanceof ConfigError) {
    process.stderr.write(`usagehub: ${err.message}\n`);
    process.exit(2);
  }
  const mismatch = nativeBuildMismatch(err);
  if (mismatch) {
    process.stderr.write(`usagehub: ${mismatch}\n`);
    process.exit(1);
  }
  process.stderr.write(`usagehub: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
}
