// server.ts's listenOn: for an IP address it binds through net.Server's _listen2 (listen()'s last step) instead of
// listen(), which loads Node's dns and cluster modules first. Either way a server must end up the same: listening where
// asked, answering, and failing on a taken port with the error listen() gives. Real node:http servers on free ports.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { it } from 'node:test';
import { listenOn } from '../../src/server.ts';

const serve = () => createServer((_req, res) => res.end('ok'));
const listening = (server: Server, port: number, host: string, how: 'listenOn' | 'listen') =>
  new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (how === 'listenOn') listenOn(server, port, host, resolve);
    else server.listen(port, host, resolve);
  });
const closed = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

it('listens on an address and a host name as listen() does, and answers', async () => {
  for (const host of ['127.0.0.1', 'localhost']) {
    const server = serve();
    try {
      await listening(server, 0, host, 'listenOn');
      const { address, port } = server.address() as AddressInfo;
      assert.ok(port > 0);
      if (host === '127.0.0.1') assert.equal(address, '127.0.0.1');
      assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'ok');
    } finally {
      await closed(server);
    }
  }
});

it('fails on a taken port with the error listen() gives', async () => {
  const first = serve();
  await listening(first, 0, '127.0.0.1', 'listen');
  const { port } = first.address() as AddressInfo;
  try {
    const errors: Array<Record<string, unknown>> = [];
    for (const how of ['listen', 'listenOn'] as const) {
      const second = serve();
      const e = (await listening(second, port, '127.0.0.1', how).then(() => undefined, (err: unknown) => err)) as NodeJS.ErrnoException | undefined;
      assert.ok(e, `${how} on a taken port must fail`);
      errors.push({ message: e.message, code: e.code, syscall: e.syscall, address: (e as { address?: string }).address, port: (e as { port?: number }).port });
      assert.equal(second.listening, false);
    }
    assert.deepEqual(errors[1], errors[0]);
    assert.equal(errors[0]!.code, 'EADDRINUSE');
  } finally {
    await closed(first);
  }
});
