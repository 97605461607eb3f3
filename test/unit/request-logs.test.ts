// Which of an instance's output lines go to which call's log tail (request-logs.ts), as the process and container
// backends append them: whole lines (the container's log stream) or chunks that cut lines anywhere (a pipe).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LogRing } from '../../src/backends/process/log-ring.ts';
import { RequestLogs } from '../../src/backends/process/request-logs.ts';

describe('request logs', () => {
  it('a call alone owns everything printed meanwhile; nothing before it', () => {
    const ring = new LogRing();
    const calls = new RequestLogs(ring);
    ring.append('before\n');
    calls.begin('r1');
    ring.append('no id\nr1 said\n');
    assert.equal(calls.of('r1'), 'no id\nr1 said\n');
    calls.end('r1');
  });

  it('while calls share the instance, lines go by the request id they name; the rest to none; alone again, all', () => {
    const ring = new LogRing();
    const calls = new RequestLogs(ring);
    calls.begin('r1');
    ring.append('r1 alone\nr1 half');
    calls.begin('r2');
    ring.append(' done\nr2 one\nnobody\n');
    ring.append('FC Invoke End RequestId: r2\n');
    assert.equal(calls.of('r2'), 'r2 one\nFC Invoke End RequestId: r2\n');
    calls.end('r2');
    ring.append('r1 alone again, no id\n');
    assert.equal(calls.of('r1'), 'r1 alone\nr1 half done\nr1 alone again, no id\n');
    calls.end('r1');
    assert.equal(calls.of('r1'), '');
    // Nothing is lost from the instance's own log.
    assert.match(ring.text(), /nobody/);
  });
});
