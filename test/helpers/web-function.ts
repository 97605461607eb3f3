/**
 * @module
 * Web functions for the relay tests: a custom runtime server deployed with an HTTP trigger, and the WebSocket server
 * side written by hand for function code that has no packages.
 */
import { createHttpTrigger, postOk } from './fc-api.ts';
import { createZip } from './zip.ts';

/**
 * JavaScript for a function's server: `acceptWebSocket(req, socket, onText)` answers the handshake with 101 and calls
 * `onText(text)` for each (short, masked) text frame the client sends, writing back what it returns as a text frame; a
 * close frame is answered and ends the connection, as does the other side's end. Needs `http` and `crypto` in scope.
 */
export const WEBSOCKET_SERVER = `
const acceptWebSocket = (req, socket, onText) => {
  const accept = crypto.createHash('sha1').update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  socket.write('HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Accept: ' + accept + '\\r\\n\\r\\n');
  socket.on('error', () => {});
  socket.on('end', () => socket.end());
  let buf = Buffer.alloc(0);
  socket.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      const len = buf.length >= 2 ? buf[1] & 0x7f : 0;
      if (buf.length < 6 + len) return;
      const op = buf[0] & 0x0f;
      const text = Buffer.from(buf.subarray(6, 6 + len).map((b, i) => b ^ buf[2 + (i % 4)])).toString();
      buf = buf.subarray(6 + len);
      if (op === 8) return socket.end(Buffer.from([0x88, 0]));
      if (op !== 1) continue;
      const reply = Buffer.from(onText(text));
      socket.write(Buffer.concat([Buffer.from([0x81, reply.length]), reply]));
    }
  });
};
`;

/** A custom runtime function running `node server.js` (`server`), with an anonymous HTTP trigger `h`. */
export async function deployWebFunction(baseUrl: string, functionName: string, server: string, config: Record<string, unknown> = {}): Promise<void> {
  await postOk(baseUrl, '/functions', {
    functionName, runtime: 'custom.debian10', handler: 'index.handler', customRuntimeConfig: { command: ['node', 'server.js'] },
    code: { zipFile: createZip([{ path: 'server.js', data: server }]).toString('base64') }, ...config,
  });
  await createHttpTrigger(baseUrl, functionName);
}
