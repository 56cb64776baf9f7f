/**
 * The console in a real Chromium, against a running usagehub: sign-in, the overview's
 * numbers against the query API, the explorer, the live tail, sign-out, what a read key
 * may not reach, accessibility (axe-core) and the layout at 390 px. Each page's
 * screenshot goes to test/.artifacts/console/.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { adminCall } from './helpers/admin.ts';
import {
  browserSkip,
  openBrowser,
  screenshot,
  seriousViolations,
  type TestBrowser,
} from './helpers/browser.ts';
import { NOW, ev, startHub, type TestHub } from './helpers/server.ts';

describe('console', { skip: browserSkip }, () => {
  let hub: TestHub;
  let base: string;
  let browser: TestBrowser;
  let page: Page;
  const policyErrors: string[] = [];

  before(async () => {
    hub = await startHub();
    await hub.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(hub.app.server.address() as AddressInfo).port}`;
    // Events of the native API and of a dialect (Segment), by two users.
    const native = await hub.send([
      ev({ id: 'n1', name: 'opened_file', email: 'ann@example.com', properties: { file: 'Q3 report.pdf' } }),
      ev({ id: 'n2', name: 'opened_file', email: 'bob@example.com', properties: { file: 'notes.txt' } }),
      ev({ id: 'n3', name: 'login', email: 'bob@example.com', timestamp: NOW - 120_000 }),
    ]);
    assert.equal(native.statusCode, 200, native.body);
    const { writeKey } = (await adminCall(hub, 'POST', '/v1/sources', { kind: 'segment', app: 'web' })) as {
      writeKey: string;
    };
    const segment = await hub.app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` },
      payload: {
        batch: [
          {
            type: 'track',
            event: 'Video Played',
            userId: 'carol',
            messageId: 's1',
            properties: { title: 'Intro' },
          },
          {
            type: 'track',
            event: 'Video Played',
            userId: 'carol',
            messageId: 's2',
            properties: { title: 'Setup' },
          },
        ],
      },
    });
    assert.equal(segment.statusCode, 200, segment.body);
    assert.equal(await hub.storedCount(5), 5);
    browser = await openBrowser();
    page = await browser.context.newPage();
    page.on('console', (m) => {
      if (/Content.Security.Policy/i.test(m.text())) policyErrors.push(m.text());
    });
  });
  after(async () => {
    await browser?.close();
    await hub?.close();
  });

  const statValue = async (label: string) =>
    Number((await page.locator(`[data-stat="${label}"] .stat-value`).innerText()).replace(/,/g, ''));

  async function signIn(key: string): Promise<void> {
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  test('a wrong key is refused with a clear message, and nothing is signed in', async () => {
    await page.goto(`${base}/`);
    await signIn('uh_read_not-a-key');
    await page.getByRole('alert').filter({ hasText: 'unknown or has been revoked' }).waitFor();
    await screenshot(page, 'sign-in-refused');
    assert.deepEqual(await seriousViolations(page), []);
    const session = await page.evaluate(() => fetch('/v1/session').then((r) => r.status));
    assert.equal(session, 401);
  });

  test('a read key signs in; the overview shows what the query API counts, split by dialect', async () => {
    await signIn(hub.readKey);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.locator('.chart [data-drawn="true"]').first().waitFor();
    const counts = (await hub.get('/v1/query/counts?interval=day')).json() as { rows: { events: number }[] };
    const total = counts.rows.reduce((s, r) => s + r.events, 0);
    assert.equal(total, 5);
    assert.equal(await statValue('Events'), total);
    // The legend names each dialect that sent events (series toggle with a click).
    const legend = await page.locator('.u-legend').first().innerText();
    assert.match(legend, /native/);
    assert.match(legend, /segment/);
    // A click on a legend entry hides its series, another shows it again.
    const entry = page.locator('.u-legend').first().locator('tr', { hasText: 'segment' });
    await entry.click();
    assert.match((await entry.getAttribute('class')) ?? '', /u-off/);
    await entry.click();
    assert.doesNotMatch((await entry.getAttribute('class')) ?? '', /u-off/);
    const topUsers = await page.getByRole('table', { name: 'Top users' }).innerText();
    assert.match(topUsers, /bob@example\.com\s+2/);
    assert.match(topUsers, /carol\s+2/);
    // The key is in no storage the page can read, nor in the URL.
    // (Expressions as text: this file is type-checked for Node, without the DOM's types.)
    const stored = await page.evaluate<string>(
      'JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie',
    );
    assert.ok(!stored.includes(hub.readKey.slice(8)), 'the key is not kept in the browser');
    assert.ok(!page.url().includes(hub.readKey));
    await screenshot(page, 'overview');
    assert.deepEqual(await seriousViolations(page), []);
  });

  test('the overview keeps its state in the URL: split by event name', async () => {
    await page.getByRole('radio', { name: 'Event name' }).check();
    await page.waitForURL(/split=name/);
    await page.locator('.chart [data-drawn="true"]').first().waitFor();
    await page.reload();
    await page.locator('.chart [data-drawn="true"]').first().waitFor();
    const legend = await page.locator('.u-legend').first().innerText();
    assert.match(legend, /Video Played/);
    assert.match(legend, /opened_file/);
  });

  test('the explorer finds an event by user and opens it whole', async () => {
    await page.goto(`${base}/events`);
    await page.getByLabel('User or email').fill('bob@example.com');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/user=bob/);
    const rows = page.locator('table.events tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 2);
    assert.match(await rows.first().innerText(), /bob@example\.com/);
    await rows.filter({ hasText: 'notes.txt' }).getByRole('link', { name: 'opened_file' }).click();
    const detail = page.getByRole('complementary', { name: 'Event' });
    await detail.locator('pre').waitFor();
    const doc = JSON.parse(await detail.locator('pre').innerText()) as { clientId: string; raw: unknown };
    assert.equal(doc.clientId, 'n2');
    assert.ok(doc.raw, 'the raw payload is shown');
    await screenshot(page, 'events');
    assert.deepEqual(await seriousViolations(page), []);
  });

  test('text in properties finds events', async () => {
    await page.goto(`${base}/events?q=q3+report`);
    const rows = page.locator('table.events tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 1);
    assert.match(await rows.first().innerText(), /Q3 report\.pdf/);
  });

  test('the live tail shows an event sent after the page opened within 2 seconds; paused, the list stays still', async () => {
    await page.goto(`${base}/events?tail=on`);
    await page.getByText('Live: new events appear here').waitFor();
    const sentAt = Date.now();
    const res = await hub.send([ev({ id: 'live-1', name: 'searched', email: 'dan@example.com' })]);
    assert.equal(res.statusCode, 200);
    await page.locator('table.events tbody tr', { hasText: 'dan@example.com' }).waitFor({ timeout: 2000 });
    const shownAfterMs = Date.now() - sentAt;
    assert.ok(shownAfterMs < 2000, `shown after ${shownAfterMs} ms`);
    await screenshot(page, 'events-live');
    await page.getByRole('button', { name: 'Pause' }).click();
    await hub.send([ev({ id: 'live-2', name: 'searched', email: 'eve@example.com' })]);
    await page.getByText('Paused: 1 new').waitFor();
    assert.equal(await page.locator('table.events tbody tr', { hasText: 'eve@example.com' }).count(), 0);
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.locator('table.events tbody tr', { hasText: 'eve@example.com' }).waitFor();
  });

  test('the sessions, companies and media pages load, with no serious accessibility violation', async () => {
    for (const [path, heading] of [
      ['/sessions', 'Sessions'],
      ['/companies', 'Companies'],
      ['/media', 'Media'],
    ] as const) {
      await page.goto(`${base}${path}?range=7d`);
      await page.getByRole('heading', { name: heading }).waitFor();
      await page.locator('table').first().waitFor();
      assert.equal(await page.locator('.error').count(), 0, `${path} shows no error`);
      await screenshot(page, heading.toLowerCase());
      assert.deepEqual(await seriousViolations(page), [], path);
    }
  });

  test('a read key cannot reach the settings, in the page or in the API behind it', async () => {
    assert.equal(await page.getByRole('link', { name: 'Settings' }).count(), 0);
    await page.goto(`${base}/settings`);
    await page.getByText('Settings need an admin key').waitFor();
    await screenshot(page, 'settings-read-key');
    const status = await page.evaluate(() => fetch('/v1/apps').then((r) => r.status));
    assert.equal(status, 403);
  });

  test('at 390 px wide the overview fits the screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}/`);
    await page.locator('.chart [data-drawn="true"]').first().waitFor();
    const width = await page.evaluate<number>('document.documentElement.scrollWidth');
    assert.ok(width <= 390, `the page is ${width} px wide`);
    await screenshot(page, 'overview-390');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  test('sign-out ends the session: its cookie opens nothing any more', async () => {
    const cookie = (await browser.context.cookies(base)).find((c) => c.name === 'usagehub_session');
    assert.ok(cookie, 'a session cookie');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    await page.goto(`${base}/`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    const res = await hub.app.inject({
      method: 'GET',
      url: '/v1/query/counts',
      headers: { cookie: `usagehub_session=${cookie.value}` },
    });
    assert.equal(res.statusCode, 401);
    assert.deepEqual(policyErrors, [], 'the pages ran within their Content-Security-Policy');
  });
});
