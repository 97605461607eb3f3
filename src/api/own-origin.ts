/**
 * @module
 * The origin localfc prints in links it hands out (an HTTP trigger's urlInternet, GetFunctionCode and layer code
 * links): the configured publicUrl, else the address and port the connection reached localfc on, as its own socket
 * says; never the request's Host header or an absolute-form request line, which the client chooses. publicUrl is for
 * a mapped port (`docker run -p 9000:9000`), where the socket's address is the container's own.
 */
import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import type { AppEnv } from './context.ts';

export function ownOrigin(c: Context<AppEnv>): string {
  const configured = c.get('publicOrigin');
  if (configured) return configured;
  const socket = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket;
  const address = socket?.localAddress?.replace(/^::ffff:/, '');
  // Without a socket (app.request() in-process) there is no connection to ask: the URL is all there is.
  if (!address || !socket?.localPort) return new URL(c.req.url).origin;
  return `http://${address.includes(':') ? `[${address}]` : address}:${socket.localPort}`;
}
