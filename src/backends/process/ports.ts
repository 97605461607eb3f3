/**
 * @module
 * Small networking helpers for the process backend: pick a free TCP port, wait until a port accepts connections.
 */
import { createConnection, createServer } from 'node:net';

/** Asks the OS for a free port on 127.0.0.1 (listen on port 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('could not determine a free port'))));
    });
  });
}

/** One connection attempt: true when something listens on the port. */
export function canConnect(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ port, host });
    const done = (ok: boolean): void => {
      sock.removeAllListeners();
      sock.destroy();
      resolve(ok);
    };
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
    sock.setTimeout(1000, () => done(false));
  });
}

/**
 * Polls until the port accepts a connection. `failed()` is checked between attempts (e.g. "the process exited") and,
 * when it returns an error, that error is thrown at once.
 */
export async function waitForPort(port: number, timeoutMs: number, failed: () => Error | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const early = failed();
    if (early) throw early;
    if (await canConnect(port)) return;
    const late = failed();
    if (late) throw late;
    if (Date.now() > deadline) throw new Error(`nothing listened on port ${port} within ${Math.round(timeoutMs / 1000)} s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
