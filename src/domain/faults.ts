/**
 * @module
 * Fault rules: what they match, what they do, how often. Rules from start-up (config file, env) stay until
 * removed; rules added at run time sit on top of them and `reset()` drops only those (msw's `use`/`resetHandlers`).
 * A function can also carry rules in reserved tags or environment variables, so a test holding only the SDK can ask for faults.
 */
import { FcError, errors } from './errors.ts';

export const FAULT_PHASES = ['api', 'preparation', 'update', 'image', 'coldStart', 'initializer', 'invocation'] as const;
export type FaultPhase = (typeof FAULT_PHASES)[number];

export interface FaultMatch {
  /** SDK action name (x-acs-action), e.g. `GetFunction`; api phase only. */
  readonly operation?: string;
  /** Function name or a glob with `*`. */
  readonly functionName?: string;
  readonly qualifier?: string;
  readonly phase?: FaultPhase;
}

export type FaultEffect =
  /** API/invocation: answer with this error. Preparation/update/initializer: fail with this reason code. */
  | { readonly type: 'error'; readonly code: string; readonly status?: number; readonly message?: string }
  | { readonly type: 'latency'; readonly ms: number }
  /** Preparation/update: stay Pending/InProgress until released through the admin API or for `ms` of clock time. */
  | { readonly type: 'hold'; readonly ms?: number }
  | { readonly type: 'throttle' }
  /** Invocation: the instance dies mid-request. */
  | { readonly type: 'crash' }
  /** Invocation: the function drops to Inactive first, as if idle for weeks. */
  | { readonly type: 'inactive' };

export type FaultSource = 'config' | 'env' | 'admin' | 'function' | 'header';

export interface FaultRuleInput {
  readonly match?: FaultMatch;
  readonly effect: FaultEffect;
  /** How many times it fires; absent = every time. */
  readonly times?: number;
  /** Chance (0–1) that a matching call fires it, drawn from the seeded random source. */
  readonly probability?: number;
  readonly description?: string;
}

export interface FaultRule extends FaultRuleInput {
  readonly id: string;
  readonly source: FaultSource;
  readonly fired: number;
  readonly remaining?: number;
}

export interface FaultContext {
  readonly phase: FaultPhase;
  readonly operation?: string;
  readonly functionName?: string;
  readonly qualifier?: string;
}

/** Small seeded PRNG (mulberry32): probabilistic faults repeat run after run for a given seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `*` matches any run of characters. Greedy with one resume point (the last star), so O(pattern × value) at worst:
 * the `.*` regex this replaced backtracked exponentially (`*a*a*a*b` against a long name stalled the server for seconds).
 */
