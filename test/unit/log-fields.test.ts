/**
 * A text log writes only the line, so the per-request lines (the access log, the invoke line) leave their fields out
 * for it; a JSON log and any other log function still get them.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { logRequest } from '../../src/api/middleware.ts';
import { createServerLog, type LogFn } from '../../src/log.ts';

const head = { method: 'GET', url: 'http://h/p', path: '/p', header: (name: string) => (name === 'x-acs-action' ? 'GetFunction' : undefined) };

it('the text log says it writes the line only; the JSON log and a plain function do not', () => {
  assert.equal(createServerLog('text', () => {}).log.lineOnly, true);
  assert.equal(createServerLog('json', () => {}).log.lineOnly, undefined);
});

it('the access log line: fields only for a log that writes them, the same line for both', () => {
  const calls: Array<[string, unknown]> = [];
  const plain: LogFn = (line, fields) => calls.push([line, fields]);
  const lineOnly: LogFn = Object.assign((line: string, fields?: unknown) => void calls.push([line, fields]), { lineOnly: true });
  const started = Date.now();
  logRequest(plain, 'rid', head, 200, started);
  logRequest(lineOnly, 'rid', head, 200, started);
  const [[line1, fields1], [line2, fields2]] = calls as [[string, Record<string, unknown>], [string, unknown]];
  const noMs = (line: string) => line.replace(/ \d+ms$/, ' ms');
  assert.equal(noMs(line2), noMs(line1));
  assert.match(line1, /^GET \/p 200 GetFunction \d+ms$/);
  assert.deepEqual({ ...fields1, ms: 0 }, { requestId: 'rid', method: 'GET', path: '/p', status: 200, action: 'GetFunction', ms: 0 });
  assert.equal(fields2, undefined);
});

it('a refused request\'s line ends with its request id; a successful one has none', () => {
  const lines: string[] = [];
  const log: LogFn = Object.assign((line: string) => void lines.push(line), { lineOnly: true });
  logRequest(log, 'rid-ok', head, 200, Date.now());
  logRequest(log, 'rid-404', head, 404, Date.now());
  logRequest(log, 'rid-503', head, 503, Date.now());
  assert.match(lines[0]!, /^GET \/p 200 GetFunction \d+ms$/);
  assert.match(lines[1]!, /^GET \/p 404 GetFunction \d+ms rid-404$/);
  assert.match(lines[2]!, /^GET \/p 503 GetFunction \d+ms rid-503$/);
});
