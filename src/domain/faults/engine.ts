/**
 * @module
 * The fault rules in force, and which one a call meets. Rules from start-up (config file, env) stay until removed;
 * rules added at run time sit on top of them and `reset()` drops only those (msw's `use`/`resetHandlers`). A function
 * can also carry rules in reserved tags or environment variables, so a test holding only the SDK can ask for faults.
 * What a rule is: rules.ts; what it does: effects.ts.
 */
import { type FaultPhase, type FaultRuleInput, type FaultMatch, checkRule, supports } from './rules.ts';

export type FaultSource = 'config' | 'env' | 'admin' | 'function' | 'header';

export type FaultRule = FaultRuleInput & {
  readonly id: string;
  readonly source: FaultSource;
  /** How often it has fired. */
  readonly fired: number;
  /** With `times`: how many firings are left. */
  readonly remaining?: number;
  /** A `times` rule that has fired its last time: still listed (with its `fired` count), never fires again. */
  readonly spent: boolean;
};

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

export class FaultEngine {
  #rules: FaultRule[] = [];
  #counter = 0;
  /** Firings of the rules a function carries, per carried list (a function's tags and variables of one configuration). */
  readonly #carriedFired = new WeakMap<readonly FaultRuleInput[], number[]>();

  constructor(private readonly random: () => number = seededRandom(1)) {}

  add(input: FaultRuleInput, source: FaultSource): FaultRule {
    const checked = checkRule(input);
    const rule: FaultRule = {
      ...checked,
      id: `fault-${++this.#counter}`,
      source,
      fired: 0,
      ...(checked.times !== undefined ? { remaining: checked.times } : {}),
      spent: false,
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
    for (const rule of this.#rules) if (!rule.spent && (!rule.match?.phase || rule.match.phase === phase)) return true;
    return false;
  }

  /**
   * Finds the first rule that matches, can act in this phase and fires (probability), counts the firing, and returns
   * it. `carried` are the rules the function itself carries (tags/env), consulted after the engine's own.
   */
  take(ctx: FaultContext, carried: readonly FaultRuleInput[] = []): FaultRule | undefined {
    for (const [i, rule] of this.#rules.entries()) {
      if (rule.spent || !applies(rule, ctx) || !this.#fires(rule)) continue;
      const remaining = rule.remaining === undefined ? undefined : rule.remaining - 1;
      const fired: FaultRule = { ...rule, fired: rule.fired + 1, ...(remaining !== undefined ? { remaining, spent: remaining === 0 } : {}) };
      this.#rules[i] = fired;
      return fired;
    }
    const counts = this.#carriedFired.get(carried) ?? [];
    for (const [i, input] of carried.entries()) {
      const before = counts[i] ?? 0;
      if ((input.times !== undefined && before >= input.times) || !applies(input, ctx) || !this.#fires(input)) continue;
      counts[i] = before + 1;
      this.#carriedFired.set(carried, counts);
      const remaining = input.times === undefined ? undefined : input.times - before - 1;
      return { ...input, id: `function-${i + 1}`, source: 'function', fired: before + 1, ...(remaining !== undefined ? { remaining } : {}), spent: remaining === 0 };
    }
    return undefined;
  }

  #fires(rule: FaultRuleInput): boolean {
    return rule.probability === undefined || this.random() < rule.probability;
  }
}

/** The rule matches the call and its effect can act in the call's phase (a rule without a phase skips those that cannot). */
function applies(rule: FaultRuleInput, ctx: FaultContext): boolean {
  return matches(rule.match, ctx) && supports(ctx.phase, rule.effect.type);
}

function matches(m: FaultMatch | undefined, ctx: FaultContext): boolean {
  if (!m) return true;
  if (m.phase && m.phase !== ctx.phase) return false;
  if (m.operation && m.operation !== ctx.operation) return false;
  if (m.functionName && !(ctx.functionName && globMatches(m.functionName, ctx.functionName))) return false;
  if (m.qualifier && m.qualifier !== (ctx.qualifier ?? 'LATEST')) return false;
  return true;
}
