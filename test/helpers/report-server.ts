/**
 * @module
 * A channel between a handler and the test: process-backend instances share the host's network but not its files
 * (their /tmp is their own, everything else read-only), so a marker file cannot tell the test what happened inside,
 * nor one instance what an earlier one did. The handler calls `http://127.0.0.1:PORT/…`:
 * - `GET|POST /report/<what>`: noted in `reports`;
 * - `POST /put/<key>` (body: the value): answers `first` when the key was unset (and sets it), else `again`;
 * - `GET /get/<key>`: the value, empty when unset (the test sets values too).
 */
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';

export interface ReportServer {
  readonly port: number;
  /** What was reported so far (the path after /report/), in order. */
  readonly reports: string[];
  readonly values: Map<string, string>;
  /**
   * Resolves once every connection made before it was called has been accepted and read (connections are accepted in
   * the order they were queued, so one of ours answered means every earlier one was handled): no waiting on time.
   */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export async function reportServer(): Promise<ReportServer> {
  const reports: string[] = [];
  const values = new Map<string, string>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      const [, verb = '', ...rest] = (req.url ?? '/').split('/');
      const key = decodeURIComponent(rest.join('/'));
      if (verb === 'report') reports.push(key);
      if (verb === 'get') return res.end(values.get(key) ?? '');
      if (verb === 'put') {
        const first = !values.has(key);
        if (first) values.set(key, body);
        return res.end(first ? 'first' : 'again');
      }
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    reports,
    values,
    settled: () =>
      new Promise<void>((resolve, reject) => {
        const s = connect(port, '127.0.0.1', () => s.end('GET /settled HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
        s.on('data', () => undefined).on('close', () => resolve()).on('error', reject);
      }),
    close: () => new Promise<void>((r) => (server.close(() => r()), server.closeAllConnections())),
  };
}
