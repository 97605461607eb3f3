/**
 * The dashboard as a CI user reads a failed run (trial 3: T11, T5, T4, T2), in a real browser against a started
 * localfc on the manual clock: a busy function's lane still draws its state history; states that lasted 0 ms of clock
 * time are drawn, each visible; the detail shows the state and a Failed state's message whole; a refused call's mark
 * names its request id; a deleted function's lane stays, marked deleted, until reset.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { $FC, event, sdkError, localfcWithClient } from '../helpers/sdk.ts';
import { type Browser, type Page, openPage, skipWithoutChromium } from '../helpers/browser.ts';
import { adminApi } from '../helpers/fc-api.ts';

const zip = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, e)' }]).toString('base64');

// The callbacks given to page.waitForFunction / evaluate run in the browser; tsconfig has no DOM lib.
interface DomNode { readonly textContent: string | null; getAttribute(n: string): string | null; getBoundingClientRect(): { left: number; top: number; width: number; height: number } }
declare const document: { querySelectorAll(selector: string): ArrayLike<DomNode> & Iterable<DomNode>; querySelector(selector: string): DomNode | null; elementFromPoint(x: number, y: number): DomNode | null };

describe('the page keeps the history a failed run is read for', { skip: skipWithoutChromium }, () => {
  let browser: Browser;
  let page: Page;
  const admin = adminApi(() => local.fc.url);
  const create = (name: string) =>
    local.client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName: name, runtime: 'nodejs20', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: zip }) }) }));
  const invoke = (name: string) => local.client.invokeFunction(name, new $FC.InvokeFunctionRequest({ body: event('x') }));
  /** Each state segment of a lane: its value, and whether it is the element seen at its own centre (not covered). */
  const segments = (lane: string) =>
    page.evaluate((l) => [...document.querySelectorAll(`[data-testid="lane-${l}"] [data-testid="band-state"] .seg`)].map((s) => {
      const r = s.getBoundingClientRect();
      return { value: s.getAttribute('data-value'), width: r.width, seen: document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) === s };
    }), lane);
  const waitFor = (selector: string) => page.waitForFunction((s) => document.querySelector(s) !== null, selector, { timeout: 60_000 });
  const segmentCount = (lane: string, n: number) =>
    page.waitForFunction(([l, k]) => document.querySelectorAll(`[data-testid="lane-${l}"] [data-testid="band-state"] .seg`).length === k, [lane, n] as const, { timeout: 60_000 });

  // The browser closes before the server stops (after hooks run in the order they were registered).
  after(async () => {
    await browser?.close();
  });
  const local = localfcWithClient({ clock: 'manual', timing: { codePreparationMs: 1000 } });
  before(async () => {
    ({ browser, page } = await openPage());
    await page.goto(`${local.fc.url}/_localfc/ui`);
  });

  it('a function invoked 700 times still shows its Pending and Active bands', async () => {
    await create('busy');
    await local.fc.localfc.advanceClock(1000);
    for (let i = 0; i < 700; i++) {
      const r = await fetch(`${local.fc.url}/2023-03-30/functions/busy/invocations`, { method: 'POST', body: `${i}`, signal: AbortSignal.timeout(60_000) });
      await r.arrayBuffer();
    }
    await waitFor('[data-testid="lane-busy"] [data-testid="mark"][data-event="invoked"]');
    await segmentCount('busy', 2);
    assert.deepEqual((await segments('busy')).map((s) => s.value), ['Pending', 'Active']);
  });

  it('states of 0 ms of clock time are each drawn and visible; the refused call names its request id; the detail shows the Failed message', async () => {
    // A new client: the last one's keep-alive connection may have been closed by the server while it sat idle above.
    local.renewClient();
    await create('flip');
    await local.fc.localfc.advanceClock(1000);
    // Active → Inactive → (a call wakes it) Pending, all at one instant; then Active, and Failed at that same instant.
    await admin('POST', '/functions/flip/state', { state: 'Inactive' });
    const refused = await sdkError(invoke('flip'));
    assert.equal(refused.code, 'FunctionNotActive');
    await local.fc.localfc.advanceClock(1000);
    const message = 'manifest unknown: tag v1 not found in ns/app; the image was deleted from the registry after the function was deployed, so it cannot restart';
    await admin('POST', '/functions/flip/state', { state: 'Failed', reasonCode: 'ImagePullFailed', reason: message });
    await segmentCount('flip', 6);
    const segs = await segments('flip');
    assert.deepEqual(segs.map((s) => s.value), ['Pending', 'Active', 'Inactive', 'Pending', 'Active', 'Failed']);
    for (const [i, s] of segs.entries()) {
      assert.ok(s.width >= 2, `segment ${i} (${s.value}) is ${s.width} px wide`);
      assert.ok(s.seen, `segment ${i} (${s.value}) is covered`);
    }

    await page.locator('[data-testid="lane-flip"] [data-testid="mark"][data-event="rejected"]').click();
    assert.match((await page.getByTestId('mark-detail').textContent()) ?? '', new RegExp(`requestId${refused.data.RequestId}`));

    await page.getByTestId('fn-flip-head').click();
    await waitFor('[data-testid="status"]');
    assert.equal(await page.getByTestId('status-state').textContent(), 'Failed');
    assert.equal(await page.getByTestId('status-stateReasonCode').textContent(), 'ImagePullFailed');
    assert.equal(await page.getByTestId('status-stateReason').textContent(), message, 'the whole message, not only in a hover');
  });

  it('a deleted function keeps its lane, marked deleted, until reset', async () => {
    await local.client.deleteFunction('busy');
    await waitFor('[data-testid="fn-deleted-busy-deleted"]');
    await segmentCount('deleted-busy', 2);
    assert.deepEqual((await segments('deleted-busy')).map((s) => s.value), ['Pending', 'Active']);
    await create('busy');
    await waitFor('[data-testid="fn-busy"]');
    assert.equal(await page.getByTestId('fn-deleted-busy').count(), 1, 'the deleted one beside the new one');
    await admin('POST', '/reset');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="functions"] > div').length === 0, undefined, { timeout: 60_000 });
  });
});
