/**
 * @module
 * The one place a fault's effect acts. Each phase hands over its own means (how it holds, how it drops to Inactive);
 * what the effect does with them, and the error it fails with, is decided here. rules.ts says which phase supports
 * which effect, and the engine only hands a phase the rules it supports.
 */
import { setTimeout as realDelay } from 'node:timers/promises';
import { type Clock, sleep } from '../../clock.ts';
import { FcError, errors } from '../errors.ts';
import { statusOf } from '../fc-statuses.ts';
import type { FaultRule } from './engine.ts';
import { type FaultPhase, STATE_PHASES } from './rules.ts';
import { InstanceErrorCode } from '../reason-codes.ts';

/** What a phase lends an effect. */
export interface FaultSite {
  readonly phase: FaultPhase;
  readonly clock: Clock;
  /** Waits clock time in a way the phase can cancel (preparations); default: a plain clock sleep. */
  readonly sleep?: (ms: number, label: string) => Promise<void>;
  /** `hold`: stays put until released, or for `ms` of clock time. */
  readonly hold?: (ms: number | undefined) => Promise<void>;
  /** `inactive`: the function drops to Inactive. */
  readonly dropToInactive?: () => void;
}

/**
 * How a failure surfaces per phase where the rule does not say: the code a crash gives, and the status of a code FC's
 * error pages give none for (a known code takes FC's, fc-statuses.ts: a crashed cold start is 412 CAExited).
 */
const FAILURE: Readonly<Record<FaultPhase, { readonly crashCode: string; readonly status: number }>> = {
  api: { crashCode: 'InternalServerError', status: 500 },
  preparation: { crashCode: 'InternalServerError', status: 500 },
  update: { crashCode: 'InternalServerError', status: 500 },
  image: { crashCode: 'InternalServerError', status: 500 },
  invocation: { crashCode: 'BadResponse', status: 500 },
  coldStart: { crashCode: InstanceErrorCode.CAExited, status: 502 },
  initializer: { crashCode: InstanceErrorCode.InitializationError, status: 502 },
};

/**
 * Carries out `rule`'s effect in `site`'s phase: resolves once a delay or hold is over, throws the FcError a failing
 * effect stands for (the phase turns it into its own kind of failure: an error answer, a Failed state, a failed start).
 */
export async function applyFault(rule: FaultRule, site: FaultSite): Promise<void> {
  const { effect } = rule;
  const { phase } = site;
  const by = `by fault rule ${rule.id}`;
  switch (effect.type) {
    case 'latency':
      // The manual clock moves only when told: a caller waiting on it would hang, so a call's latency is real time
      // there unless the rule asks for the clock. A state's latency (nobody waits on a call) is always clock time.
      if (site.clock.kind === 'manual' && !effect.clock && !STATE_PHASES.has(phase)) return void (await realDelay(effect.ms));
      return (site.sleep ?? ((ms, label) => sleep(site.clock, ms, label)))(effect.ms, `${phase} latency fault`);
    case 'hold':
      return required(site.hold, rule, phase)(effect.ms);
    case 'inactive':
      return required(site.dropToInactive, rule, phase)();
    case 'error':
      throw new FcError(effect.code, effect.status ?? statusOf(effect.code, FAILURE[phase].status), effect.message ?? `injected ${phase} failure (${effect.code}) ${by}`);
    case 'throttle':
      throw errors.throttled(phase === 'invocation' ? `Reserve resource exceeded limit (injected ${by})` : `request throttled (injected ${by})`);
    case 'crash': {
      const code = FAILURE[phase].crashCode;
      throw new FcError(code, statusOf(code, 502), phase === 'invocation' ? `the function instance crashed while handling the request (injected ${by})` : `injected ${phase} failure (${code}) ${by}`);
    }
    default:
      return unreachable(effect);
  }
}

/** The phase table promised this phase supports the effect: a missing means is a wiring bug, not a user error. */
function required<T>(means: T | undefined, rule: FaultRule, phase: FaultPhase): T {
  // A plain Error: answered as an internal error and logged with its stack (api/errors.ts), as a bug is.
  if (means === undefined) throw new Error(`fault rule ${rule.id}: the ${phase} phase has no means for '${rule.effect.type}'`);
  return means;
}

function unreachable(effect: never): never {
  throw new Error(`unknown fault effect ${JSON.stringify(effect)}`);
}
