/**
 * A custom runtime's server must listen on 0.0.0.0 (or *): FC documents one on 127.0.0.1 as a start failure
 * ("Custom Runtime启动的服务一定要监听0.0.0.0:CAPort或*:CAPort端口", FunctionNotStarted), and localfc's container backend
 * fails it so. On the process backend the instance shares the host's loopback, so the server would answer there: the
 * start fails as soon as it is seen listening on loopback only, with no clock time passing (a new user's trial, R3).
 * Real server on a free port, the official SDK.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { $FC, event, readBody, sdkError, localfcWithClient } from '../helpers/sdk.ts';
import { advanceClock } from '../helpers/clock.ts';

const server = (host: string) => createZip([{
  path: 'server.js',
  data: `require('http').createServer((q, s) => { q.resume(); q.on('end', () => s.end('served')); }).listen(Number(process.env.FC_SERVER_PORT), ${JSON.stringify(host)}, () => console.log('listening on ${host}'));`,
}]).toString('base64');

describe('a custom runtime server bound to loopback fails to start, as on FC (process backend)', () => {
  const local = localfcWithClient({ clock: 'manual', backend: 'process' });

  const deploy = async (functionName: string, host: string) => {
    await local.client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName, runtime: 'custom.debian10', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: server(host) }), customRuntimeConfig: new $FC.CustomRuntimeConfig({ command: ['node', 'server.js'] }) }) }));
    await advanceClock(local.fc, 1000);
  };

  // (A server on ::1 alone is never reached by localfc's readiness check either: it fails at the start-up timeout.)
  for (const host of ['127.0.0.1']) {
    it(`listening on ${host}: 502 FunctionNotStarted naming the address, without the start-up timeout passing`, async () => {
      const name = `loopback-${host.replace(/\W/g, '')}`;
      await deploy(name, host);
      const e = await sdkError(local.client.invokeFunction(name, new $FC.InvokeFunctionRequest({ body: event('x') })));
      assert.equal(e.statusCode, 502);
      assert.equal(e.data.Code, 'FunctionNotStarted');
      assert.match(e.data.Message, new RegExp(`^Function instance health check failed on port \\d+: the server listens on ${host.replace(/\./g, '\\.')} only`));
      assert.match(e.data.Message, /must listen on 0\.0\.0\.0:\d+/);
      assert.match(e.data.Message, new RegExp(`\\nLogs: [^]*listening on ${host.replace(/\./g, '\\.')}`), 'with what it printed');
    });
  }

  for (const host of ['0.0.0.0', '::']) {
    it(`listening on ${host}: served`, async () => {
      const name = `any-${host === '::' ? 'v6' : 'v4'}`;
      await deploy(name, host);
      const res = await local.client.invokeFunction(name, new $FC.InvokeFunctionRequest({ body: event('x') }));
      assert.equal(await readBody(res.body!), 'served');
    });
  }
});
