/**
 * Figures for docs/security.md (issue 18, bodies and timers): peak RSS growth of a localfc process (VmHWM from /proc)
 * while a 512 MB chunked body is sent to an HTTP trigger and while a handler answers 300 MB, and how long a one-day
 * advance of the manual clock over an `@every 1s` timer takes. Run: npx tsx scripts/security-figures.ts
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { createZip } from '../test/helpers/zip.ts';

const kb = (pid: number, field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);

async function main(): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--port', '0', '--log', 'silent', '--clock', 'manual', '--backend', 'process'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => { out += d; const m = /listening on (http:\/\/[\d.:]+)/.exec(out); if (m) resolve(m[1]!); });
  });
  const port = Number(new URL(url).port);
  const post = (path: string, body: unknown) => fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const handler = `exports.handler = (e, c, cb) => { const s = e.toString(); cb(null, s.includes('"rawPath":"/big"') ? 'x'.repeat(300 * 1024 * 1024) : 'ok'); };`;
  await post('/2023-03-30/functions', { functionName: 'f', runtime: 'nodejs20', handler: 'index.handler', timeout: 300, memorySize: 2048, cpu: 1, code: { zipFile: createZip([{ path: 'index.js', data: handler }]).toString('base64') } });
  await post('/2023-03-30/functions/f/triggers', { triggerName: 'h', triggerType: 'http', triggerConfig: JSON.stringify({ authType: 'anonymous', methods: ['GET', 'POST'] }) });
  await fetch(`${url}/fcapp/f/h/warm`);
  const base = kb(child.pid!, 'VmRSS');

  // 512 MB chunked body: how much of it is read, and what it costs.
  let sent = 0;
  const status = await new Promise<string>((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.write(`POST /fcapp/f/h/ HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nTransfer-Encoding: chunked\r\n\r\n`);
      const chunk = `100000\r\n${'y'.repeat(0x100000)}\r\n`;
      const pump = () => { while (sent < 512 && s.writable) { sent++; if (!s.write(chunk)) return void s.once('drain', pump); } if (s.writable) s.end('0\r\n\r\n'); };
      pump();
    });
    let out = '';
    s.on('data', (d: Buffer) => (out += d));
    s.on('close', () => resolve(out.split('\r\n')[0] ?? ''));
    s.on('error', () => undefined);
  });
  const afterBody = kb(child.pid!, 'VmHWM');
  console.log(`512 MB chunked body to an HTTP trigger: ${status}; ${sent} MB written before the server closed; peak RSS growth ${Math.round((afterBody - base) / 1024)} MB`);

  const big = await fetch(`${url}/fcapp/f/h/big`);
  const bigBody = await big.text();
  const afterResponse = kb(child.pid!, 'VmHWM');
  console.log(`handler answering 300 MB: ${big.status} ${bigBody.slice(0, 120)}; peak RSS growth ${Math.round((afterResponse - base) / 1024)} MB`);

  await post('/2023-03-30/functions/f/triggers', { triggerName: 'sec', triggerType: 'timer', triggerConfig: JSON.stringify({ cronExpression: '@every 1s', payload: 'p', enable: true }) });
  const t0 = Date.now();
  const adv = await post('/_localfc/clock/advance', { ms: 86_400_000 });
  const advanceMs = Date.now() - t0;
  const probe = Date.now();
  await fetch(`${url}/_localfc/health`);
  console.log(`clock advance of one day over @every 1s: ${adv.status} in ${advanceMs} ms (process backend, real invocations); a request right after: ${Date.now() - probe} ms`);
  child.kill('SIGTERM');
}
await main();
