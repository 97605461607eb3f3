/**
 * The dashboard in a real browser (Debian's chromium driven by playwright-core), on the manual clock:
 * a function created through the official SDK shows Pending, turns Active live when the clock advances,
 * and a fault added on the page fails the next function's preparation, as the SDK and the page both report.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { uiRoutes } from '../../src/admin/ui.ts';
import { createApp, type LocalfcApp } from '../../src/app.ts';
import { createZip } from '../../src/code/zip.ts';
import { parseConfig } from '../../src/config.ts';
import { $FC, type FcClient, event, readBody, sdkClient } from '../helpers/sdk.ts';

const CHROMIUM = process.env.LOCALFC_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI === 'true') throw new Error(`CI=true but no chromium at ${CHROMIUM}: apt-get install -y --no-install-recommends chromium`);
const skip = haveChromium ? false : `no chromium at ${CHROMIUM} (apt-get install -y --no-install-recommends chromium); skipping the browser test`;

const zip = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, "ok")' }]).toString('base64');

// playwright-core is loaded only when the test runs, so a machine without it (or chromium) still loads this file.
type Browser = import('playwright-core').Browser;
type Page = import('playwright-core').Page;
// The callbacks given to page.waitForFunction run in the browser; tsconfig has no DOM lib, so declare the little they use.
interface DomNode { readonly textContent: string | null }
declare const document: { querySelector(selector: string): DomNode | null; querySelectorAll(selector: string): ArrayLike<DomNode> & Iterable<DomNode> };

describe('dashboard in a real browser', { skip }, () => {
  let localfc: LocalfcApp;
  let server: ReturnType<typeof serve>;
  let base: string;
  let client: FcClient;
  let browser: Browser;
  let page: Page;

  const create = (name: string) =>
    client.createFunction(
      new $FC.CreateFunctionRequest({
        body: new $FC.CreateFunctionInput({ functionName: name, runtime: 'nodejs20', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: zip }) }),
      }),
    );
  const get = async (name: string) => (await client.getFunction(name, new $FC.GetFunctionRequest({}))).body!;
  const expectText = async (testId: string, text: string) => {
    const loc = page.getByTestId(testId);
    await loc.waitFor({ timeout: 5000 });
    await page.waitForFunction(([id, t]) => document.querySelector(`[data-testid="${id}"]`)?.textContent === t, [testId, text] as const, { timeout: 5000 });
    assert.equal(await loc.textContent(), text);
  };

  before(async () => {
    localfc = createApp(parseConfig({ clock: 'manual', log: 'silent' }));
    const ui = uiRoutes({ functions: localfc.functions, faults: localfc.faults, clock: localfc.clock });
    const app = new Hono();
    app.all('/_localfc/ui', (c) => ui.fetch(c.req.raw));
    app.all('/_localfc/overview', (c) => ui.fetch(c.req.raw));
    app.all('/_localfc/events', (c) => ui.fetch(c.req.raw));
    app.all('*', (c) => localfc.app.fetch(c.req.raw));
    server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
      const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
      s.once('error', reject);
    });
    const { port } = server.address() as AddressInfo;
    base = `http://127.0.0.1:${port}`;
    client = sdkClient(`127.0.0.1:${port}`);
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.on('pageerror', (e) => {
      throw e;
    });
  });

  after(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => {
      if (!server) return resolve();
      server.close(() => resolve());
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
    });
    await localfc?.close();
  });

  it('serves the page, the overview and the event stream', async () => {
    const html = await fetch(`${base}/_localfc/ui`);
    assert.equal(html.status, 200);
    assert.match(html.headers.get('content-type') ?? '', /text\/html/);
    const o = (await (await fetch(`${base}/_localfc/overview`)).json()) as { clock: string; functions: unknown[]; faults: unknown[]; instances: unknown[]; timers: unknown[] };
    assert.equal(o.clock, 'manual');
    assert.deepEqual([o.functions, o.instances], [[], []]);
    const ac = new AbortController();
    const res = await fetch(`${base}/_localfc/events`, { signal: ac.signal });
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
    assert.match(text, /^event: overview\ndata: \{/m);
    ac.abort();
  });

  it('shows an SDK-created function as Pending, then Active after the clock advances, without reloading', async () => {
    await page.goto(`${base}/_localfc/ui`);
    await expectText('clock-kind', 'manual');
    await create('web-a');
    await expectText('fn-web-a-state', 'Pending');
    await expectText('fn-web-a-update', 'InProgress');
    await expectText('conn-status', 'live');

    await page.getByTestId('advance-ms').fill('1000');
    await page.getByTestId('advance-btn').click();
    await expectText('fn-web-a-state', 'Active');
    await expectText('fn-web-a-update', 'Successful');
    assert.equal((await get('web-a')).state, 'Active');

    await page.getByTestId('fn-web-a').click();
    await expectText('detail-name', 'web-a');
    assert.ok((await page.getByTestId('timeline-row').count()) >= 2, 'timeline shows the create and the activation');

    const res = await client.invokeFunction('web-a', new $FC.InvokeFunctionRequest({ body: event('{"hi":1}') }));
    await readBody(res.body!);
    await page.getByTestId('invocation-row').first().waitFor({ timeout: 5000 });
    assert.equal(await page.getByTestId('invocation-row').count(), 1);
  });

  it('adds a preparation fault on the page: the next function fails with ImageAccessDenied in the SDK and on the page', async () => {
    await page.getByTestId('fault-phase').selectOption('preparation');
    await page.getByTestId('fault-fn').fill('*');
    await page.getByTestId('fault-effect').selectOption('error');
    await page.getByTestId('fault-code').fill('ImageAccessDenied');
    await page.getByTestId('fault-add').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid^="fault-"][data-testid$="-remove"]').length === 1, undefined, { timeout: 5000 });
    const rules = localfc.faults.list();
    assert.equal(rules.length, 1);
    assert.deepEqual(rules[0]!.match, { phase: 'preparation', functionName: '*' });
    assert.deepEqual(rules[0]!.effect, { type: 'error', code: 'ImageAccessDenied' });

    await create('web-b');
    await expectText('fn-web-b-state', 'Pending');
    const res = await fetch(`${base}/_localfc/clock/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ms: 1000 }) });
    assert.equal(res.status, 200);
    const fn = await get('web-b');
    assert.equal(fn.state, 'Failed');
    assert.equal(fn.stateReasonCode, 'ImageAccessDenied');
    await expectText('fn-web-b-state', 'Failed');
    assert.match((await page.getByTestId('fn-web-b-reason').textContent()) ?? '', /ImageAccessDenied/);

    await page.getByTestId('fn-web-b').click();
    await expectText('detail-name', 'web-b');
    await page.waitForFunction(() => document.querySelector('[data-testid="timeline-row"][data-kind="fault"]') !== null, undefined, { timeout: 5000 });
    await page.screenshot({ path: '/tmp/localfc-ui.png', fullPage: true });

    const id = rules[0]!.id;
    await page.getByTestId(`fault-${id}-remove`).click();
    await page.getByTestId(`fault-${id}`).waitFor({ state: 'detached', timeout: 5000 });
    assert.equal(localfc.faults.list().length, 0);
  });

  it('escapes text: a function name is shown as text, never parsed as markup', async () => {
    // FC function names cannot carry markup, so use the one free-text field the page echoes back: the fault's function glob.
    await page.getByTestId('fault-fn').fill('<img src=x onerror=alert(1)>*');
    await page.getByTestId('fault-add').click();
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="faults"] td')].some((td) => td.textContent?.includes('<img src=x')), undefined, { timeout: 5000 });
    assert.equal(await page.locator('[data-testid="faults"] img').count(), 0);
  });
});
