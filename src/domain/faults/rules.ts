/**
 * @module
 * What a fault rule is: the one schema (admin API, config file and the short forms all produce it), and the table of
 * which effects each phase can carry out. A rule that could never take effect is refused with what would.
 * Adding an effect: its schema and table entry here, how it acts in fault-effects.ts.
 */
import { z } from 'zod';
import { errors } from '../errors.ts';

export const FAULT_PHASES = ['api', 'preparation', 'update', 'image', 'coldStart', 'initializer', 'invocation'] as const;
export type FaultPhase = (typeof FAULT_PHASES)[number];

export type FaultEffect = FaultRuleInput['effect'];
export type FaultEffectType = FaultEffect['type'];

/** Which effects each phase can carry out. A rule without a phase applies only in the phases that support its effect. */
export const PHASE_EFFECTS: Readonly<Record<FaultPhase, readonly FaultEffectType[]>> = {
  api: ['error', 'latency', 'throttle'],
  preparation: ['error', 'latency', 'hold'],
  update: ['error', 'latency', 'hold'],
  image: ['error', 'latency', 'hold'],
  coldStart: ['error', 'latency', 'crash'],
  initializer: ['error', 'latency', 'crash'],
  invocation: ['error', 'latency', 'throttle', 'crash', 'inactive'],
};

/** Phases whose latency lengthens a state (nobody waits on a call): always clock time. */
export const STATE_PHASES: ReadonlySet<FaultPhase> = new Set(['preparation', 'update', 'image']);

export function supports(phase: FaultPhase, effect: FaultEffectType): boolean {
  return PHASE_EFFECTS[phase].includes(effect);
}

/** Why `effect` cannot take effect in `phase`, listing what can; undefined when it can. */
export function unsupportedEffect(phase: FaultPhase, effect: FaultEffectType): string | undefined {
  if (supports(phase, effect)) return undefined;
  const where = FAULT_PHASES.filter((p) => supports(p, effect));
  return `the ${phase} phase cannot carry out the '${effect}' effect: it supports ${PHASE_EFFECTS[phase].join(', ')} ('${effect}' works in ${where.join(', ')})`;
}

/**
 * The rule schema, built on its first use (the admin API, a config file's or the environment's faults), not by every
 * start-up: its ~60 zod schema objects were a tenth of what a start-up built before its first answer (issue 16).
 */
function buildRuleSchema() {
  const ms = z.number().min(0);
  const effect = z.discriminatedUnion('type', [
    /** API/invocation: answer with this error. Preparation/update/image: fail with this reason code. Cold start/initializer: the start fails with it. */
    z.object({ type: z.literal('error'), code: z.string().min(1), status: z.number().int().min(400).max(599).optional(), message: z.string().optional() }),
    /**
     * Slower by `ms`. Preparation/update/image: that much more clock time in Pending/InProgress. A call (api, invocation,
     * coldStart, initializer): its answer comes `ms` later; on the manual clock in real time unless `clock` is set, which
     * parks the call until the clock is advanced past it (docs/behaviour.md, "latency on the manual clock").
     */
    z.object({ type: z.literal('latency'), ms, clock: z.boolean().optional() }),
    /** Preparation/update/image: stay Pending/InProgress until released through the admin API, or for `ms` of clock time. */
    z.object({ type: z.literal('hold'), ms: ms.optional() }),
    /** API/invocation: 503 ResourceThrottled. */
    z.object({ type: z.literal('throttle') }),
    /** Invocation: the instance dies mid-request. Cold start/initializer: the instance dies starting. */
    z.object({ type: z.literal('crash') }),
    /** Invocation: the function drops to Inactive first, as if idle for weeks. */
    z.object({ type: z.literal('inactive') }),
  ]);
  return z
    .object({
      match: z
        .object({
          /** FC operation name (as the SDKs send it in x-acs-action), e.g. `GetFunction`, matched by the route taken; api phase only. */
          operation: z.string().optional(),
          /** Function name or a glob with `*`. */
          functionName: z.string().optional(),
          qualifier: z.string().optional(),
          phase: z.enum(FAULT_PHASES).optional(),
        })
        .optional(),
      effect,
      /** How many times it fires; absent = every time. */
      times: z.number().int().min(1).optional(),
      /** Chance (0–1) that a matching call fires it, drawn from the seeded random source. */
      probability: z.number().min(0).max(1).optional(),
      description: z.string().optional(),
    })
    .superRefine((rule, ctx) => {
      const phase = rule.match?.phase;
      const problem = phase ? unsupportedEffect(phase, rule.effect.type) : undefined;
      if (problem) ctx.addIssue({ code: 'custom', path: ['effect', 'type'], message: problem });
    });
}

