/**
 * The fast routes' answers are written together after the I/O callbacks of their event-loop turn (api/answer-batch.ts):
 * nothing is written while the turn's requests are still being handled, everything queued is written in the order
 * queued, a write that throws does not keep the others from being written, and a write queued while a batch is being
 * written goes out with the next one.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { AnswerBatch } from '../../src/api/answer-batch.ts';

const nextCheckPhase = () => new Promise<void>((resolve) => setImmediate(resolve));

it('writes nothing during the turn, then every queued write in order once the turn has run its callbacks', async () => {
  const batch = new AnswerBatch();
  const written: string[] = [];
  batch.defer(() => written.push('a'));
  await Promise.resolve(); // the turn's microtasks (an invocation's answer arrives in one) still run before the batch
  batch.defer(() => written.push('b'));
  assert.deepEqual(written, []);
  await nextCheckPhase();
  assert.deepEqual(written, ['a', 'b']);
});

it('a write that throws does not keep the others from being written, and its error is not swallowed', async () => {
  const batch = new AnswerBatch();
  const written: string[] = [];
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown) => uncaught.push(err);
  const listeners = process.listeners('uncaughtException');
  process.removeAllListeners('uncaughtException');
  process.on('uncaughtException', onUncaught);
  try {
    batch.defer(() => written.push('a'));
    batch.defer(() => {
      throw new Error('socket gone');
    });
    batch.defer(() => written.push('c'));
    await nextCheckPhase();
    await nextCheckPhase();
  } finally {
    process.off('uncaughtException', onUncaught);
    for (const l of listeners) process.on('uncaughtException', l);
  }
  assert.deepEqual(written, ['a', 'c']);
  assert.equal((uncaught[0] as Error | undefined)?.message, 'socket gone');
});

it('a write queued while a batch is written goes out in the next batch', async () => {
  const batch = new AnswerBatch();
  const written: string[] = [];
  batch.defer(() => {
    written.push('a');
    batch.defer(() => written.push('late'));
  });
  await nextCheckPhase();
  assert.deepEqual(written, ['a']);
  await nextCheckPhase();
  assert.deepEqual(written, ['a', 'late']);
});
