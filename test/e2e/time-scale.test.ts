/**
 * `timeScale` shrinks the simulated delays (preparation, update, idle, reclaim) but not the bounds on real work: a
 * healthy handler on the process backend is served at a scale of 0.001 (it failed with FunctionNotStarted or a
 * timeout, the 120 s start-up bound and the function's timeout scaled to milliseconds), and a handler that outlives
 * its timeout is told the timeout it really got.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { $FC, event, readBody, localfcWithClient } from '../helpers/sdk.ts';
import { createZip } from '../helpers/zip.ts';

describe('timeScale 0.001 with real handlers (process backend)', () => {
  // Answers after 200 ms of real time: far past a 30 s timeout scaled by 0.001 (30 ms), well inside the real one.
  const slowish = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => setTimeout(() => cb(null, "done after 200 ms"), 200)' }]).toString('base64');

  const local = localfcWithClient({ backend: 'process', timeScale: 0.001 });

  it("a cold start and a 200 ms handler are served: the start-up bound and the function's timeout are real time", async () => {
    await local.client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName: 'scaled', runtime: 'nodejs20', handler: 'index.handler', timeout: 30, code: new $FC.InputCodeLocation({ zipFile: slowish }) }) }));
    for (let call = 0; call < 2; call++) {
      const res = await local.client.invokeFunction('scaled', new $FC.InvokeFunctionRequest({ body: event('x') }));
      assert.equal(res.headers!['x-fc-error-type'], undefined, `call ${call}`);
      assert.equal(await readBody(res.body!), 'done after 200 ms');
    }
  });
});
