/**
 * The environment FC gives a function, checked through the official SDK on the process backend with handlers written
 * as FC's docs and templates write them: FC's documented variables and the function's own, nothing of localfc's;
 * reserved names refused; credentials only with a role (and disableInjectCredentials honoured); code at /code.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { $FC, event, readBody, sdkError, localfcWithClient } from '../helpers/sdk.ts';
import { advanceClock } from '../helpers/clock.ts';

const zip = (files: Record<string, string>) => createZip(Object.entries(files).map(([path, data]) => ({ path, data }))).toString('base64');

// FC's Node.js sample: read process.env and the context.
const envHandler = zip({
  'index.js': `exports.handler = (event, context, callback) => callback(null, JSON.stringify({ env: process.env, cwd: process.cwd(), credentials: context.credentials }));\n`,
});

/** What FC documents an instance may see (FC's environment-variable page, the runtime basics), plus the function's own. */
const FC_DOCUMENTED = new Set([
  'FC_FUNC_CODE_PATH', 'FC_ACCOUNT_ID', 'FC_FUNCTION_HANDLER', 'FC_FUNCTION_MEMORY_SIZE', 'FC_FUNCTION_NAME', 'FC_REGION',
  'FC_CUSTOM_LISTEN_PORT', 'FC_INSTANCE_ID', 'FC_VER_ID', 'FC_FUNCTION_VERSION', 'FC_QUALIFIER', 'FC_SERVER_PORT', 'FC_RUNTIME_API', 'FC_FUNCTION_TIMEOUT',
  'ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'ALIBABA_CLOUD_SECURITY_TOKEN',
  'PATH', 'LD_LIBRARY_PATH', 'NODE_PATH', 'PYTHONPATH', 'LANG', 'TZ', 'HOME',
  // Only without a private mount namespace, where the instance's own directory stands in for /tmp.
  'TMPDIR',
]);

