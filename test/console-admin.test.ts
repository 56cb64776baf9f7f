/**
 * The console's admin pages in a real Chromium, against a running usagehub: an app and
 * a key made through the pages and the key used with curl; a webhook endpoint pointed at
 * a receiver built with the Live API SDK, verified from the page, failing, fixed and
 * replayed from the page until every event arrived once per webhook-id; an IP range CSV
 * refused by line, then imported; sources and registries; what a read key may not reach.
 * Each page's screenshot goes to test/.artifacts/console/.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import {
  browserSkip,
  openBrowser,
  screenshot,
  seriousViolations,
  type TestBrowser,
} from './helpers/browser.ts';
import { Receiver } from './helpers/scripted-receiver.ts';
import { startHub, type TestHub } from './helpers/server.ts';

const run = promisify(execFile);

async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  ms = 15_000,
) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('console: operating usagehub', { skip: browserSkip }, () => {
  let hub: TestHub;
  let base: string;
  let browser: TestBrowser;
  let page: Page;
  let receiver: Receiver;
  let receiverUrl: string;
  /** The ingest key made through the API keys page. */
  let ingestSecret = '';
  let endpointPath = '';

  before(async () => {
    hub = await startHub({
      liveAllowAddresses: '127.0.0.0/8',
      liveTimeoutMs: 1000,
      liveFailingAfterSeconds: 1,
    });
    await hub.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(hub.app.server.address() as AddressInfo).port}`;
    receiver = new Receiver();
    receiverUrl = await receiver.start();
    browser = await openBrowser();
    page = await browser.context.newPage();
    await page.goto(`${base}/sign-in`);
    await page.getByLabel('API key', { exact: true }).fill(hub.adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Settings' }).waitFor();
  });
  after(async () => {
    await browser?.close();
    await hub?.close();
    await receiver?.stop();
  });

  const noSeriousViolations = async (what: string) =>
    assert.deepEqual(
      (await seriousViolations(page)).map((v) => `${v.id}: ${v.help} (${v.nodes[0]?.target.join(' ')})`),
      [],
      what,
    );

  test('an app and a key made through the pages; the key works with curl and shows its last use', async () => {
    await page.goto(`${base}/settings`);
    await page.getByLabel('New app name', { exact: true }).fill('portal-app');
    await page.getByRole('button', { name: 'Create app' }).click();
    const app = page.locator('[data-app="portal-app"]');
    await app.waitFor();
    await app.getByLabel('Event name', { exact: true }).fill('opened_file');
    await app.getByLabel('Category', { exact: true }).selectOption('Read');
    await app.getByRole('button', { name: 'Map' }).click();
    await app.getByRole('cell', { name: 'opened_file', exact: true }).waitFor();
    // The server's refusal shows with its field: a name taken.
    await page.getByLabel('New app name', { exact: true }).fill('portal-app');
    await page.getByRole('button', { name: 'Create app' }).click();
    await page.getByRole('alert').filter({ hasText: 'conflict' }).waitFor();
    await noSeriousViolations('apps page');
    await screenshot(page, 'settings-apps');

    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'API keys' }).click();
    await page.getByLabel('Role', { exact: true }).selectOption('ingest');
    await page.getByLabel('Name', { exact: true }).fill('curl');
    await page.getByRole('button', { name: 'Create key' }).click();
    ingestSecret = await page.locator('[data-secret]').innerText();
    assert.match(ingestSecret, /^uh_ingest_/);
    await page.getByText('shown only this once').waitFor();
    await screenshot(page, 'settings-key-created');
    await page.getByRole('button', { name: 'I have stored it' }).click();
    assert.equal(await page.locator('[data-secret]').count(), 0, 'the secret is gone once stored');
    assert.ok(!(await page.content()).includes(ingestSecret), 'nor anywhere in the page');

    const body = JSON.stringify([
      {
        id: 'curl-1',
        app: 'portal-app',
        name: 'opened_file',
        email: 'ann@example.com',
        timestamp: Date.now(),
      },
    ]);
    const { stdout } = await run('curl', [
      '-s',
      '-w',
      '\n%{http_code}',
      `${base}/v1/events`,
      '-H',
      `Authorization: Bearer ${ingestSecret}`,
      '-H',
      'Content-Type: application/json',
      '-d',
      body,
    ]);
    assert.equal(stdout.trim().split('\n').at(-1), '200', stdout);
    const row = page
      .getByRole('region', { name: 'ingest keys' })
      .getByRole('row')
      .filter({ hasText: 'curl' });
    await until('the last use shown', async () => {
      await page.reload();
      return !/never/.test(await row.innerText());
    });
    await noSeriousViolations('keys page');
    await screenshot(page, 'settings-keys');
  });

  test('a webhook endpoint: created, verified from the page, failing, fixed, replayed; every event arrives once per webhook-id', async () => {
    await page.goto(`${base}/webhooks`);
    await page.getByLabel('URL', { exact: true }).fill(receiverUrl);
    await page.getByLabel('Description', { exact: true }).fill('portal receiver');
    await page.getByLabel('Add a filter', { exact: true }).fill('usagehub.event.native.*');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.waitForURL(/\/webhooks\/endpoint_/);
    endpointPath = new URL(page.url()).pathname;
    await page.locator('.state-unverified').first().waitFor();
    // The receiver takes the keys the page shows, as a person would copy them.
    const keys = page.getByRole('region', { name: 'Keys' });
    const dd = keys.locator('dd code');
    receiver.keys = { publicKey: await dd.nth(0).innerText(), privateKey: await dd.nth(1).innerText() };
    assert.match(await page.locator('.snippet').first().innerText(), new RegExp(receiver.keys.privateKey));

    // A failed verification says why; then it goes through.
    receiver.challengeAnswer = (_answer, res) => res.writeHead(403).end('who are you?');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText('Not verified: answered 403: who are you?').waitFor();
    receiver.challengeAnswer = null;
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.getByText('Verified: the endpoint answered the challenge.').waitFor();
    await page.locator('.state-verified').first().waitFor();

    // The receiver fails: deliveries fail, the endpoint turns failing.
    receiver.behave = (_n, res) => {
      res.writeHead(500).end('receiver down');
      return true;
    };
    const events = Array.from({ length: 5 }, (_, i) => ({
      id: `portal-${i}`,
      app: 'portal-app',
      name: 'opened_file',
      email: 'ann@example.com',
      timestamp: Date.now(),
    }));
    const sent = await hub.send(events, { authorization: `Bearer ${ingestSecret}` });
    assert.equal(sent.statusCode, 200, sent.body);
    await until(
      'five failed deliveries',
      () => new Set(receiver.posts.map((p) => p.headers['webhook-id'])).size >= 5,
    );
    await until('the endpoint failing', async () => {
      await page.reload();
      return (await page.locator('.state-failing').count()) > 0;
    });
    await page.getByLabel('Failed attempts only', { exact: true }).check();
    const failedRows = page.getByRole('region', { name: 'Delivery attempts' }).locator('tbody tr.failed');
    await failedRows.first().waitFor();
    // One failed delivery opened: what was sent, and what the receiver answered.
    await failedRows.first().getByRole('button').click();
    const detail = page.getByRole('complementary', { name: 'Delivery' });
    await detail.locator('details[open]').getByText('Request headers').waitFor();
    assert.match(await detail.innerText(), /webhook-signature: v1,/);
    assert.match(await detail.locator('[data-answer]').last().innerText(), /receiver down/);
    await noSeriousViolations('endpoint page, failing');
    await screenshot(page, 'webhook-failing');

    // Paused while the receiver is fixed, so that no retry runs alongside the replay.
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.locator('.state-paused').first().waitFor();
    await new Promise((r) => setTimeout(r, 1200)); // an attempt in flight ends (timeout 1 s)
    receiver.behave = () => false;
    const before = receiver.posts.length;
    await page.getByRole('button', { name: 'Replay failed' }).click();
    await page.getByText(/^\d+ failed deliveries queued again\.$/).waitFor();
    await page.getByRole('button', { name: 'Resume' }).click();

    const ok = () => receiver.posts.slice(before).filter((p) => p.status === 200);
    await until('every event delivered', () => new Set(ok().map((p) => p.headers['webhook-id'])).size === 5);
    await new Promise((r) => setTimeout(r, 1500)); // nothing more is coming
    const okIds = ok().map((p) => String(p.headers['webhook-id']));
    assert.equal(okIds.length, 5, `each webhook-id delivered once: ${okIds.join(', ')}`);
    const failedIds = new Set(receiver.posts.slice(0, before).map((p) => String(p.headers['webhook-id'])));
    assert.deepEqual(new Set(okIds), failedIds, 'the same webhook-ids as the failed attempts');
    const clientIds = ok().map((p) => (JSON.parse(p.body) as { data: { clientId: string } }).data.clientId);
    assert.deepEqual(clientIds.sort(), events.map((e) => e.id).sort());

    await until('no longer failing', async () => {
      await page.reload();
      return (await page.locator('.state-verified').count()) > 0;
    });
    await page.getByLabel('Failed attempts only', { exact: true }).uncheck();
    assert.ok(
      (await page.getByRole('region', { name: 'Delivery attempts' }).locator('tbody tr').count()) >= 10,
    );
    await screenshot(page, 'webhook-endpoint');
  });

  test('a test event of a chosen type, sent from the page; the list shows the endpoint with its figures', async () => {
    await page.goto(`${base}${endpointPath}`);
    await page.getByLabel('Test event type', { exact: true }).selectOption('usagehub.app.Created');
    await page.getByRole('button', { name: 'Send test event' }).click();
    const said = await page.getByText(/^Test event queued as msg_test_/).innerText();
    const id = said.replace(/^Test event queued as (\S+)\.$/, '$1');
    const post = await until('the test event', () =>
      receiver.posts.find((p) => p.headers['webhook-id'] === id),
    );
    assert.deepEqual(JSON.parse(post.body).data.test, true);

    await page.goto(`${base}/webhooks?range=1h`);
    const card = page.locator('.endpoint-card');
    await card.locator('[data-drawn="true"]').waitFor();
    const text = await card.innerText();
    assert.match(text, /verified/);
    assert.match(text, /Last error .*answered 500/);
    await noSeriousViolations('webhooks list');
    await screenshot(page, 'webhooks');
  });

  test('an IP range CSV with a bad line is refused with the line, nothing imported; a good one resolves', async () => {
    await page.goto(`${base}/settings/registries`);
    const ranges = page.getByRole('region', { name: 'IP ranges' });
    await ranges.getByLabel('CSV file', { exact: true }).setInputFiles({
      name: 'ranges.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(
        'cidr,organisation,domain\n203.0.113.0/24,Acme,acme.example\nnot-a-range,Bad,bad.example\n',
      ),
    });
    await ranges.getByRole('button', { name: 'Upload' }).click();
    await ranges.getByText(/line 3:/).waitFor();
    await ranges.getByLabel('IP address', { exact: true }).fill('203.0.113.7');
    await ranges.getByRole('button', { name: 'Resolve' }).click();
    await ranges.getByText('No company for this address or domain.').waitFor();
    await screenshot(page, 'settings-ip-ranges-refused');

    await ranges.getByLabel('CSV file', { exact: true }).setInputFiles({
      name: 'ranges.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(
        'cidr,organisation,domain\n203.0.113.0/24,Acme,acme.example\n2001:db8::/32,Docs,\n',
      ),
    });
    await ranges.getByRole('button', { name: 'Upload' }).click();
    await ranges.getByText('Imported 2 ranges (1 IPv4, 1 IPv6).').waitFor();
    await ranges.getByRole('button', { name: 'Resolve' }).click();
    assert.equal(await ranges.locator('[data-company]').innerText(), 'acme.example');
  });

  test('registries and sources through the pages', async () => {
    await page.goto(`${base}/settings/registries`);
    const metrics = page.getByRole('region', { name: 'Metrics' });
    await metrics.getByLabel('Key', { exact: true }).fill('secondary7');
    await metrics.getByLabel('Description', { exact: true }).fill('exports');
    await metrics.getByRole('button', { name: 'Save metric' }).click();
    await metrics.getByRole('cell', { name: 'secondary7', exact: true }).waitFor();
    const types = page.getByRole('region', { name: 'Session types' });
    await types.getByLabel('Type', { exact: true }).fill('KIOSK');
    await types.getByRole('button', { name: 'Add type' }).click();
    await types.getByText('KIOSK').waitFor();
    const users = page.getByRole('region', { name: 'Hit users' });
    await users.getByLabel('User id', { exact: true }).fill('u-9');
    await users.getByLabel('E-mail', { exact: true }).fill('nine@example.com');
    await users.getByRole('button', { name: 'Save user' }).click();
    await users.getByRole('cell', { name: 'nine@example.com', exact: true }).waitFor();
    const medias = page.getByRole('region', { name: 'Medias' });
    await medias.getByLabel('Media id', { exact: true }).fill('intro.mp4');
    await medias.getByLabel('Length (seconds)', { exact: true }).fill('90');
    await medias.getByRole('button', { name: 'Save media' }).click();
    await medias.getByRole('cell', { name: 'intro.mp4', exact: true }).waitFor();
    await noSeriousViolations('registries page');
    await screenshot(page, 'settings-registries');

    const api = async (path: string) =>
      (await hub.app.inject({ url: path, headers: { authorization: `Bearer ${hub.adminKey}` } })).json<
        Record<string, unknown[]>
      >();
    assert.ok(JSON.stringify(await api('/v1/metrics')).includes('secondary7'));
    assert.ok(JSON.stringify(await api('/v1/medias')).includes('"durationSeconds":90'));

    await page.goto(`${base}/settings/sources`);
    await page.getByLabel('SDK', { exact: true }).selectOption('posthog');
    await page.getByLabel('Into app', { exact: true }).selectOption({ label: 'portal-app' });
    await page.getByRole('button', { name: 'Create source' }).click();
    const source = page.locator('section.panel').filter({ hasText: 'posthog → portal-app' });
    await source.waitFor();
    await source.getByText('Set up the SDK').click();
    const writeKey = (await api('/v1/sources')).sources!.map((s) => (s as { writeKey: string }).writeKey)[0]!;
    assert.match(
      await source.locator('.snippet').first().innerText(),
      new RegExp(`new PostHog\\("${writeKey}"`),
    );
    await noSeriousViolations('sources page');
    await screenshot(page, 'settings-sources');

    await page.goto(`${base}/settings/oauth-clients`);
    await page.getByLabel('Client name', { exact: true }).fill('connector');
    await page.getByRole('button', { name: 'Create client' }).click();
    await page.locator('[data-secret]').waitFor();
    await page.getByRole('button', { name: 'I have stored it' }).click();
    await page.getByRole('cell', { name: 'connector', exact: true }).waitFor();
    await screenshot(page, 'settings-oauth-clients');
  });

  test("the limits page sets the tenant's quota and a key's rate, as the API then says", async () => {
    await page.goto(`${base}/settings/limits`);
    const tenant = page.getByRole('form', { name: 'Limits: This tenant' });
    await tenant.getByLabel('Events per day (UTC)', { exact: true }).fill('5000');
    await tenant.getByLabel('Events per second', { exact: true }).fill('250');
    await tenant.getByRole('button', { name: 'Save' }).click();
    const usage = page.getByRole('region', { name: 'Quota usage' });
    await usage.getByText('of 5,000').waitFor();
    const keys = page.getByRole('region', { name: 'Limits of keys' });
    await keys.getByLabel('Key id', { exact: true }).fill('src_leaked');
    await keys.getByRole('button', { name: 'Limit this key' }).click();
    await page.getByRole('form', { name: 'Limits: src_leaked' }).waitFor();
    const view = (
      await hub.app.inject({ url: '/v1/limits', headers: { authorization: `Bearer ${hub.adminKey}` } })
    ).json<{ tenant: object; keys: object }>();
    assert.deepEqual(view.tenant, { eventsPerSecond: 250, eventsPerDay: 5000 });
    assert.deepEqual(view.keys, { src_leaked: { requestsPerSecond: 10 } });
    await page.reload();
    assert.equal(await tenant.getByLabel('Events per day (UTC)', { exact: true }).inputValue(), '5000');
    await noSeriousViolations('limits page');
    await screenshot(page, 'settings-limits');
    await keys.getByRole('button', { name: "Remove src_leaked's limits" }).click();
    await page.getByRole('form', { name: 'Limits: src_leaked' }).waitFor({ state: 'detached' });
    await hub.app.inject({
      method: 'PUT',
      url: '/v1/limits',
      headers: { authorization: `Bearer ${hub.adminKey}` },
      payload: {},
    });
  });

  test('revoking a key through the page asks first, and the key stops working', async () => {
    await page.goto(`${base}/settings/keys`);
    const row = page
      .getByRole('region', { name: 'ingest keys' })
      .getByRole('row')
      .filter({ hasText: 'curl' });
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByRole('button', { name: 'Yes, revoke' }).click();
    await until('revoked', async () => !/Revoke/.test(await row.innerText()));
    const res = await hub.send(
      [{ id: 'after-revoke', app: 'portal-app', name: 'opened_file', timestamp: Date.now() }],
      {
        authorization: `Bearer ${ingestSecret}`,
      },
    );
    assert.equal(res.statusCode, 401);
  });

  test('at 390 px wide the webhook pages and settings fit the screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      for (const [path, name] of [
        ['/webhooks', 'webhooks-390'],
        [endpointPath, 'webhook-endpoint-390'],
        ['/settings/keys', 'settings-keys-390'],
        ['/settings/limits', 'settings-limits-390'],
      ] as const) {
        await page.goto(`${base}${path}`);
        await page.locator('h1').first().waitFor();
        await page.waitForLoadState('networkidle');
        const width = await page.evaluate<number>('document.documentElement.scrollWidth');
        // What sticks out, named in the failure.
        const wide = await page.evaluate<string[]>(
          `[...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > 391)
             .slice(0, 8).map((e) => e.tagName + '.' + e.className)`,
        );
        assert.ok(width <= 390, `${path} is ${width} px wide: ${wide.join(', ')}`);
        await screenshot(page, name);
      }
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });

  test('with a read key, neither webhooks nor settings are reachable, and the API refuses what is behind them', async () => {
    const other = await openBrowser();
    const readPage = await other.context.newPage();
    await readPage.goto(`${base}/sign-in`);
    await readPage.getByLabel('API key', { exact: true }).fill(hub.readKey);
    await readPage.getByRole('button', { name: 'Sign in' }).click();
    await readPage.getByRole('link', { name: 'Events' }).waitFor();
    assert.equal(await readPage.getByRole('link', { name: 'Webhooks' }).count(), 0);
    await readPage.goto(`${base}${endpointPath}`);
    await readPage.getByText('Webhooks need an admin key').waitFor();
    await readPage.goto(`${base}/settings/keys`);
    await readPage.getByText('Settings need an admin key').waitFor();
    for (const path of [
      '/v1/keys',
      '/v1/live/endpoints',
      `/v1/live/endpoints${endpointPath.slice(9)}/deliveries`,
    ]) {
      const status = await readPage.evaluate(async (p) => (await fetch(p)).status, path);
      assert.equal(status, 403, path);
    }
    await screenshot(readPage, 'webhooks-read-key');
    await other.close();
  });
});
