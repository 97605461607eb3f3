/**
 * Runtimes and FC's official layers on the process backend, through the official SDK: custom-runtime templates that
 * name `official:layers/Nodejs16` or `Python310` and put `/opt/<runtime>/bin` on PATH run on the machine's
 * interpreters, and the timeline and instance listing say which interpreter stands in; the other official layers
 * deploy with no files, and the timeline says so.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { $FC, event, readBody, sdkError, localfcWithClient } from '../helpers/sdk.ts';
import { advanceClock } from '../helpers/clock.ts';

const zip = (files: Record<string, string>) => createZip(Object.entries(files).map(([path, data]) => ({ path, data }))).toString('base64');
const official = (name: string) => `acs:fc:cn-hangzhou:official:layers/${name}/versions/1`;
// The PATH start-fc's custom-runtime templates set next to an official runtime layer.
const templatePath = (dir: string) => `/opt/${dir}/bin:/usr/local/bin/apache-maven/bin:/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/sbin:/bin:/usr/local/ruby/bin:/opt/bin:/code:/code/bin`;

describe('runtimes and official layers (process backend, official SDK)', () => {
  const timeline = async (name: string) => ((await (await fetch(`${local.fc.url}/_localfc/functions/${name}/timeline`)).json()) as { timeline: Array<{ event: string; detail?: { message?: string } }> }).timeline.map((t) => t.detail?.message ?? '');
  const invoke = async (name: string) => {
    const res = await local.client.invokeFunction(name, new $FC.InvokeFunctionRequest({ body: event('hi') }));
    return { body: await readBody(res.body!), instance: res.headers!['x-fc-instance-id']! };
  };

  const local = localfcWithClient({ clock: 'manual', backend: 'process' });

  it('Nodejs16 and Python310 official layers: the template command finds the stand-in interpreter on /opt/<runtime>/bin, and the timeline names it', async () => {
    const nodeServer = `require('http').createServer((q, s) => s.end('node ' + process.version)).listen(Number(process.env.FC_SERVER_PORT));\n`;
    await local.client.createFunction(new $FC.CreateFunctionRequest({
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
HTTPServer(('0.0.0.0', int(os.environ['FC_SERVER_PORT'])), H).serve_forever()
`;
    await local.client.createFunction(new $FC.CreateFunctionRequest({
      body: new $FC.CreateFunctionInput({
        functionName: 'py-layer', runtime: 'custom.debian10', handler: 'index.handler', layers: [official('Python310')],
        code: new $FC.InputCodeLocation({ zipFile: zip({ 'app.py': pyApp }) }),
        customRuntimeConfig: new $FC.CustomRuntimeConfig({ command: ['/opt/python3.10/bin/python3', 'app.py'] }),
        environmentVariables: { PATH: templatePath('python3.10') },
      }),
    }));
    await advanceClock(local.fc, 1000);
    assert.match((await invoke('node-layer')).body, /^node v\d+\./);
    assert.match((await invoke('py-layer')).body, /^python 3\.\d+$/);
    assert.ok((await timeline('node-layer')).some((m) => /^official layer Nodejs16 \(\/opt\/nodejs16\) stands in with Node\.js \d+\.\d+\.\d+ \(.+\), not Node\.js 16$/.test(m)), 'the stand-in and the mismatch are named');
    assert.ok((await timeline('py-layer')).some((m) => /^official layer Python310 \(\/opt\/python3\.10\) stands in with Python 3\.\d+\.\d+ \(.+\)/.test(m)));
  });

  it('official layers localfc has no files for deploy as on FC, and the timeline says what /opt lacks; another region\'s is LayerNotFound', async () => {
    // The layers of the Terraform provider's own alicloud_fcv3_function acceptance test, and two the templates name.
    const layers = [official('Python310'), official('Nodejs18'), official('ServerlessDevs'), official('Python310-Package-Collection'), official('Java17')];
    const script = `require('http').createServer((q, s) => s.end(require('fs').readdirSync('/opt').sort().join(','))).listen(Number(process.env.FC_SERVER_PORT));\n`;
    const created = await local.client.createFunction(new $FC.CreateFunctionRequest({
      body: new $FC.CreateFunctionInput({ functionName: 'no-files', runtime: 'custom.debian10', handler: 'index.handler', layers, code: new $FC.InputCodeLocation({ zipFile: zip({ 'server.js': script }) }), customRuntimeConfig: new $FC.CustomRuntimeConfig({ command: ['node', 'server.js'] }) }),
    }));
    assert.deepEqual(created.body!.layers!.map((l) => l.arn), layers);
    await advanceClock(local.fc, 1000);
    assert.equal((await local.client.getFunction('no-files', new $FC.GetFunctionRequest({}))).body!.state, 'Active');
    assert.equal((await invoke('no-files')).body, 'nodejs18,python3.10', 'only the runtime layers have stand-ins under /opt');
    const messages = await timeline('no-files');
    for (const name of ['ServerlessDevs', 'Python310-Package-Collection', 'Java17']) {
      assert.ok(messages.includes(`official layer ${name}: localfc has none of its files, so /opt holds nothing of it (on FC it would)`), name);
    }
    const byArn = (await local.client.getLayerVersionByArn(official('Java17'))).body!;
    assert.match(byArn.description!, /not available locally/);

    const e = await sdkError(local.client.createFunction(new $FC.CreateFunctionRequest({
      body: new $FC.CreateFunctionInput({ functionName: 'java', runtime: 'custom.debian10', handler: 'x', layers: ['acs:fc:cn-shanghai:official:layers/Java17/versions/1'], code: new $FC.InputCodeLocation({ zipFile: zip({ 'a.txt': 'x' }) }), customRuntimeConfig: new $FC.CustomRuntimeConfig({ command: ['true'] }) }),
    })));
    assert.equal(e.statusCode, 404);
    assert.equal(e.data.Code, 'LayerNotFound');
    assert.match(e.data.Message, /cn-shanghai.*per region/);
  });

  it('a built-in runtime names the interpreter serving it in the timeline and the admin instance listing', async () => {
    await local.client.createFunction(new $FC.CreateFunctionRequest({
      body: new $FC.CreateFunctionInput({ functionName: 'py310', runtime: 'python3.10', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: zip({ 'index.py': 'def handler(event, context):\n    return "ok"\n' }) }) }),
    }));
    await advanceClock(local.fc, 1000);
    const { body, instance } = await invoke('py310');
    assert.equal(body, 'ok');
    assert.ok((await timeline('py310')).some((m) => /^python3\.10 served by Python 3\.\d+\.\d+ \(\/.+\)$/.test(m)));
    const listing = (await (await fetch(`${local.fc.url}/_localfc/functions/py310/instances`)).json()) as { instances: Array<{ instanceId: string; servedBy?: string }> };
    assert.match(listing.instances.find((i) => i.instanceId === instance)?.servedBy ?? '', /^Python 3\.\d+\.\d+ /);
  });
});
