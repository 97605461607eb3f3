/**
 * @module
 * Named scenarios: the common faults, each one line to turn on (`--scenario slow-preparation`, LOCALFC_SCENARIO,
 * or POST /_localfc/scenarios/{name}). Each expands to ordinary fault rules, so it shows up and is removed like any rule.
 */
import { errors } from '../errors.ts';
import type { FaultRuleInput } from './rules.ts';
import { ReasonCode } from '../reason-codes.ts';

export const SCENARIOS: Readonly<Record<string, { readonly description: string; readonly rules: readonly FaultRuleInput[] }>> = {
  'slow-preparation': {
    description: 'every preparation takes 30 s longer (clock time): functions stay Pending for a while',
    rules: [{ match: { phase: 'preparation' }, effect: { type: 'latency', ms: 30_000 } }],
  },
  'preparation-failure': {
    // No message of its own: the default names the phase and the rule, true for a code package as for an image.
    description: 'the next preparation fails (reason code ImageAccessDenied)',
    rules: [{ match: { phase: 'preparation' }, effect: { type: 'error', code: ReasonCode.ImageAccessDenied }, times: 1 }],
  },
  'update-failure': {
    description: 'the next update fails: lastUpdateStatus Failed, the previous code keeps serving',
    rules: [{ match: { phase: 'update' }, effect: { type: 'error', code: ReasonCode.InvalidConfiguration, message: 'the update could not be applied' }, times: 1 }],
  },
  'stuck-pending': {
    description: 'new functions stay Pending until released (POST /_localfc/functions/{name}/release)',
    rules: [{ match: { phase: 'preparation' }, effect: { type: 'hold' } }],
  },
  'stuck-update': {
    description: 'updates stay InProgress until released',
    rules: [{ match: { phase: 'update' }, effect: { type: 'hold' } }],
  },
  'idle-to-inactive': {
    description: 'the next invocation finds the function Inactive (it fails and re-prepares the function)',
    rules: [{ match: { phase: 'invocation' }, effect: { type: 'inactive' }, times: 1 }],
  },
  throttling: {
    description: 'every invocation is throttled (503 ResourceThrottled)',
    rules: [{ match: { phase: 'invocation' }, effect: { type: 'throttle' } }],
  },
  'cold-start-latency': {
    description: 'cold starts take 2 s longer (real time on the manual clock, which a waiting call cannot advance; clock time otherwise); warm invocations are unaffected',
    rules: [{ match: { phase: 'coldStart' }, effect: { type: 'latency', ms: 2000 } }],
  },
  'flaky-invocations': {
    description: 'a seeded 20% of invocations fail with a 502 BadResponse',
    rules: [{ match: { phase: 'invocation' }, effect: { type: 'error', code: 'BadResponse', status: 502, message: 'injected flaky invocation' }, probability: 0.2 }],
  },
};

export function scenarioRules(name: string): readonly FaultRuleInput[] {
  // own keys only: '__proto__' or 'constructor' must not find Object.prototype's members
  const s = Object.hasOwn(SCENARIOS, name) ? SCENARIOS[name] : undefined;
  if (!s) throw errors.invalidArgument(`unknown scenario '${name}': one of ${Object.keys(SCENARIOS).join(', ')}`);
  return s.rules.map((r) => ({ ...r, description: `scenario ${name}: ${s.description}` }));
}
