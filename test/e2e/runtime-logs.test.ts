/**
 * What a built-in runtime's handler prints, as the invocation's log tail (x-fc-log-result) shows it, through the
 * official SDK on the process backend: Node.js console.* lines prefixed `<UTC time> <requestId> [<level>] ` as FC's
 * Node.js "Logs" page shows (context.logger likewise, lower-case levels; process.stdout.write as is), ALIYUN_FC_LOG_LEVEL
 * honoured on nodejs18/20, stdout and stderr in the order they were printed (Node.js and Python), and the
 * initializer's output at the head of the cold call's tail (framed by FC Initialize Start/End for a built-in runtime).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { $FC, event, readBody, localfcWithClient } from '../helpers/sdk.ts';

const zip = (files: Record<string, string>) => createZip(Object.entries(files).map(([path, data]) => ({ path, data }))).toString('base64');
const TIME = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';
/** The tail's lines between FC's frame, each `<time> <requestId>` replaced by `T RID`. */
const linesOf = (log: string, requestId: string) =>
  log
    .split('\n')
    .filter((l) => l && !l.startsWith('FC Invoke '))
    .map((l) => l.replace(new RegExp(`^${TIME} ${requestId} `), 'T RID '));

describe('the log tail of built-in runtimes (process backend, official SDK)', () => {
  const create = (functionName: string, runtime: string, files: Record<string, string>, extra: Record<string, unknown> = {}) =>
    local.client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName, runtime, handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: zip(files) }), ...extra }) }));
  const invoke = async (name: string, body = 'x') => {
    const res = await local.client.invokeFunctionWithOptions(name, new $FC.InvokeFunctionRequest({ body: event(body) }), new $FC.InvokeFunctionHeaders({ xFcLogType: 'Tail' }), {} as never);
    const h = res.headers!;
    return { body: await readBody(res.body!), log: Buffer.from(String(h['x-fc-log-result'] ?? ''), 'base64').toString(), requestId: String(h['x-fc-request-id']) };
  };

  const local = localfcWithClient({ clock: 'manual', log: 'silent', backend: 'process', timing: { codePreparationMs: 0 } });

  it("Node.js: FC's logging-page handler, console levels and stderr in print order", async () => {
    await create('node-log', 'nodejs20', {
      'index.mjs': `export const handler = async (event, context) => {
  process.stdout.write('hi,fc\\n');
  console.log('hello,world');
  console.info('info line');
  console.warn('warn line');
  console.error('error line');
  process.stderr.write('raw stderr\\n');
  console.debug('debug line %d', 7);
  context.logger.info('hello,fc');
  context.logger.error('e');
  return 'Hello World!';
};
`,
    });
    const res = await invoke('node-log');
    assert.equal(res.body, 'Hello World!');
    assert.deepEqual(linesOf(res.log, res.requestId), [
      'hi,fc',
      'T RID [info] hello,world',
      'T RID [info] info line',
      'T RID [warn] warn line',
      'T RID [error] error line',
      'raw stderr',
      'T RID [debug] debug line 7',
      'T RID [info] hello,fc',
      'T RID [error] e',
    ]);
  });

  it('Node.js: ALIYUN_FC_LOG_LEVEL=warn keeps warn and error lines (nodejs18/20), process.stdout.write always', async () => {
    const code = { 'index.js': `exports.handler = async (event, context) => { process.stdout.write('raw\\n'); console.log('info'); context.logger.debug('debug'); console.warn('warn'); context.logger.error('error'); return 'ok'; };\n` };
    await create('node-level', 'nodejs20', code, { environmentVariables: { ALIYUN_FC_LOG_LEVEL: 'warn' } });
    const res = await invoke('node-level');
    assert.deepEqual(linesOf(res.log, res.requestId), ['raw', 'T RID [warn] warn', 'T RID [error] error']);
    // FC: "仅在运行时 Nodejs18 和 Nodejs20 支持": an older runtime prints every level.
    await create('node16-level', 'nodejs16', code, { environmentVariables: { ALIYUN_FC_LOG_LEVEL: 'warn' } });
    const old = await invoke('node16-level');
    assert.deepEqual(linesOf(old.log, old.requestId), ['raw', 'T RID [info] info', 'T RID [debug] debug', 'T RID [warn] warn', 'T RID [error] error']);
  });

  it('Python: print, stderr and logging stay in print order', async () => {
    await create('py-order', 'python3.10', {
      'index.py': `import logging, sys

def handler(event, context):
    print('one')
    print('two to stderr', file=sys.stderr)
    logging.getLogger().info('three')
    print('four')
    return 'done'
`,
    });
    const res = await invoke('py-order');
    assert.equal(res.body, 'done');
    assert.deepEqual(linesOf(res.log, res.requestId), ['one', 'two to stderr', 'T RID [INFO] three', 'four']);
  });

  it("the cold call's tail starts with the initializer's output in FC's Initialize frame; the next call's does not", async () => {
    await create('node-init', 'nodejs20', { 'index.js': `exports.init = (context, cb) => { console.log('init ran'); cb(null, ''); };\nexports.handler = async () => { console.log('handled'); return 'ok'; };\n` }, { instanceLifecycleConfig: new $FC.InstanceLifecycleConfig({ initializer: new $FC.LifecycleHook({ handler: 'index.init', timeout: 10 }) }) });
    const cold = await invoke('node-init');
    const lines = cold.log.trimEnd().split('\n');
    const init = /^FC Initialize Start RequestId: (\S+)$/.exec(lines[0] ?? '');
    assert.ok(init, cold.log);
    const initId = init[1]!;
    assert.notEqual(initId, cold.requestId);
    assert.match(lines[1]!, new RegExp(`^${TIME} ${initId} \\[info\\] init ran$`));
    assert.deepEqual(lines.slice(2), [`FC Initialize End RequestId: ${initId}`, `FC Invoke Start RequestId: ${cold.requestId}`, lines[4], `FC Invoke End RequestId: ${cold.requestId}`]);
    assert.match(lines[4]!, /\[info\] handled$/);
    const warm = await invoke('node-init');
    assert.doesNotMatch(warm.log, /FC Initialize|init ran/, warm.log);
  });

  it("a failing initializer's output is in that call's tail, in FC's Initialize frame", async () => {
    await create('node-init-fails', 'nodejs20', { 'index.js': `exports.init = async () => { console.log('connecting to db'); throw new Error('db unreachable'); };\nexports.handler = async () => 'never';\n` }, { instanceLifecycleConfig: new $FC.InstanceLifecycleConfig({ initializer: new $FC.LifecycleHook({ handler: 'index.init', timeout: 10 }) }) });
    const res = await local.client.invokeFunctionWithOptions('node-init-fails', new $FC.InvokeFunctionRequest({ body: event('x') }), new $FC.InvokeFunctionHeaders({ xFcLogType: 'Tail' }), {} as never);
    assert.equal(res.headers!['x-fc-error-type'], 'InitializationError');
    const log = Buffer.from(String(res.headers!['x-fc-log-result'] ?? ''), 'base64').toString();
    const lines = log.trimEnd().split('\n');
    assert.match(lines[0]!, /^FC Initialize Start RequestId: \S+$/, log);
    assert.match(log, /\[info\] connecting to db\n/);
    assert.match(log, /\[error\] Error: db unreachable\n/);
    assert.match(lines.at(-1)!, /^FC Initialize End RequestId: \S+$/, log);
  });

  it("a custom runtime's stdout and stderr lines are in the order its server wrote them", async () => {
    const server = `require('http').createServer((req, res) => { for (let i = 0; i < 20; i++) (i % 2 ? process.stderr : process.stdout).write('line ' + i + '\\n'); res.end('ok'); }).listen(Number(process.env.FC_SERVER_PORT), '0.0.0.0');\n`;
    await create('custom-order', 'custom.debian10', { 'server.js': server }, { customRuntimeConfig: new $FC.CustomRuntimeConfig({ command: ['node', 'server.js'] }) });
    const res = await invoke('custom-order');
    assert.deepEqual(res.log.trimEnd().split('\n'), Array.from({ length: 20 }, (_, i) => `line ${i}`));
  });

  it("a custom runtime's initializer output is in the cold call's tail as its server printed it", async () => {
    const server = `require('http').createServer((req, res) => { console.log('server got ' + req.url); res.end('ok'); }).listen(Number(process.env.FC_SERVER_PORT), '0.0.0.0');\n`;
    await create('custom-init', 'custom.debian10', { 'server.js': server }, {
      customRuntimeConfig: new $FC.CustomRuntimeConfig({ command: ['node', 'server.js'] }),
      instanceLifecycleConfig: new $FC.InstanceLifecycleConfig({ initializer: new $FC.LifecycleHook({ handler: 'init', timeout: 10 }) }),
    });
    const cold = await invoke('custom-init');
    assert.deepEqual(cold.log.trimEnd().split('\n'), ['server got /initialize', 'server got /invoke']);
    const warm = await invoke('custom-init');
    assert.deepEqual(warm.log.trimEnd().split('\n'), ['server got /invoke']);
  });
});
