/**
 * Runtimes and FC's official layers on the process backend, through the official SDK: custom-runtime templates that
 * name `official:layers/Nodejs16` or `Python310` and put `/opt/<runtime>/bin` on PATH run on the machine's
 * interpreters, and the timeline and instance listing say which interpreter stands in; unknown official layers are
 * LayerNotFound, as FC answers for a layer that does not exist.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { start, type RunningLocalfc } from '../../src/index.ts';
import { $FC, type FcClient, event, readBody, sdkClient, sdkError } from '../helpers/sdk.ts';
import { advanceClock } from '../helpers/clock.ts';

const zip = (files: Record<string, string>) => createZip(Object.entries(files).map(([path, data]) => ({ path, data }))).toString('base64');
const official = (name: string) => `acs:fc:cn-hangzhou:official:layers/${name}/versions/1`;
// The PATH start-fc's custom-runtime templates set next to an official runtime layer.
const templatePath = (dir: string) => `/opt/${dir}/bin:/usr/local/bin/apache-maven/bin:/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/sbin:/bin:/usr/local/ruby/bin:/opt/bin:/code:/code/bin`;

describe('runtimes and official layers (process backend, official SDK)', () => {
  let fc: RunningLocalfc;
  let client: FcClient;
  const timeline = async (name: string) => ((await (await fetch(`${fc.url}/_localfc/functions/${name}/timeline`)).json()) as { timeline: Array<{ event: string; detail?: { message?: string } }> }).timeline.map((t) => t.detail?.message ?? '');
  const invoke = async (name: string) => {
    const res = await client.invokeFunction(name, new $FC.InvokeFunctionRequest({ body: event('hi') }));
    return { body: await readBody(res.body!), instance: res.headers!['x-fc-instance-id']! };
  };

  before(async () => {
    fc = await start({ clock: 'manual', backend: 'process' });
    client = sdkClient(fc.endpoint);
  });
  after(() => fc.stop());

  it('Nodejs16 and Python310 official layers: the template command finds the stand-in interpreter on /opt/<runtime>/bin, and the timeline names it', async () => {
    const nodeServer = `require('http').createServer((q, s) => s.end('node ' + process.version)).listen(Number(process.env.FC_SERVER_PORT));\n`;
    await client.createFunction(new $FC.CreateFunctionRequest({
      body: new $FC.CreateFunctionInput({
        functionName: 'node-layer', runtime: 'custom.debian10', handler: 'index.handler', layers: [official('Nodejs16')],
        code: new $FC.InputCodeLocation({ zipFile: zip({ 'server.js': nodeServer }) }),
        customRuntimeConfig: new $FC.CustomRuntimeConfig({ command: ['node', 'server.js'] }),
        environmentVariables: { PATH: templatePath('nodejs16') },
      }),
    }));
    const pyApp = `import os, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
class H(BaseHTTPRequestHandler):
    def do_POST(self):
        body = ('python %d.%d' % sys.version_info[:2]).encode()
        self.send_response(200); self.send_header('content-length', str(len(body))); self.end_headers(); self.wfile.write(body)
HTTPServer(('127.0.0.1', int(os.environ['FC_SERVER_PORT'])), H).serve_forever()
`;
    await client.createFunction(new $FC.CreateFunctionRequest({
      body: new $FC.CreateFunctionInput({
        functionName: 'py-layer', runtime: 'custom.debian10', handler: 'index.handler', layers: [official('Python310')],
        code: new $FC.InputCodeLocation({ zipFile: zip({ 'app.py': pyApp }) }),
        customRuntimeConfig: new $FC.CustomRuntimeConfig({ command: ['/opt/python3.10/bin/python3', 'app.py'] }),
        environmentVariables: { PATH: templatePath('python3.10') },
      }),
    }));
    await advanceClock(fc, 1000);
    assert.match((await invoke('node-layer')).body, /^node v\d+\./);
    assert.match((await invoke('py-layer')).body, /^python 3\.\d+$/);
    assert.ok((await timeline('node-layer')).some((m) => /^official layer Nodejs16 \(\/opt\/nodejs16\) stands in with Node\.js \d+\.\d+\.\d+ \(.+\), not Node\.js 16$/.test(m)), 'the stand-in and the mismatch are named');
    assert.ok((await timeline('py-layer')).some((m) => /^official layer Python310 \(\/opt\/python3\.10\) stands in with Python 3\.\d+\.\d+ \(.+\)/.test(m)));
  });

  it('an official layer localfc has no stand-in for is LayerNotFound at CreateFunction', async () => {
    const e = await sdkError(client.createFunction(new $FC.CreateFunctionRequest({
      body: new $FC.CreateFunctionInput({ functionName: 'java', runtime: 'custom.debian10', handler: 'x', layers: [official('Java17')], code: new $FC.InputCodeLocation({ zipFile: zip({ 'a.txt': 'x' }) }), customRuntimeConfig: new $FC.CustomRuntimeConfig({ command: ['true'] }) }),
    })));
    assert.equal(e.statusCode, 404);
    assert.equal(e.data.Code, 'LayerNotFound');
    assert.match(e.data.Message, /Java17/);
  });

  it('a built-in runtime names the interpreter serving it in the timeline and the admin instance listing', async () => {
    await client.createFunction(new $FC.CreateFunctionRequest({
      body: new $FC.CreateFunctionInput({ functionName: 'py310', runtime: 'python3.10', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: zip({ 'index.py': 'def handler(event, context):\n    return "ok"\n' }) }) }),
    }));
    await advanceClock(fc, 1000);
    const { body, instance } = await invoke('py310');
    assert.equal(body, 'ok');
    assert.ok((await timeline('py310')).some((m) => /^python3\.10 served by Python 3\.\d+\.\d+ \(\/.+\)$/.test(m)));
    const listing = (await (await fetch(`${fc.url}/_localfc/functions/py310/instances`)).json()) as { instances: Array<{ instanceId: string; servedBy?: string }> };
    assert.match(listing.instances.find((i) => i.instanceId === instance)?.servedBy ?? '', /^Python 3\.\d+\.\d+ /);
  });
});
