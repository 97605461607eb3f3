/**
 * The server log's writing to stderr, in a process of its own: lines are gathered and written together, so a process
 * that exits before the batch was handed over (process.exit without closing the app) must still write them.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';

/** Runs `code` (an ES module with createServerLog imported) under tsx; its stderr and exit code. */
async function run(code: string): Promise<{ stderr: string; code: number | null }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `import { createServerLog } from './src/log.ts';\n${code}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [exitCode] = (await once(child, 'exit')) as [number | null];
  return { stderr, code: exitCode };
}

describe('server log on stderr', { timeout: 60_000 }, () => {
  it('text: lines logged just before process.exit are written, in order', async () => {
    const { stderr, code } = await run(`const l = createServerLog('text'); for (let i = 0; i < 500; i++) l.log('line ' + i); process.exit(0);`);
    assert.equal(code, 0);
    assert.deepEqual(stderr.trimEnd().split('\n'), Array.from({ length: 500 }, (_, i) => `line ${i}`));
  });

  it('json: records logged just before process.exit are written, one per line', async () => {
    const { stderr, code } = await run(`const l = createServerLog('json'); l.log('GET / 200', { status: 200 }); l.log('second'); process.exit(0);`);
    assert.equal(code, 0);
    const records = stderr.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(records.map((r) => [r.msg, r.status, r.level]), [['GET / 200', 200, 30], ['second', undefined, 30]]);
  });

  it('a line logged by a process that keeps running is written without a flush', async () => {
    // The process stays alive (a ref'd interval) until the parent saw the line, then is told to exit.
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `import { createServerLog } from './src/log.ts';
      createServerLog('text').log('hello'); const keep = setInterval(() => {}, 1000); process.stdin.on('data', () => { clearInterval(keep); process.stdin.destroy(); });`], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    while (!stderr.includes('hello\n')) stderr += ((await once(child.stderr, 'data')) as [Buffer])[0].toString();
    child.stdin.end('exit');
    await once(child, 'exit');
    assert.equal(stderr, 'hello\n');
  });
});
