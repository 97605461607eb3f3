/**
 * @module
 * Loopback throughput and latency, side by side: a bare node:http server answering a Function-sized body (the ceiling),
 * GetFunction, InvokeFunction on the simulated and process backends, and the process handler called directly.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProcessBackend } from '../src/backends/process/index.ts';
import { start } from '../src/index.ts';
import { createBody } from './fixtures.ts';
import { type LoadResult, load } from './load.ts';

export async function throughput(): Promise<LoadResult[]> {
  const results: LoadResult[] = [];
  const sim = await start({ clock: 'manual' });
  const processBackend = new ProcessBackend({});
  const proc = await start({ clock: 'manual' }, { backend: processBackend });
  for (const fc of [sim, proc]) {
    const res = await fetch(`${fc.url}/2023-03-30/functions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: createBody('bench', { instanceConcurrency: 100 }) });
    if (!res.ok) throw new Error(await res.text());
    await fc.localfc.clock.advance(1000);
    await fc.localfc.functions.quiesce();
  }
  const fnBody = await (await fetch(`${sim.url}/2023-03-30/functions/bench`)).text();
  const bare = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(fnBody));
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
  try {
    const invoke = { method: 'POST' as const, body: '{"a":1}' };
    results.push(await load('bare `node:http`, Function-sized body (ceiling)', `http://127.0.0.1:${(bare.address() as AddressInfo).port}/`));
    results.push(await load('GetFunction', `${sim.url}/2023-03-30/functions/bench`));
    results.push(await load('InvokeFunction, simulated backend', `${sim.url}/2023-03-30/functions/bench/invocations`, invoke));
    results.push(await load('InvokeFunction, process backend (Node.js handler)', `${proc.url}/2023-03-30/functions/bench/invocations`, invoke));
    // The same handler process called directly, bypassing localfc: what the process backend costs on top.
    const warm = await fetch(`${proc.url}/2023-03-30/functions/bench/invocations`, { method: 'POST', body: '{}' });
    await warm.arrayBuffer();
    const instanceId = warm.headers.get('x-fc-instance-id') ?? '';
    const port = processBackend.instancePort(instanceId);
    // localfc freezes an instance between invocations; thaw it so direct calls reach it.
    await processBackend.thaw({ id: instanceId } as Parameters<ProcessBackend['thaw']>[0]);
    if (port) results.push(await load('the same handler process called directly', `http://127.0.0.1:${port}/invoke`, invoke));
  } finally {
    bare.close();
    await Promise.all([sim.stop(), proc.stop()]);
  }
  return results;
}
