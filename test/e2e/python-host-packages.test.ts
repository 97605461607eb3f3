/**
 * What a Python function can import on the process backend: the standard library, its code, and the modules FC's
 * Python runtime preinstalls (with what they need) when the machine has them; not whatever else the machine's Python
 * has in its site-packages (FC's runtime does not have it: importing it there fails). The machine's Python is a venv
 * the test fills with a module FC does not preinstall and a stand-in for one it does (redis, needing async-timeout).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { FunctionIdentity, InvocationRequest } from '../../src/domain/ports/backend.ts';
import { ProcessBackend } from '../../src/backends/process/index.ts';
import type { FunctionConfig, Revision } from '../../src/domain/model.ts';
import { createZip } from '../helpers/zip.ts';

const HANDLER = `
def handler(event, context):
    out = []
    for name in ('hostonly', 'redis', 'json', 'code_mod'):
        try:
            __import__(name)
            out.append(name + ':ok')
        except ImportError as e:
            out.append(name + ':' + type(e).__name__)
    return ','.join(out)
`;

function fillSitePackages(site: string): void {
  const put = (path: string, text: string) => (mkdirSync(join(site, path, '..'), { recursive: true }), writeFileSync(join(site, path), text));
  put('hostonly.py', 'VALUE = 1\n');
  put('redis/__init__.py', 'import async_timeout\n');
  put('redis-4.4.0.dist-info/METADATA', 'Metadata-Version: 2.1\nName: redis\nVersion: 4.4.0\nRequires-Dist: async-timeout>=4.0.2\nRequires-Dist: cryptography>=36; extra == "ocsp"\n');
  put('redis-4.4.0.dist-info/top_level.txt', 'redis\n');
  put('async_timeout/__init__.py', 'VALUE = 1\n');
  put('async_timeout-4.0.2.dist-info/METADATA', 'Metadata-Version: 2.1\nName: async-timeout\nVersion: 4.0.2\n');
  put('async_timeout-4.0.2.dist-info/RECORD', 'async_timeout/__init__.py,,\nasync_timeout-4.0.2.dist-info/METADATA,,\n');
}

describe("a Python function does not see the machine's site-packages (process backend)", () => {
  let dir: string;
  let backend: ProcessBackend;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'localfc-venv-'));
    await promisify(execFile)('python3', ['-m', 'venv', '--without-pip', join(dir, 'venv')]);
    const lib = join(dir, 'venv', 'lib');
    fillSitePackages(join(lib, readdirSync(lib).find((d) => d.startsWith('python3'))!, 'site-packages'));
    backend = new ProcessBackend({ python: join(dir, 'venv', 'bin', 'python') });
  });
  after(async () => {
    await backend?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("imports FC's preinstalled modules and what they need, not the rest", async () => {
    const zip = createZip([{ path: 'index.py', data: HANDLER }, { path: 'code_mod.py', data: 'VALUE = 1\n' }]);
    // python3 (FC's Python 3.6): no version of its own is looked for, so it runs on the configured Python, the venv.
    const config = { runtime: 'python3', handler: 'index.handler', description: '', timeout: 30, memorySize: 128, cpu: 0.1, diskSize: 512, instanceConcurrency: 1, internetAccess: true, environmentVariables: {}, layers: [], passthrough: {} } as FunctionConfig;
    const revision: Revision = { id: 1, config, code: { zip, checksum: '1', size: zip.length }, codeChecksum: '1', codeSize: zip.length, createdAt: 0 };
    const fn: FunctionIdentity = { functionName: 'py-host', functionArn: 'acs:fc:cn-hangzhou:123:functions/py-host', region: 'cn-hangzhou', accountId: '123', qualifier: 'LATEST' };
    const prepared = await backend.prepare({ fn, revision, log: () => undefined, signal: new AbortController().signal });
    const inst = await backend.startInstance(prepared, 'c-py-host');
    const r = await backend.invoke(inst, { requestId: '1-py-host', body: Buffer.from('{}'), headers: {}, kind: 'event', timeoutMs: 30_000 } as InvocationRequest);
    assert.equal(Buffer.from(r.body as Uint8Array).toString(), 'hostonly:ModuleNotFoundError,redis:ok,json:ok,code_mod:ok', backend.instanceLogs(inst));
  });
});