export function globMatches(pattern: string, value: string): boolean {
  let p = 0;
  let v = 0;
  let star = -1;
  let resume = 0;
  while (v < value.length) {
    if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = v;
    } else if (p < pattern.length && pattern[p] === value[v]) {
      p++;
      v++;
    } else if (star >= 0) {
      p = star + 1;
      v = ++resume;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

export function validateRule(input: FaultRuleInput): void {
  const bad = (m: string) => errors.invalidArgument(`invalid fault rule: ${m}`);
  if (input.times !== undefined && !(Number.isInteger(input.times) && input.times > 0)) throw bad('times must be a positive integer');
  if (input.probability !== undefined && !(input.probability >= 0 && input.probability <= 1)) throw bad('probability must be between 0 and 1');
  if (input.match?.phase && !FAULT_PHASES.includes(input.match.phase)) throw bad(`unknown phase '${input.match.phase}'`);
  const e = input.effect;
  if ((e.type === 'latency' && !(e.ms >= 0)) || (e.type === 'hold' && e.ms !== undefined && !(e.ms >= 0))) throw bad('ms must be >= 0');
  if (e.type === 'error' && !e.code) throw bad('an error effect needs a code');
}

export class FaultEngine {
  #rules: Array<FaultRule & { remaining?: number }> = [];
  #counter = 0;

  constructor(private readonly random: () => number = seededRandom(1)) {}

  add(input: FaultRuleInput, source: FaultSource): FaultRule {
    validateRule(input);
    const rule: FaultRule = {
      ...input,
      id: `fault-${++this.#counter}`,
      source,
      fired: 0,
      ...(input.times !== undefined ? { remaining: input.times } : {}),
    };
    // Newest first: a run-time override wins over a start-up rule for the same call.
    this.#rules.unshift(rule);
    return rule;
  }

  list(): FaultRule[] {
    return this.#rules.map((r) => ({ ...r }));
  }

  remove(id: string): boolean {
    const before = this.#rules.length;
    this.#rules = this.#rules.filter((r) => r.id !== id);
    return this.#rules.length !== before;
  }

  /** Drops rules added at run time; start-up rules (config, env) stay, as msw's resetHandlers() keeps the initial handlers. */
  reset(all = false): void {
    this.#rules = all ? [] : this.#rules.filter((r) => r.source === 'config' || r.source === 'env');
  }

  /** Whether any rule could match a call in `phase` (one without a phase matches every phase). Lets hot paths skip `take`. */
  hasRulesFor(phase: FaultPhase): boolean {
    for (const rule of this.#rules) if (!rule.match?.phase || rule.match.phase === phase) return true;
    return false;
  }

  /**
   * Finds the first rule that matches and fires (probability), consumes one of its `times`, and returns it.
   * `extra` are rules carried by the function itself (tags/env), consulted after the engine's own.
   */
  take(ctx: FaultContext, extra: readonly FaultRuleInput[] = []): FaultRule | undefined {
    for (const rule of this.#rules) {
      if (!matches(rule.match, ctx) || !this.#fires(rule)) continue;
      const fired = { ...rule, fired: rule.fired + 1, ...(rule.remaining !== undefined ? { remaining: rule.remaining - 1 } : {}) };
      const i = this.#rules.indexOf(rule);
      if (fired.remaining === 0) this.#rules.splice(i, 1);
      else this.#rules[i] = fired;
      return fired;
    }
    for (const [i, input] of extra.entries()) {
      if (matches(input.match, ctx) && (input.probability === undefined || this.random() < input.probability)) {
        return { ...input, id: `function-${i + 1}`, source: 'function', fired: 1 };
      }
    }
    return undefined;
  }

  #fires(rule: FaultRule): boolean {
    return rule.probability === undefined || this.random() < rule.probability;
  }
}

function matches(m: FaultMatch | undefined, ctx: FaultContext): boolean {
  if (!m) return true;
  if (m.phase && m.phase !== ctx.phase) return false;
  if (m.operation && m.operation !== ctx.operation) return false;
  if (m.functionName && !(ctx.functionName && globMatches(m.functionName, ctx.functionName))) return false;
  if (m.qualifier && m.qualifier !== (ctx.qualifier ?? 'LATEST')) return false;
  return true;
}

/** Reserved names a function can carry: tag `localfc:fault:<phase>` or environment variable `LOCALFC_FAULT_<PHASE>`. */
export const FUNCTION_FAULT_TAG_PREFIX = 'localfc:fault:';
export const FUNCTION_FAULT_ENV_PREFIX = 'LOCALFC_FAULT_';

/**
 * Parses the short form used in tags, env and the CLI: `error:CODE[:message]`, `latency:MS`, `hold[:MS]`,
 * `throttle`, `crash`, `inactive`.
 */
export function parseEffect(spec: string): FaultEffect {
  const [kind, ...rest] = spec.trim().split(':');
  const arg = rest.join(':');
  const num = (what: string) => {
    const n = Number(arg);
    if (!arg || !Number.isFinite(n) || n < 0) throw errors.invalidArgument(`fault '${spec}': ${what} must be a number of milliseconds`);
    return n;
  };
  switch (kind) {
    case 'error': {
      const [code, ...msg] = arg.split(':');
      if (!code) throw errors.invalidArgument(`fault '${spec}': error needs a code, e.g. error:ImageAccessDenied`);
      return msg.length ? { type: 'error', code, message: msg.join(':') } : { type: 'error', code };
    }
    case 'latency':
      return { type: 'latency', ms: num('latency') };
    case 'hold':
      return arg ? { type: 'hold', ms: num('hold') } : { type: 'hold' };
    case 'throttle':
    case 'crash':
    case 'inactive':
      return { type: kind };
    default:
      throw errors.invalidArgument(`unknown fault '${spec}': use error:CODE, latency:MS, hold[:MS], throttle, crash or inactive`);
  }
}

/**
 * Rules carried by a function's tags and environment variables. With `strict`, a malformed one throws
 * InvalidArgument (used at create/update, so a typo does not silently do nothing); otherwise it is skipped.
 */
export function functionFaults(
  tags: ReadonlyArray<{ Key: string; Value: string }>,
  env: Readonly<Record<string, string>>,
  strict = false,
): FaultRuleInput[] {
  const out: FaultRuleInput[] = [];
  const add = (name: string, phaseName: string, value: string) => {
    try {
      out.push({ match: { phase: phaseNamed(phaseName, name) }, effect: parseEffect(value) });
    } catch (e) {
      if (strict) throw e;
    }
  };
  for (const t of tags) if (t.Key.startsWith(FUNCTION_FAULT_TAG_PREFIX)) add(`tag ${t.Key}`, t.Key.slice(FUNCTION_FAULT_TAG_PREFIX.length), t.Value);
  for (const [k, v] of Object.entries(env)) if (k.startsWith(FUNCTION_FAULT_ENV_PREFIX)) add(`environment variable ${k}`, k.slice(FUNCTION_FAULT_ENV_PREFIX.length), v);
  return out;
}

/** A phase by name, case-insensitive and ignoring underscores (env names: COLD_START → coldStart). */
export function phaseNamed(phaseName: string, where: string): FaultPhase {
  const phase = FAULT_PHASES.find((p) => p.toLowerCase() === phaseName.toLowerCase().replace(/_/g, ''));
  if (!phase) throw errors.invalidArgument(`${where}: unknown fault phase '${phaseName}' (one of ${FAULT_PHASES.join(', ')})`);
  return phase;
}

/** `phase[@functionGlob]=effect`, e.g. `preparation=error:ImageAccessDenied` or `invocation@orders-*=latency:200`. */
export function parseFaultSpec(spec: string): FaultRuleInput {
  const eq = spec.indexOf('=');
  if (eq < 0) throw errors.invalidArgument(`fault '${spec}' must look like phase=effect, e.g. preparation=error:ImageAccessDenied`);
  const [phaseName = '', fnGlob] = spec.slice(0, eq).split('@');
  return { match: { phase: phaseNamed(phaseName, `fault '${spec}'`), ...(fnGlob ? { functionName: fnGlob } : {}) }, effect: parseEffect(spec.slice(eq + 1)) };
}

/** The error response an `error` effect asks for (API and invocation phases). */
export function faultError(rule: FaultRule & { effect: Extract<FaultEffect, { type: 'error' }> }, what: string): FcError {
  return new FcError(rule.effect.code, rule.effect.status ?? 500, rule.effect.message ?? `injected ${what} by fault rule ${rule.id}`);
}
