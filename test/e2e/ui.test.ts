/**
 * The dashboard in a real browser (Debian's chromium driven by playwright-core) against a started localfc on the manual
 * clock. Everything goes through the page: the timeline lanes (state and update bands, invocation, fault and instance
 * marks with their details), the function detail (custom domain routes too), the actions (invoke, release, scenario, fault form fed by the
 * server's phase → effects table, clock advance in seconds and days, reset), the simulated registry, and the layout at
 * 800 and 1360 px (no element wider than the page; screenshots in $LOCALFC_SCREENSHOTS or the temp directory).
 */
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { FAULT_PHASES } from '../../src/domain/faults/rules.ts';
import { advanceClock } from '../helpers/clock.ts';
import { $FC, event, readBody, localfcWithClient } from '../helpers/sdk.ts';
import { type Browser, type Page, openPage, skipWithoutChromium } from '../helpers/browser.ts';

const skip = skipWithoutChromium;
const SHOTS = process.env.LOCALFC_SCREENSHOTS ?? tmpdir();

const zip = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, e)' }]).toString('base64');
const LONG = `orders-${'x'.repeat(50)}-end`; // 61 characters, near FC's 64 limit

// The callbacks given to page.waitForFunction / evaluate run in the browser; tsconfig has no DOM lib, so declare the little they use.
interface DomNode { readonly textContent: string | null; readonly scrollWidth: number; readonly clientWidth: number; readonly tagName: string; getAttribute(n: string): string | null; getBoundingClientRect(): { right: number; width: number } }
declare const document: {
  querySelector(selector: string): DomNode | null;
  querySelectorAll(selector: string): ArrayLike<DomNode> & Iterable<DomNode>;
  readonly documentElement: DomNode;
};
declare const window: { readonly innerWidth: number };

