// The fault model on its own: the phase/effect table, the engine's bookkeeping, and the one place effects act.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.ts';
import { FcError } from '../../src/domain/errors.ts';
import { applyFault } from '../../src/domain/faults/effects.ts';
import { FaultEngine, type FaultRule } from '../../src/domain/faults/engine.ts';
import { FAULT_PHASES, PHASE_EFFECTS, functionFaults, parseFaultSpec } from '../../src/domain/faults/rules.ts';
import { SCENARIOS } from '../../src/domain/faults/scenarios.ts';

const invalid = (re: RegExp) => (e: unknown) => e instanceof FcError && e.code === 'InvalidArgument' && re.test(e.message);

describe('the phase/effect table', () => {
  it('refuses, from every source, a rule its phase cannot carry out, naming what can', () => {
    const engine = new FaultEngine();
    assert.throws(() => engine.add({ match: { phase: 'invocation' }, effect: { type: 'hold' } }, 'admin'), invalid(/invocation phase cannot carry out the 'hold' effect: it supports error, latency, throttle, crash, inactive/));
    assert.throws(() => parseFaultSpec('preparation=throttle'), invalid(/preparation phase cannot carry out the 'throttle' effect: it supports error, latency, hold \('throttle' works in api, invocation\)/));
    assert.throws(() => functionFaults([], { LOCALFC_FAULT_COLD_START: 'inactive' }, true), invalid(/environment variable LOCALFC_FAULT_COLD_START: the coldStart phase cannot carry out the 'inactive'/));
    assert.deepEqual(functionFaults([], { LOCALFC_FAULT_COLD_START: 'inactive' }), [], 'skipped when not strict');
    assert.deepEqual(engine.list(), []);
  });

  it('every scenario is a rule the table accepts, and every effect works in some phase', () => {
    const engine = new FaultEngine();
    for (const s of Object.values(SCENARIOS)) for (const r of s.rules) engine.add(r, 'config');
    const used = new Set(FAULT_PHASES.flatMap((p) => PHASE_EFFECTS[p]));
    assert.deepEqual([...used].sort(), ['crash', 'error', 'hold', 'inactive', 'latency', 'throttle']);
  });

  it('the short form takes latency:MS:clock', () => {
    assert.deepEqual(parseFaultSpec('invocation@orders-*=latency:200:clock').effect, { type: 'latency', ms: 200, clock: true });
    assert.deepEqual(parseFaultSpec('invocation=latency:200').effect, { type: 'latency', ms: 200 });
    assert.throws(() => parseFaultSpec('invocation=latency:200:wall'), invalid(/latency:MS:clock/));
  });
});

describe('FaultEngine', () => {
  it('a phase-less rule is offered only to phases that support its effect', () => {
    const engine = new FaultEngine();
    engine.add({ effect: { type: 'hold' } }, 'admin');
    assert.equal(engine.take({ phase: 'api' }), undefined);
    assert.equal(engine.take({ phase: 'invocation', functionName: 'f' }), undefined);
    assert.equal(engine.take({ phase: 'update', functionName: 'f' })?.effect.type, 'hold');
  });

  it('a spent times: N rule stays listed with its count and never fires again', () => {
    const engine = new FaultEngine();
    const rule = engine.add({ match: { phase: 'api' }, effect: { type: 'throttle' }, times: 2 }, 'admin');
    assert.equal(engine.take({ phase: 'api' })?.remaining, 1);
    assert.equal(engine.take({ phase: 'api' })?.spent, true);
    assert.equal(engine.take({ phase: 'api' }), undefined);
    assert.equal(engine.hasRulesFor('api'), false);
    assert.deepEqual(engine.list().map((r) => [r.id, r.fired, r.remaining, r.spent]), [[rule.id, 2, 0, true]]);
  });

  it("a function's own rules fire every time, except inactive: once for the configuration carrying it", () => {
    const engine = new FaultEngine();
    const carried = functionFaults([{ Key: 'localfc:fault:invocation', Value: 'inactive' }], { LOCALFC_FAULT_API: 'throttle' });
    const ctx = { phase: 'invocation' as const, functionName: 'f' };
    assert.deepEqual([engine.take(ctx, carried)?.effect.type, engine.take(ctx, carried)], ['inactive', undefined]);
    for (let i = 1; i <= 3; i++) assert.equal(engine.take({ phase: 'api' }, carried)?.fired, i);
    const next = functionFaults([{ Key: 'localfc:fault:invocation', Value: 'inactive' }], {});
    assert.equal(engine.take(ctx, next)?.effect.type, 'inactive', 'a new configuration carries it afresh');
  });
});