let ruleSchema: ReturnType<typeof buildRuleSchema> | undefined;

/** The one schema of a fault rule (admin API, config file and the short forms all produce it). */
export function faultRuleSchema(): ReturnType<typeof buildRuleSchema> {
  return (ruleSchema ??= buildRuleSchema());
}

export type FaultRuleInput = z.infer<ReturnType<typeof faultRuleSchema>>;
export type FaultMatch = NonNullable<FaultRuleInput['match']>;

/** Validates a rule from any source; InvalidArgument naming the first problems otherwise. */
export function checkRule(input: unknown): FaultRuleInput {
  const r = faultRuleSchema().safeParse(input);
  if (r.success) return r.data;
  throw errors.invalidArgument(`invalid fault rule: ${r.error.issues.slice(0, 3).map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ')}`);
}

// ---- the short forms: `phase[@functionGlob]=effect` (env, CLI) and a function's own tags and variables ----

/** Reserved names a function can carry: tag `localfc:fault:<phase>` or environment variable `LOCALFC_FAULT_<PHASE>`. */
export const FUNCTION_FAULT_TAG_PREFIX = 'localfc:fault:';
export const FUNCTION_FAULT_ENV_PREFIX = 'LOCALFC_FAULT_';

/**
 * Parses the short form used in tags, env and the CLI: `error:CODE[:message]`, `latency:MS[:clock]`, `hold[:MS]`,
 * `throttle`, `crash`, `inactive`.
 */
export function parseEffect(spec: string): FaultEffect {
  const [kind, ...rest] = spec.trim().split(':');
  const arg = rest.join(':');
  const num = (what: string, text = arg) => {
    const n = Number(text);
    if (!text || !Number.isFinite(n) || n < 0) throw errors.invalidArgument(`fault '${spec}': ${what} must be a number of milliseconds`);
    return n;
  };
  switch (kind) {
    case 'error': {
      const [code, ...msg] = arg.split(':');
      if (!code) throw errors.invalidArgument(`fault '${spec}': error needs a code, e.g. error:ImageAccessDenied`);
      return msg.length ? { type: 'error', code, message: msg.join(':') } : { type: 'error', code };
    }
    case 'latency': {
      const [amount = '', onClock, ...extra] = rest;
      if (extra.length || (onClock !== undefined && onClock !== 'clock')) throw errors.invalidArgument(`fault '${spec}': use latency:MS, or latency:MS:clock to wait on the manual clock`);
      return onClock ? { type: 'latency', ms: num('latency', amount), clock: true } : { type: 'latency', ms: num('latency', amount) };
    }
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
  return checkRule({ match: { phase: phaseNamed(phaseName, `fault '${spec}'`), ...(fnGlob ? { functionName: fnGlob } : {}) }, effect: parseEffect(spec.slice(eq + 1)) });
}

/**
 * Rules carried by a function's tags and environment variables. They fire every time, except `inactive`: once for
 * the configuration that carries it, so the function can become Active again (as idleness would let it). With
 * `strict`, a malformed one throws InvalidArgument (used at create/update, so a typo does not silently do nothing);
 * otherwise it is skipped.
 */
export function functionFaults(
  tags: ReadonlyArray<{ Key: string; Value: string }>,
  env: Readonly<Record<string, string>>,
  strict = false,
): FaultRuleInput[] {
  const out: FaultRuleInput[] = [];
  const add = (name: string, phaseName: string, value: string) => {
    try {
      const effect = parseEffect(value);
      const phase = phaseNamed(phaseName, name);
      const problem = unsupportedEffect(phase, effect.type);
      if (problem) throw errors.invalidArgument(`${name}: ${problem}`);
      out.push({ match: { phase }, effect, ...(effect.type === 'inactive' ? { times: 1 } : {}) });
    } catch (e) {
      if (strict) throw e;
    }
  };
  for (const t of tags) if (t.Key.startsWith(FUNCTION_FAULT_TAG_PREFIX)) add(`tag ${t.Key}`, t.Key.slice(FUNCTION_FAULT_TAG_PREFIX.length), t.Value);
  for (const [k, v] of Object.entries(env)) if (k.startsWith(FUNCTION_FAULT_ENV_PREFIX)) add(`environment variable ${k}`, k.slice(FUNCTION_FAULT_ENV_PREFIX.length), v);
  return out;
}