describe('dashboard in a real browser', { skip }, () => {
  let browser: Browser;
  let page: Page;

  const create = (name: string, extra: Record<string, unknown> = {}) =>
    local.client.createFunction(
      new $FC.CreateFunctionRequest({
        body: new $FC.CreateFunctionInput({ functionName: name, runtime: 'nodejs20', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: zip }), ...extra }),
      }),
    );
  const get = async (name: string) => (await local.client.getFunction(name, new $FC.GetFunctionRequest({}))).body!;
  const admin = (path: string, init: RequestInit = {}) => fetch(`${local.fc.url}/_localfc${path}`, init);
  const text = (testId: string) => page.getByTestId(testId).first().textContent();
  const expectText = async (testId: string, t: string) => {
    await page.waitForFunction(([id, v]) => document.querySelector(`[data-testid="${id}"]`)?.textContent === v, [testId, t] as const, { timeout: 60_000 });
  };
  const waitFor = (selector: string) => page.waitForFunction((s) => document.querySelector(s) !== null, selector, { timeout: 60_000 });
  const bandValues = (name: string, band: 'band-state' | 'band-update') =>
    page.evaluate(([n, b]) => [...document.querySelectorAll(`[data-testid="lane-${n}"] [data-testid="${b}"] .seg`)].map((s) => s.getAttribute('data-value')), [name, band] as const);
  const advanceOnPage = async (amount: string, unit: 'seconds' | 'minutes' | 'hours' | 'days') => {
    const before = await text('clock-now');
    await page.getByTestId('advance-amount').fill(amount);
    await page.getByTestId('advance-unit').selectOption({ label: unit });
    await page.getByTestId('advance-btn').click();
    await page.waitForFunction((b) => document.querySelector('[data-testid="clock-now"]')?.textContent !== b, before, { timeout: 60_000 });
  };
  const selectFn = async (name: string) => {
    await page.getByTestId(`fn-${name}-head`).click();
    await expectText('detail-name', name);
    await waitFor('[data-testid="config"]');
  };

  // The browser closes before the server stops (after hooks run in the order they were registered).
  after(async () => {
    await browser?.close();
  });
  // The page's Pending band needs the Pending window of code packages (off by default).
  const local = localfcWithClient({ clock: 'manual', timing: { instanceIdleMs: 60_000, codePreparationMs: 1000 } });
  before(async () => {
    ({ browser, page } = await openPage());
  });

  it('serves the page with a favicon, the overview, the event stream and the fault capabilities', async () => {
    const html = await admin('/ui');
    assert.equal(html.status, 200);
    assert.match(html.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await html.text(), /<link rel="icon" href="data:image\/svg\+xml,/);
    const o = (await (await admin('/overview')).json()) as { clock: string; functions: unknown[]; registry: { images: unknown[] } | null };
    assert.equal(o.clock, 'manual');
    assert.deepEqual(o.functions, []);
    assert.deepEqual(o.registry, { images: [] }, 'the simulated registry is shown');
    const ac = new AbortController();
    const res = await admin('/events', { signal: ac.signal });
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const reader = res.body!.getReader();
    let t = '';
    while (!t.includes('\n\n')) t += new TextDecoder().decode((await reader.read()).value);
    assert.match(t, /^event: overview\ndata: \{/m);
    ac.abort();
    const caps = (await (await admin('/faults/capabilities')).json()) as { phases: { phase: string; effects: string[] }[] };
    assert.deepEqual(caps.phases.map((p) => p.phase).sort(), [...FAULT_PHASES].sort());
    for (const p of caps.phases) assert.ok(p.effects.length > 0, p.phase);
  });

  it('a function created through the SDK: a Pending band, then Active after advancing 1 second on the page', async () => {
    await page.goto(`${local.fc.url}/`); // the bare address leads to the page
    assert.match(page.url(), /\/_localfc\/ui$/);
    await expectText('clock-kind', 'manual');
    await expectText('conn-status', 'live');
    await create('web-a', { environmentVariables: { GREETING: 'hello' } });
    await expectText('fn-web-a-state', 'Pending');
    await expectText('fn-web-a-update', 'InProgress');
    assert.deepEqual(await bandValues('web-a', 'band-state'), ['Pending']);

    await advanceOnPage('1', 'seconds');
    await expectText('fn-web-a-state', 'Active');
    assert.equal((await get('web-a')).state, 'Active');
    assert.equal(local.fc.localfc.clock.now(), Date.UTC(2024, 0, 1, 0, 0, 1), 'one second, as chosen on the page');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="lane-web-a"] [data-testid="band-state"] .seg').length === 2, undefined, { timeout: 60_000 });
    assert.deepEqual(await bandValues('web-a', 'band-state'), ['Pending', 'Active']);
    assert.deepEqual(await bandValues('web-a', 'band-update'), ['InProgress', 'Successful']);
  });

  it('invokes with a body from the detail view; the invocation and the instance start are marks whose details show on click', async () => {
    await selectFn('web-a');
    await page.getByTestId('invoke-body').fill('{"order":42}');
    await page.getByTestId('invoke-btn').click();
    await page.waitForFunction(() => /^200 /.test(document.querySelector('[data-testid="invoke-result"]')?.textContent ?? ''), undefined, { timeout: 60_000 });
    assert.match((await text('invoke-result')) ?? '', /\{"order":42\}/, 'the simulated backend echoes the body');

    await waitFor('[data-testid="lane-web-a"] [data-testid="mark"][data-event="invoked"]');
    await waitFor('[data-testid="lane-web-a"] [data-testid="mark"][data-kind="instance"][data-event="instance.started"]');
    await page.locator('[data-testid="lane-web-a"] [data-testid="mark"][data-event="invoked"]').click();
    const details = (await text('mark-detail')) ?? '';
    assert.match(details, /status200/);
    assert.match(details, /duration\d+ ms/);
    assert.match(details, /coldStarttrue/);
  });

  it('the fault form offers only what a phase supports; a throttle added on the page marks the next invocation throttled', async () => {
    const effectsOf = async (phase: string) => {
      await page.getByTestId('fault-phase').selectOption(phase);
      return page.evaluate(() => [...document.querySelectorAll('[data-testid="fault-effect"] option')].map((o) => o.textContent));
    };
    const caps = (await (await admin('/faults/capabilities')).json()) as { phases: { phase: string; effects: string[] }[] };
    for (const p of caps.phases) assert.deepEqual(await effectsOf(p.phase), p.effects, p.phase);
    assert.ok(!(await effectsOf('preparation')).includes('throttle'), 'no throttle for a preparation');

    await page.getByTestId('fault-phase').selectOption('invocation');
    await page.getByTestId('fault-effect').selectOption('throttle');
    await page.getByTestId('fault-fn').fill('web-a');
    await page.getByTestId('fault-times').fill('1');
    await page.getByTestId('fault-add').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid$="-remove"]').length === 1, undefined, { timeout: 60_000 });
    const [rule] = local.fc.localfc.faults.list();
    assert.deepEqual([rule!.match, rule!.effect, rule!.times], [{ phase: 'invocation', functionName: 'web-a' }, { type: 'throttle' }, 1]);

    await page.getByTestId('invoke-btn').click();
    await page.waitForFunction(() => /ResourceThrottled/.test(document.querySelector('[data-testid="invoke-result"]')?.textContent ?? ''), undefined, { timeout: 60_000 });
    await waitFor('[data-testid="lane-web-a"] [data-testid="mark"].m-throttled');
    await waitFor('[data-testid="lane-web-a"] [data-testid="mark"][data-kind="fault"]');
    await page.locator('[data-testid="lane-web-a"] [data-testid="mark"][data-kind="fault"]').first().click();
    assert.match((await text('mark-detail')) ?? '', /fault-1/);
  });

  it('the detail shows configuration, environment, versions, aliases with weights, triggers, async tasks and instances with logs', async () => {
    const v1 = (await local.client.publishFunctionVersion('web-a', new $FC.PublishFunctionVersionRequest({ body: new $FC.PublishVersionInput({ description: 'first' }) }))).body!;
    await local.client.updateFunction('web-a', new $FC.UpdateFunctionRequest({ body: new $FC.UpdateFunctionInput({ description: 'second' }) }));
    await advanceClock(local.fc, 1000);
    const v2 = (await local.client.publishFunctionVersion('web-a', new $FC.PublishFunctionVersionRequest({ body: new $FC.PublishVersionInput({ description: 'second' }) }))).body!;
    await local.client.createAlias('web-a', new $FC.CreateAliasRequest({ body: new $FC.CreateAliasInput({ aliasName: 'prod', versionId: v1.versionId, additionalVersionWeight: { [v2.versionId!]: 0.2 } }) }));
    await local.client.createTrigger('web-a', new $FC.CreateTriggerRequest({
      body: new $FC.CreateTriggerInput({ triggerName: 'nightly', triggerType: 'timer', qualifier: 'LATEST', triggerConfig: JSON.stringify({ cronExpression: '@every 1h', enable: false, payload: '' }) }),
    }));
    await local.client.createCustomDomain(new $FC.CreateCustomDomainRequest({
      body: new $FC.CreateCustomDomainInput({ domainName: 'shop.example.com', routeConfig: new $FC.RouteConfig({ routes: [new $FC.PathConfig({ path: '/api/*', functionName: 'web-a', qualifier: 'prod', methods: ['GET'] })] }) }),
    }));
    const res = await local.client.invokeFunctionWithOptions('web-a', new $FC.InvokeFunctionRequest({ body: event('{"job":1}') }), new $FC.InvokeFunctionHeaders({ xFcInvocationType: 'Async', xFcAsyncTaskId: 'job-1' }), {} as never);
    assert.equal(res.statusCode, 202);
    await readBody(res.body!);

    await selectFn('web-a');
    await waitFor('[data-testid="tasks"]');
    await waitFor('[data-testid="versions-row"]');
    assert.match((await text('config')) ?? '', /nodejs20/);
    assert.match((await text('env')) ?? '', /GREETINGhello/);
    assert.equal(await page.getByTestId('versions-row').count(), 2);
    assert.match((await text('aliases')) ?? '', new RegExp(`prod${v1.versionId}${v1.versionId}: 80%, ${v2.versionId}: 20%`));
    assert.match((await text('triggers')) ?? '', /nightlytimerLATEST/);
    assert.match((await text('custom-domains')) ?? '', /shop\.example\.com\/api\/\*prodGET/);
    assert.match((await text('tasks')) ?? '', /job-1/);
    await waitFor('[data-testid="detail-instances-row"]');
    await page.getByTestId('instance-logs-btn').first().click();
    await page.waitForFunction(() => (document.querySelector('[data-testid="instance-logs"]')?.textContent ?? '') !== '', undefined, { timeout: 60_000 });
  });

  it('turns a scenario on for the function, shows the held update, and releases it', async () => {
    await selectFn('web-a');
    await page.getByTestId('scenario-select').selectOption('stuck-update');
    await page.getByTestId('scenario-btn').click();
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="faults"] td')].some((td) => td.textContent === 'update · web-a'), undefined, { timeout: 60_000 });
    assert.ok(local.fc.localfc.faults.list().some((r) => r.match?.phase === 'update' && r.match.functionName === 'web-a'));
    await local.client.updateFunction('web-a', new $FC.UpdateFunctionRequest({ body: new $FC.UpdateFunctionInput({ description: 'v3' }) }));
    await advanceOnPage('1', 'minutes');
    await expectText('fn-web-a-update', 'InProgress');
    await page.getByTestId('release-btn').click();
    await expectText('fn-web-a-update', 'Successful');
    assert.equal((await get('web-a')).lastUpdateStatus, 'Successful');
  });

  it('advancing 15 days on the page sends an idle custom container Inactive; a code package stays Active', async () => {
    await local.client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName: 'img-a', runtime: 'custom-container', handler: 'not-used', customContainerConfig: new $FC.CustomContainerConfig({ image: 'registry.example.com/ns/img-a:v1', port: 9000 }) }) }));
    await advanceOnPage('15', 'days');
    await expectText('fn-img-a-state', 'Inactive');
    assert.equal((await get('img-a')).state, 'Inactive');
    assert.deepEqual((await bandValues('img-a', 'band-state')).slice(-1), ['Inactive']);
    await expectText('fn-web-a-state', 'Active');
    await local.client.deleteFunction('img-a');
  });

  it('shows the simulated registry; long names and digests are shortened with the whole value on hover', async () => {
    const pushed = await admin('/registry/images', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ image: 'registry.example.com/ns/app:v1' }) });
    assert.equal(pushed.status, 200);
    const { digest } = (await pushed.json()) as { digest: string };
    await waitFor('[data-testid="image-row"]');
    const shown = page.getByTestId('image-row').filter({ hasText: 'ns/app:v1' }).getByTestId('image-digest');
    assert.equal(await shown.getAttribute('title'), digest);
    assert.ok(((await shown.textContent()) ?? '').length < digest.length, 'the digest is shortened');

    await create(LONG);
    await waitFor(`[data-testid="fn-${LONG}-name"]`);
    const name = page.getByTestId(`fn-${LONG}-name`);
    assert.equal(await name.getAttribute('title'), LONG);
    assert.ok(((await name.textContent()) ?? '').includes('…'));
  });

  for (const width of [800, 1360]) {
    it(`at ${width} px wide nothing runs off the page (screenshot checked)`, async () => {
      await page.setViewportSize({ width, height: 1000 });
      await selectFn('web-a');
      await waitFor('[data-testid="tasks"]');
      const overflow = await page.evaluate(() => {
        const wide: string[] = [];
        const vw = window.innerWidth;
        if (document.documentElement.scrollWidth > vw) wide.push(`page ${document.documentElement.scrollWidth} > ${vw}`);
        for (const e of document.querySelectorAll('section, table, form, .lane, pre')) {
          if (e.getBoundingClientRect().right > vw + 1) wide.push(`${e.tagName} ${e.getAttribute('data-testid') ?? ''} ends at ${e.getBoundingClientRect().right}`);
          if (e.tagName !== 'PRE' && e.scrollWidth > e.clientWidth + 1) wide.push(`${e.tagName} ${e.getAttribute('data-testid') ?? ''} scrolls ${e.scrollWidth} > ${e.clientWidth}`);
        }
        return wide;
      });
      assert.deepEqual(overflow, []);
      const path = join(SHOTS, `localfc-ui-${width}.png`);
      const png = await page.screenshot({ path, fullPage: true });
      // The screenshot itself is no wider than the viewport: PNG width is bytes 16..19 of the IHDR chunk.
      assert.equal(png.readUInt32BE(16), width);
    });
  }

  it('escapes text: markup in a fault glob is shown as text, never parsed', async () => {
    await page.getByTestId('fault-phase').selectOption('preparation');
    await page.getByTestId('fault-effect').selectOption('error');
    await page.getByTestId('fault-fn').fill('<img src=x onerror=alert(1)>*');
    await page.getByTestId('fault-add').click();
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="faults"] td')].some((td) => td.textContent?.includes('<img src=x')), undefined, { timeout: 60_000 });
    assert.equal(await page.locator('[data-testid="faults"] img').count(), 0);
  });

  it('reset (two clicks) empties the page', async () => {
    await page.getByTestId('reset-btn').click();
    assert.equal(local.fc.localfc.functions.list({ limit: 10 }).functions.length, 2, 'one click only arms it');
    await page.getByTestId('reset-btn').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="functions"] > div').length === 0, undefined, { timeout: 60_000 });
    assert.equal(local.fc.localfc.functions.list({ limit: 10 }).functions.length, 0);
    assert.equal(await page.getByTestId('detail').isVisible(), false);
  });
});
