// server.ts's warm-up after the first answer: the steps run in order once the first request is answered, then the
// step only an answer starts (prepareApp); a step that throws, at once or later, neither stops the ones after it nor
// becomes an unhandled rejection (which would end the process). A real node:http server on a free port.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { it } from 'node:test';
import { warmUpWhenIdle } from '../../src/server.ts';

it('runs the steps after the first answer, in order, past steps that throw', async () => {
  const server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let failed: (e: unknown) => void = () => undefined;
  const onUnhandled = (e: unknown) => failed(e);
  try {
    const ran: string[] = [];
    let finished!: () => void;
    const allRan = new Promise<void>((resolve, reject) => ((finished = resolve), (failed = reject)));
    process.once('unhandledRejection', onUnhandled);
    const steps = [
      () => {
        ran.push('throws at once');
        throw new Error('a stale route table');
      },
      async () => {
        ran.push('rejects');
        throw new Error('later');
      },
      () => ran.push('builds'),
    ];
    warmUpWhenIdle(server, steps, () => {
      ran.push('prepareApp');
      finished();
    }, () => false);
    assert.deepEqual(ran, [], 'nothing before a request');
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { signal: AbortSignal.timeout(60_000) });
    assert.equal(await res.text(), 'ok');
    await allRan;
    assert.deepEqual(ran, ['throws at once', 'rejects', 'builds', 'prepareApp']);
  } finally {
    process.off('unhandledRejection', onUnhandled);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
