// localfc's own image: built from the Dockerfile (BASE_IMAGE = a node+npm image made without a registry), run the way
// the README says for the container backend (engine socket mounted, the socket's group added), used through the
// official SDK. Skips with one line outside CI when no engine answers.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { DockerEngine } from '../../src/backends/docker/engine.ts';
import { LABELS } from '../../src/backends/docker/owner.ts';
import { NODE_IMAGE, NODE_NPM_IMAGE } from '../../scripts/make-test-images.ts';
import { engineUsable } from '../helpers/docker.ts';
import { waitFor } from '../helpers/wait.ts';
import { $FC, event, readBody, sdkClient } from '../helpers/sdk.ts';

const engine = new DockerEngine();
const TAG = 'localfc-test/localfc:ci';
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** The docker CLI, as the README's commands use it; rejects with its stderr. */
async function docker(args: string[], timeoutMs = 60_000): Promise<string> {
  try {
    return (await promisify(execFile)('docker', args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, DOCKER_HOST: `unix://${engine.address}` } })).stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`docker ${args.slice(0, 2).join(' ')} failed: ${err.stderr?.trim() || err.message}`);
  }
}

const prerequisites = async (): Promise<string | undefined> => {
  if (!engine.address.startsWith('/')) return `the engine at ${engine.address} is not on a unix socket, which the image's documented run line mounts`;
  if (!(await docker(['--version']).catch(() => undefined))) return 'no docker CLI';
  for (const img of [NODE_NPM_IMAGE, NODE_IMAGE]) if (!(await engine.inspectImage(img))) return `test image ${img} missing (npx tsx scripts/make-test-images.ts)`;
  return undefined;
};

// FC's custom-container contract on FC_SERVER_PORT.
const SERVER = `require('http').createServer((q, s) => { let b = ''; q.on('data', (c) => (b += c)); q.on('end', () => s.end(process.env.FC_FUNCTION_NAME + ' in a container: ' + b)); }).listen(Number(process.env.FC_SERVER_PORT));`;

if (await engineUsable(engine, 'localfc image', prerequisites)) {
  describe("localfc's own image, run as the README says", () => {
    let containerId = '';
    let endpoint = '';

    before(async () => {
      await docker(['build', '-q', '--build-arg', `BASE_IMAGE=${NODE_NPM_IMAGE}`, '-t', TAG, repoRoot], 10 * 60_000);
      const socketGroup = statSync(engine.address).gid;
      containerId = (
        await docker(['run', '-d', '-p', '127.0.0.1::9000', '-v', `${engine.address}:/var/run/docker.sock`, '--group-add', String(socketGroup), '-e', 'LOCALFC_BACKEND=docker', '-e', 'LOCALFC_CLOCK=manual', TAG])
      ).trim();
      const port = (await engine.inspectContainer(containerId)).ports['9000/tcp']?.[0]?.hostPort;
      assert.ok(port, 'port 9000 published');
      endpoint = `127.0.0.1:${port}`;
      await waitFor('localfc to answer in its container', () => fetch(`http://${endpoint}/_localfc/health`).then((r) => (r.ok ? true : undefined), () => undefined), 120_000);
    });

    after(async () => {
      if (containerId) await docker(['rm', '-f', containerId]).catch(() => undefined);
      await engine.close();
    });

    it('runs as the unprivileged node user, with the socket group added', async () => {
      assert.equal((await docker(['exec', containerId, 'id', '-u'])).trim(), '1000');
      const groups = (await docker(['exec', containerId, 'id', '-G'])).trim().split(/\s+/);
      assert.ok(groups.includes(String(statSync(engine.address).gid)), `groups ${groups.join(' ')}`);
    });

    it('serves the official SDK and runs a custom-container function as a sibling container through the mounted socket', async () => {
      const client = sdkClient(endpoint);
      await client.createFunction(
        new $FC.CreateFunctionRequest({
          body: new $FC.CreateFunctionInput({ functionName: 'boxed', runtime: 'custom-container', handler: 'index.handler', customContainerConfig: new $FC.CustomContainerConfig({ image: NODE_IMAGE, port: 9000, command: ['node', '-e', SERVER] }) }),
        }),
      );
      assert.equal((await client.getFunction('boxed', new $FC.GetFunctionRequest({}))).body!.state, 'Pending');
      const advanced = await fetch(`http://${endpoint}/_localfc/clock/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ms: 5000 }) });
      assert.equal(advanced.status, 200);
      assert.equal((await client.getFunction('boxed', new $FC.GetFunctionRequest({}))).body!.state, 'Active');

      const res = await client.invokeFunction('boxed', new $FC.InvokeFunctionRequest({ body: event('hello') }));
      assert.equal(await readBody(res.body!), 'boxed in a container: hello');
      const siblings = await engine.listContainers({ labels: { [LABELS.host]: containerId.slice(0, 12), [LABELS.fn]: 'boxed' } });
      assert.equal(siblings.length, 1, 'one function container, labelled with the localfc container as its host');
    });

    it('docker stop ends localfc cleanly and removes the containers it started', async () => {
      await docker(['stop', '-t', '20', containerId], 60_000);
      const state = (await engine.inspectContainer(containerId)).state;
      assert.equal(state.exitCode, 0, 'SIGTERM is handled: a clean exit, not a kill');
      assert.deepEqual(await engine.listContainers({ labels: { [LABELS.host]: containerId.slice(0, 12) }, all: true }), []);
    });
  });
}
