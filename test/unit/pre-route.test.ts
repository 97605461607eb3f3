/**
 * The pre-route steps as the fast routes read them (api/pre-route.ts): a route is served fast only when every step on
 * its path says it leaves the request as it is, and a step that does not say keeps the fast routes off its path.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { type PreRouteStep, type RequestHead, stepsPass } from '../../src/api/pre-route.ts';

const GET_FUNCTION = '/2023-03-30/functions/:functionName';
const INVOKE = '/2023-03-30/functions/:functionName/invocations';
const head = (headers: Record<string, string> = {}): RequestHead => ({
  method: 'GET', url: 'http://127.0.0.1:9/2023-03-30/functions/f', path: '/2023-03-30/functions/f', header: (name) => headers[name],
});
const step = (on: string, passes?: PreRouteStep['passes']): PreRouteStep => ({ on, handler: (_c, next) => next(), ...(passes ? { passes } : {}) });

it('a step that does not say when it passes keeps the fast routes off every path it is mounted on', () => {
  assert.equal(stepsPass([step('*')], GET_FUNCTION)(head()), false);
  assert.equal(stepsPass([step('/2023-03-30/*')], INVOKE)(head()), false);
  // not on the route's path: hono would not run it there
  assert.equal(stepsPass([step('/_localfc/*')], GET_FUNCTION)(head()), true);
  assert.equal(stepsPass([step(INVOKE)], GET_FUNCTION)(head()), true);
  assert.equal(stepsPass([step(INVOKE)], INVOKE)(head()), false);
});

it('every step on the path is asked, with the request', () => {
  const steps = [step('*', () => true), step('/2023-03-30/*', (h) => h.header('origin') === undefined)];
  assert.equal(stepsPass(steps, GET_FUNCTION)(head()), true);
  assert.equal(stepsPass(steps, GET_FUNCTION)(head({ origin: 'http://evil.example' })), false);
});
