/**
 * FC's status for each of its error codes (the API definition's errors.json): the table localfc takes them from, the
 * catalogue, and the answers a client gets for CAExited from an injected crash and from a real process that exits.
 * Through the official SDK: a 4xx is its ClientError (not retried by a 5xx policy), a 5xx its ServerError.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errors } from '../../src/domain/errors.ts';
import { FC_STATUS } from '../../src/domain/fc-statuses.ts';
import { errorCatalogue } from '../helpers/definition.ts';
import { $FC, event, sdkError, localfcWithClient } from '../helpers/sdk.ts';
import { advanceClock } from '../helpers/clock.ts';
import { createZip } from '../helpers/zip.ts';

const documented = errorCatalogue.codes.filter((c) => c.status !== null);

describe("FC's error statuses", () => {
  it('the table localfc answers from is errors.json, code for code', () => {
    assert.deepEqual(FC_STATUS, Object.fromEntries(documented.map((c) => [c.code, c.status])));
  });

  it("every catalogue error whose code FC documents has FC's status", () => {
    let checked = 0;
    for (const [name, make] of Object.entries(errors) as Array<[string, (...args: unknown[]) => { code: string; status: number }]>) {
      const e = make('a', ['b'], ['c']);
      const fc = documented.find((c) => c.code === e.code);
      if (!fc) continue;
      assert.equal(e.status, fc.status, `errors.${name}() answers ${e.code} with ${e.status}, FC with ${fc.status}`);
      checked++;
    }
    assert.ok(checked >= 15, `${checked} catalogue errors checked`);
  });
});

describe('CAExited is 412, from an injected crash and from a process that exits', () => {
  const exits = createZip([{ path: 'server.js', data: `console.log('bye'); process.exit(3);` }]).toString('base64');
  const echo = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, "ok")' }]).toString('base64');
  const invoke = (name: string) => local.client.invokeFunction(name, new $FC.InvokeFunctionRequest({ body: event('x') }));

  const local = localfcWithClient({ clock: 'manual', backend: 'process' });

  it('a coldStart crash fault answers 412 CAExited, a ClientError; an error fault naming a documented code without a status takes its status', async () => {
    await local.client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName: 'crashy', runtime: 'nodejs20', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: echo }) }) }));
    local.fc.localfc.faults.add({ match: { phase: 'coldStart', functionName: 'crashy' }, effect: { type: 'crash' }, times: 1 }, 'admin');
    const err = await sdkError(invoke('crashy'));
    assert.deepEqual([err.statusCode, err.code, (err as unknown as Error).name], [412, 'CAExited', 'ClientError']);
    local.fc.localfc.faults.add({ match: { phase: 'api', operation: 'GetFunction' }, effect: { type: 'error', code: 'ResourceExhausted' }, times: 1 }, 'admin');
    const api = await sdkError(local.client.getFunction('crashy', new $FC.GetFunctionRequest({})));
    assert.deepEqual([api.statusCode, api.code], [429, 'ResourceExhausted']);
    assert.equal((await invoke('crashy')).statusCode, 200);
  });

  it('a custom runtime whose server exits answers 412 CAExited with its exit code and last output', async () => {
    await local.client.createFunction(new $FC.CreateFunctionRequest({
      body: new $FC.CreateFunctionInput({ functionName: 'exits', runtime: 'custom.debian10', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: exits }), customRuntimeConfig: new $FC.CustomRuntimeConfig({ command: ['node', 'server.js'] }) }),
    }));
    await advanceClock(local.fc, 1000);
    const err = await sdkError(invoke('exits'));
    assert.deepEqual([err.statusCode, err.code, (err as unknown as Error).name], [412, 'CAExited', 'ClientError']);
    assert.match(err.data.Message, /code 3/);
    assert.match(err.data.Message, /bye/);
  });
});
