/**
 * @module
 * Ports for instances (readiness lives in ../readiness.ts). The OS knows a port is taken only once the instance
 * listens on it: until then, a port found free can be handed out again to a concurrent cold start, or become the local
 * end of an outgoing connection. So ports are reserved in-process from choice to the instance's exit, and a start that
 * lost its port anyway is retried on another (spawn.ts).
 */
import { createServer } from 'node:net';

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

/** Whether something on this machine holds `port` on 127.0.0.1 now (a listener, or a connection's local end). */
export function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(true));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(false)));
  });
}

/** Ports handed to this backend's instances and not given back yet: no two instances are told the same port. */
export class PortReservations {
  readonly #held = new Set<number>();

  async reserve(): Promise<number> {
    for (;;) {
      const port = await freePort();
      if (this.#held.has(port)) continue;
      this.#held.add(port);
      return port;
    }
  }

  release(port: number): void {
    this.#held.delete(port);
  }
}
