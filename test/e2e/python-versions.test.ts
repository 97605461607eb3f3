/**
 * python3.9, python3.10 and python3.12 run on the machine's Python of that minor version when it has one (python3.X on
 * PATH, pyenv's versions), as FC runs each on its own version; otherwise on python3, said in the timeline and in each
 * instance's log (a new user's trial, R2: all three ran on the host's 3.11, so a 3.12 f-string failed and a match
 * statement passed on 3.9). Real server on a free port, the official SDK.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { $FC, event, readBody, localfcWithClient } from '../helpers/sdk.ts';
import { advanceClock } from '../helpers/clock.ts';

/** Whether this machine has a Python `minor` the test itself can find (PATH or pyenv), asked independently of localfc. */
function machineHas(minor: string): boolean {
  if (spawnSync(`python${minor}`, ['-c', 'import sys; assert sys.version.startswith(sys.argv[1] + ".")', minor]).status === 0) return true;
  try {
    return readdirSync(join(process.env.PYENV_ROOT || join(homedir(), '.pyenv'), 'versions')).some((v) => v.startsWith(`${minor}.`));
  } catch {
    return false;
  }
}

// Answers its version; on 3.12 through a PEP 701 f-string (the same quotes inside), which no earlier Python compiles.
const handler = (minor: string) => createZip([{ path: 'index.py', data: `import platform\n\ndef handler(event, context):\n    names = ["a", "b"]\n    return platform.python_version() + ${minor === '3.12' ? 'f" {", ".join(names)}"' : '""'}\n` }]).toString('base64');

const MINORS = ['3.9', '3.10', '3.12'];

describe('each python3.X on its own Python version (process backend)', () => {
  /** Asked before the server starts: a spawnSync between requests blocks the in-process server too, whose keep-alive
   * timer then closes the SDK's idle connection just as the next request is written on it (ECONNRESET on a loaded machine). */
  let has: Map<string, boolean>;
  before(async () => {
    has = new Map(MINORS.map((minor) => [minor, machineHas(minor)]));
  });
  const local = localfcWithClient({ clock: 'manual', backend: 'process' });

  for (const minor of MINORS) {
    it(`python${minor}`, async () => {
      const name = `py${minor.replace('.', '')}`;
      await local.client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName: name, runtime: `python${minor}`, handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: handler(minor) }) }) }));
      await advanceClock(local.fc, 1000);
      const res = await local.client.invokeFunction(name, new $FC.InvokeFunctionRequest({ body: event('') }));
      const text = await readBody(res.body!);
      const timeline = ((await (await fetch(`${local.fc.url}/_localfc/functions/${name}/timeline`)).json()) as { timeline: Array<{ detail?: { message?: string } }> }).timeline.map((t) => t.detail?.message ?? '').join('\n');
      if (has.get(minor)) {
        assert.equal(res.headers?.['x-fc-error-type'], undefined, text);
        assert.match(text, new RegExp(`^${minor.replace('.', '\\.')}\\.\\d+${minor === '3.12' ? ' a, b' : ''}$`));
        assert.match(timeline, new RegExp(`python${minor.replace('.', '\\.')} served by Python ${minor.replace('.', '\\.')}\\.`));
      } else {
        assert.match(timeline, new RegExp(`python${minor.replace('.', '\\.')}: no Python ${minor.replace('.', '\\.')} found`));
        const id = res.headers?.['x-fc-instance-id'];
        const log = await (await fetch(`${local.fc.url}/_localfc/functions/${name}/instances/${id}/logs`)).text();
        assert.match(log, /\[localfc\] python3\.\d+: no Python 3\.\d+ found/);
      }
    });
  }
});
