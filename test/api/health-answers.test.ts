/**
 * GET /_localfc/health's answers, byte for byte, on its fast route (api/hot-routes.ts: a fresh server answers it before
 * @hono/node-server is loaded) and through the full app: two servers with the same deterministic ids and clock get the
 * same requests, one in the plain form the fast route takes, the other with an upper-case Host, which the fast routes
 * leave to the full app and which it treats alike. Status line, headers (but Date), body, request ids and access log
 * lines (but the ms) must be the same, with and without an admin token (health is open).
 */
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { rawRequest } from '../helpers/raw-http.ts';
import { start, type RunningLocalfc } from '../../src/index.ts';
import { sequentialIds } from '../../src/ids.ts';

interface Side { fc: RunningLocalfc; lines: string[] }
const started: RunningLocalfc[] = [];
after(() => Promise.all(started.map((fc) => fc.stop())));

async function side(options: Record<string, unknown> = {}): Promise<Side> {
  const lines: string[] = [];
  const fc = await start({ clock: 'manual', log: 'text', ...options }, { ids: sequentialIds('health'), logLine: (l) => lines.push(l) });
  started.push(fc);
  return { fc, lines };
}

const blank = (raw: string) => raw.replace(/^date: .*$/im, 'date: -');
const noMs = (lines: string[]) => lines.map((l) => l.replace(/ \d+ms$/, ' -ms'));

for (const token of [undefined, 'sesame']) {
  it(`answers the same on the fast route and through the full app${token ? ' (with an admin token)' : ''}`, async () => {
    const options = token ? { adminToken: token } : {};
    const [fast, chain] = await Promise.all([side(options), side(options)]);
    const heads = [
      (port: number, host: string) => `GET /_localfc/health HTTP/1.1\r\nHost: ${host}:${port}`,
      (port: number, host: string) => `GET /_localfc/health HTTP/1.1\r\nHost: ${host}:${port}\r\nAuthorization: Bearer wrong`,
    ];
    for (const head of heads) {
      const a = await rawRequest(fast.fc.port, head(fast.fc.port, 'localhost'));
      const b = await rawRequest(chain.fc.port, head(chain.fc.port, 'LOCALHOST'));
      assert.equal(a.status, 200, a.raw);
      assert.equal(blank(a.raw), blank(b.raw));
    }
    assert.equal(fast.lines.length, 2);
    assert.deepEqual(noMs(fast.lines), noMs(chain.lines));
  });
}
