/**
 * @module
 * Raw HTTP/1.1 over a socket, for tests where the framing matters (repeated headers, chunked bodies, a request line
 * in absolute form): what fetch would normalise or refuse to send goes out byte for byte.
 */
import net from 'node:net';

export interface RawResponse {
  readonly status: number;
  /** Header lines as they came, names lower-cased, repeated headers kept apart. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: string;
  readonly raw: string;
}

/** Sends `head` (request line and headers, no blank line) and then each body chunk; reads until the server closes. */
export function rawRequest(port: number, head: string, body: ReadonlyArray<string | Buffer> = []): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.write(`${head}\r\nConnection: close\r\n\r\n`);
      for (const chunk of body) s.write(chunk);
    });
    const parts: Buffer[] = [];
    s.on('data', (d: Buffer) => parts.push(d));
    s.on('end', () => resolve(parse(Buffer.concat(parts).toString('latin1'))));
    s.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' || e.code === 'ECONNRESET') && parts.length > 0 ? resolve(parse(Buffer.concat(parts).toString('latin1'))) : reject(e));
  });
}

function parse(raw: string): RawResponse {
  const end = raw.indexOf('\r\n\r\n');
  const [statusLine = '', ...lines] = raw.slice(0, end < 0 ? raw.length : end).split('\r\n');
  const headers = lines.map((l) => {
    const i = l.indexOf(':');
    return [l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim()] as const;
  });
  return { status: Number(statusLine.split(' ')[1]), headers, body: end < 0 ? '' : raw.slice(end + 4), raw };
}