describe('the runtime environment FC gives a function (process backend, official SDK)', () => {
  const create = (functionName: string, extra: Record<string, unknown> = {}, code = envHandler) =>
    local.client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName, runtime: 'nodejs20', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: code }), ...extra }) }));
  const invoke = async (name: string, body = '') => JSON.parse(await readBody((await local.client.invokeFunction(name, new $FC.InvokeFunctionRequest({ body: event(body) }))).body!)) as {
    env: Record<string, string>;
    cwd: string;
    credentials: Record<string, string>;
  };

  before(() => {
    process.env.LOCALFC_SECRET_OF_THE_HOST = 'must not leak';
  });
  after(() => {
    delete process.env.LOCALFC_SECRET_OF_THE_HOST;
  });
  const local = localfcWithClient({ clock: 'manual', backend: 'process' });

  it('FC documented variables and the function own, nothing of localfc own environment', async () => {
    await create('plain', { environmentVariables: { STAGE: 'test', LOCALFC_OWN: 'the user set this' }, memorySize: 256 });
    await advanceClock(local.fc, 1000);
    const { env, cwd, credentials } = await invoke('plain');
    const extra = Object.keys(env).filter((k) => !FC_DOCUMENTED.has(k) && k !== 'STAGE' && k !== 'LOCALFC_OWN');
    assert.deepEqual(extra, [], `variables FC does not set: ${extra.join(', ')}`);
    assert.equal(env.LOCALFC_SECRET_OF_THE_HOST, undefined);
    assert.equal(env.STAGE, 'test');
    assert.equal(env.FC_FUNCTION_NAME, 'plain');
    assert.equal(env.FC_FUNCTION_MEMORY_SIZE, '256');
    assert.equal(env.FC_FUNCTION_HANDLER, 'index.handler');
    assert.equal(env.FC_REGION, 'cn-hangzhou');
    assert.match(env.FC_INSTANCE_ID ?? '', /\S/);
    assert.equal(env.FC_VER_ID, 'LATEST', 'nodejs20 runs on Debian 10: FC_VER_ID');
    assert.equal(env.FC_FUNCTION_VERSION, undefined);
    assert.equal(env.FC_FUNC_CODE_PATH, cwd, 'the code directory is the working directory');
    assert.equal(env.HOME, '/tmp');
    assert.equal(env.LANG, 'C.UTF-8');
    assert.ok((env.PATH ?? '').split(':').includes(`${env.FC_FUNC_CODE_PATH}/bin`));
    // No role: FC has nothing to inject.
    assert.equal(env.ALIBABA_CLOUD_ACCESS_KEY_ID, undefined);
    assert.deepEqual(credentials, { accessKeyId: '', accessKeySecret: '', securityToken: '' });
  });

  it('with a role: recognisable placeholders; disableInjectCredentials turns each channel off', async () => {
    const role = 'acs:ram::1234567890123456:role/fc-role';
    await create('role', { role });
    await create('role-no-env', { role, disableInjectCredentials: 'Env' });
    await create('role-no-request', { role, disableInjectCredentials: 'Request' });
    await create('role-none', { role, disableInjectCredentials: 'All' });
    await advanceClock(local.fc, 1000);
    const withRole = await invoke('role');
    assert.equal(withRole.env.ALIBABA_CLOUD_ACCESS_KEY_ID, 'LOCALFC_ACCESS_KEY_ID');
    assert.equal(withRole.credentials.securityToken, 'LOCALFC_SECURITY_TOKEN');
    const noEnv = await invoke('role-no-env');
    assert.equal(noEnv.env.ALIBABA_CLOUD_ACCESS_KEY_ID, undefined);
    assert.equal(noEnv.credentials.accessKeyId, 'LOCALFC_ACCESS_KEY_ID');
    const noRequest = await invoke('role-no-request');
    assert.equal(noRequest.env.ALIBABA_CLOUD_ACCESS_KEY_ID, 'LOCALFC_ACCESS_KEY_ID');
    assert.equal(noRequest.credentials.accessKeyId, '');
    const none = await invoke('role-none');
    assert.equal(none.env.ALIBABA_CLOUD_ACCESS_KEY_ID, undefined);
    assert.equal(none.credentials.accessKeyId, '');
  });

  it('variables in FC reserved namespace are refused at CreateFunction and UpdateFunction, as FC refuses them', async () => {
    const created = await sdkError(create('reserved', { environmentVariables: { FC_ENDPOINT: 'x' } }));
    assert.equal(created.statusCode, 400);
    assert.equal(created.data.Code, 'InvalidArgument');
    assert.equal(created.data.Message, "The environment variable name 'FC_ENDPOINT' is reserved by Function Compute");
    await create('later');
    const updated = await sdkError(local.client.updateFunction('later', new $FC.UpdateFunctionRequest({ body: new $FC.UpdateFunctionInput({ environmentVariables: { FC_SUPABASE_URL: 'x' } }) })));
    assert.equal(updated.data.Code, 'InvalidArgument');
    assert.match(updated.data.Message, /FC_SUPABASE_URL' is reserved/);
  });

  it('a custom runtime from start-fc Python template: PYTHONPATH=/code/python and files read from /code', async () => {
    const app = `import os, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
import greeting  # from /code/python, found through PYTHONPATH

class H(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get('content-length') or 0))
        with open('/code/data.txt') as f:
            body = (greeting.HELLO + ' ' + f.read() + ' ' + os.environ['FC_FUNC_CODE_PATH']).encode()
        self.send_response(200)
        self.send_header('content-length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

HTTPServer(('0.0.0.0', int(os.environ.get('FC_SERVER_PORT', '9000'))), H).serve_forever()
`;
    await local.client.createFunction(new $FC.CreateFunctionRequest({
      body: new $FC.CreateFunctionInput({
        functionName: 'start-fc-python', runtime: 'custom.debian10', handler: 'index.handler',
        code: new $FC.InputCodeLocation({ zipFile: zip({ 'app.py': app, 'data.txt': 'from-code-dir', 'python/greeting.py': "HELLO = 'hello'\n" }) }),
        customRuntimeConfig: new $FC.CustomRuntimeConfig({ command: ['python3'], args: ['app.py'], port: 9000 }),
        environmentVariables: { PYTHONPATH: '/code/python' },
      }),
    }));
    await advanceClock(local.fc, 1000);
    const res = await local.client.invokeFunction('start-fc-python', new $FC.InvokeFunctionRequest({ body: event('x') }));
    const body = await readBody(res.body!);
    assert.match(body, /^hello from-code-dir \S+$/);
    const logs = await (await fetch(`${local.fc.url}/_localfc/functions/start-fc-python/instances/${res.headers!['x-fc-instance-id']}/logs`)).text();
    assert.match(logs, /\[localfc\] (code at \/code and layers at \/opt|code runs from )/, 'the instance log says which mode is in use');
  });
});
