/**
 * @module
 * Upgrade requests (WebSocket) on localfc's port. Node.js hands them to the server's 'upgrade' listener, never to its
 * request listener; upgradeListener answers them through the app like any request (a ServerResponse on their socket,
 * closed after the answer), and an HTTP trigger or custom domain route may take the socket over (upgradeOf) to join it
 * to the function's server's connection once that has answered 101.
 */
import { type IncomingMessage, type RequestListener, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Context } from 'hono';
import type { HeaderValue, UpgradeSink } from '../domain/ports/backend.ts';
import type { AppEnv } from './context.ts';

const PENDING = Symbol('localfc.upgrade');

/** An Upgrade request's connection, and what the client sent after the request's head. */
interface Pending {
  readonly socket: Duplex;
  readonly head: Buffer;
  readonly response: ServerResponse;
}

type Marked = IncomingMessage & { [PENDING]?: Pending };

/** The server's 'upgrade' listener, serving through `listener`; closeAll ends every such connection still open (stop()). */
export function upgradeListener(listener: RequestListener): { onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void; closeAll: () => void } {
  const open = new Set<Duplex>();
  return {
    onUpgrade(req, socket, head) {
      open.add(socket);
      socket.once('close', () => open.delete(socket));
      // A connection reset must not end localfc with an unhandled 'error'.
      socket.on('error', () => socket.destroy());
      const response = new ServerResponse(req);
      response.shouldKeepAlive = false;
      response.assignSocket(socket as Socket);
      // An answer given in place of a switch closes the connection (Node.js's server does so only for its own responses).
      response.once('finish', () => socket.end());
      (req as Marked)[PENDING] = { socket, head, response };
      void listener(req, response);
    },
    closeAll: () => {
      for (const socket of open) socket.destroy();
    },
  };
}

/** The relay of an Upgrade request that came in through upgradeListener; undefined for any other request. */
export function upgradeOf(c: Context<AppEnv>): SocketRelay | undefined {
  const pending = ((c.env as { incoming?: IncomingMessage } | undefined)?.incoming as Marked | undefined)?.[PENDING];
  return pending && new SocketRelay(pending, c.var.requestId);
}

/** Joins the client's connection to the function's server's once that switched protocols, both ways, until either closes. */
export class SocketRelay implements UpgradeSink {
  /** The function's server answered 101 and the connections were joined: nothing else is to be written to the client. */
  switchedOver = false;

  constructor(private readonly pending: Pending, private readonly requestId: string) {}

  switched(headers: Readonly<Record<string, HeaderValue>>, upstream: Duplex, upstreamHead: Buffer): Promise<void> {
    const { socket: client, head, response } = this.pending;
    this.switchedOver = true;
    response.detachSocket(client as Socket);
    if (client.destroyed) return Promise.resolve(void upstream.destroy());
    let lines = 'HTTP/1.1 101 Switching Protocols\r\n';
    for (const [name, value] of Object.entries(headers)) if (name !== 'x-fc-request-id') for (const v of typeof value === 'string' ? [value] : value) lines += `${name}: ${v}\r\n`;
    client.write(`${lines}x-fc-request-id: ${this.requestId}\r\n\r\n`);
    if (upstreamHead.length) client.write(upstreamHead);
    if (head.length) upstream.write(head);
    client.pipe(upstream);
    upstream.pipe(client);
    return new Promise((resolve) => {
      const close = () => {
        client.destroy();
        upstream.destroy();
        resolve();
      };
      for (const socket of [client, upstream]) socket.once('close', close).on('error', close);
    });
  }

  /** The route's answer once the call ended with the connection switched: @hono/node-server then writes nothing. */
  sent(): Response {
    return new Response(null, { headers: { 'x-hono-already-sent': 'true', 'x-fc-request-id': this.requestId } });
  }
}