describe('applyFault', () => {
  const rule = (effect: FaultRule['effect']): FaultRule => ({ effect, id: 'fault-9', source: 'admin', fired: 1, spent: false });
  const failure = (p: Promise<void>) => p.then(() => assert.fail('expected a failure'), (e: FcError) => [e.code, e.status, e.message]);

  it('fails as each phase fails', async () => {
    const clock = new ManualClock();
    assert.deepEqual(await failure(applyFault(rule({ type: 'crash' }), { phase: 'invocation', clock })), [
      'BadResponse', 502, 'the function instance crashed while handling the request (injected by fault rule fault-9)',
    ]);
    assert.deepEqual(await failure(applyFault(rule({ type: 'crash' }), { phase: 'coldStart', clock })), ['CAExited', 412, 'injected coldStart failure (CAExited) by fault rule fault-9']);
    assert.deepEqual(await failure(applyFault(rule({ type: 'crash' }), { phase: 'initializer', clock })), ['InitializationError', 502, 'injected initializer failure (InitializationError) by fault rule fault-9']);
    assert.deepEqual(await failure(applyFault(rule({ type: 'error', code: 'Boom' }), { phase: 'api', clock })), ['Boom', 500, 'injected api failure (Boom) by fault rule fault-9']);
    assert.deepEqual(await failure(applyFault(rule({ type: 'error', code: 'Boom', status: 503, message: 'm' }), { phase: 'coldStart', clock })), ['Boom', 503, 'm']);
    assert.deepEqual((await failure(applyFault(rule({ type: 'throttle' }), { phase: 'invocation', clock }))).slice(0, 2), ['ResourceThrottled', 503]);
  });

  it('hold and inactive use the means the phase lends', async () => {
    const clock = new ManualClock();
    const seen: unknown[] = [];
    await applyFault(rule({ type: 'hold', ms: 7 }), { phase: 'preparation', clock, hold: async (ms) => void seen.push(['hold', ms]) });
    await applyFault(rule({ type: 'inactive' }), { phase: 'invocation', clock, dropToInactive: () => void seen.push('inactive') });
    assert.deepEqual(seen, [['hold', 7], 'inactive']);
  });

  it('on the manual clock a call\'s latency passes without the clock; a state\'s latency and clock: true wait for it', async () => {
    const clock = new ManualClock();
    await applyFault(rule({ type: 'latency', ms: 20 }), { phase: 'invocation', clock });
    assert.deepEqual(clock.pendingTimers(), [], 'resolved with no timer and no advance');

    for (const [effect, phase] of [[{ type: 'latency', ms: 500, clock: true }, 'api'], [{ type: 'latency', ms: 500 }, 'preparation']] as const) {
      let done = false;
      const waiting = applyFault(rule(effect), { phase, clock }).then(() => (done = true));
      assert.deepEqual(clock.pendingTimers().map((t) => t.label), [`${phase} latency fault`]);
      await clock.advance(499);
      assert.equal(done, false);
      await clock.advance(1);
      await waiting;
    }
  });
});

describe('scenario descriptions say what the rules do', () => {
  it('cold-start-latency: a call waits real time on the manual clock (its rule does not ask for the clock), and the text says so', async () => {
    const [rule] = SCENARIOS['cold-start-latency']!.rules;
    assert.equal(rule!.effect.type === 'latency' && rule!.effect.clock, undefined);
    assert.match(SCENARIOS['cold-start-latency']!.description, /real time on the manual clock/);
    // The manual clock never moves here, yet the latency ends: it was real time.
    const clock = new ManualClock(0);
    await applyFault({ ...rule!, id: 'r', source: 'config', fired: 0 } as unknown as FaultRule, { phase: 'coldStart', clock });
    assert.equal(clock.now(), 0);
  });
});
