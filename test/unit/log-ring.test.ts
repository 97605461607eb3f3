/**
 * An instance's log holds the function's output and localfc's own `[localfc] …` lines; what is quoted to the caller
 * (an error's last lines, an invocation's log) is the function's output only, in order, with its line breaks.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { LogRing, withoutOwnLines } from '../../src/backends/process/log-ring.ts';

it("tail and withoutOwnLines leave localfc's lines out, the instance log keeps them", () => {
  const logs = new LogRing();
  logs.append('[localfc] code at /code and layers at /opt (a private mount namespace)\n');
  assert.equal(logs.tail(5), '');
  const from = logs.offset;
  logs.append('one\n[localfc] health check: unhealthy\ntwo\n');
  logs.append('  [localfc] indented: the function\'s own\n');
  assert.equal(logs.tail(5), "one\ntwo\n  [localfc] indented: the function's own");
  assert.equal(logs.tail(1), "  [localfc] indented: the function's own");
  assert.equal(withoutOwnLines(logs.since(from)), "one\ntwo\n  [localfc] indented: the function's own\n");
  assert.equal(withoutOwnLines('no newline at the end'), 'no newline at the end');
  assert.equal(withoutOwnLines('[localfc] last\n'), '');
  assert.match(logs.text(), /^\[localfc\] code at \/code/);
  assert.match(logs.text(), /\n\[localfc\] health check: unhealthy\n/);
});
