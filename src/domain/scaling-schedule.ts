/**
 * @module
 * Scheduled scaling policies, pure: which warm target applies at a time, and when that can next change.
 * A policy fires on its `scheduleExpression` (`cron(<six fields>)`, `at(<time>)`, or what cron.ts parses bare:
 * six fields or `@every`) and from its firing sets the target until another policy fires, within
 * [startTime, endTime). With no policy in effect the base (`minInstances`) applies.
 */
import { type Schedule, isTimeZone, nextAfter, offsetMs, parseSchedule } from './cron.ts';

export class ScheduleError extends Error {}

export type Firing = { readonly kind: 'at'; readonly at: number } | { readonly kind: 'schedule'; readonly schedule: Schedule };

export interface ScheduledPolicy {
  readonly name: string;
  readonly target: number;
  readonly firing: Firing;
  /** ms since the epoch; firings before it do not count. */
  readonly start?: number;
  /** ms since the epoch; from it on the policy no longer applies. */
  readonly end?: number;
}

// How far back a policy without startTime looks for its last firing: a yearly cron still applies.
const LOOKBACK_MS = 366 * 86_400_000;

/** Validates and compiles `scheduledPolicies` as stored; entries without an expression or target are left out (stored only). */
export function compilePolicies(raw: readonly Record<string, unknown>[] | undefined): ScheduledPolicy[] {
  return (raw ?? []).flatMap((p, i) => {
    const name = typeof p.name === 'string' ? p.name : `#${i}`;
    if (typeof p.scheduleExpression !== 'string' || typeof p.target !== 'number') return [];
    try {
      return [compileOne(name, p.scheduleExpression, p.target, p)];
    } catch (e) {
      throw new ScheduleError(`scheduledPolicies[${i}] (${name}): ${e instanceof Error ? e.message : String(e)}`);
    }
  });
}

function compileOne(name: string, expression: string, target: number, p: Record<string, unknown>): ScheduledPolicy {
  const zone = typeof p.timeZone === 'string' && p.timeZone !== '' ? p.timeZone : undefined;
  if (zone && !isTimeZone(zone)) throw new Error(`unknown timeZone '${zone}'`);
  const start = typeof p.startTime === 'string' && p.startTime !== '' ? parseTime(p.startTime, zone, 'startTime') : undefined;
  const end = typeof p.endTime === 'string' && p.endTime !== '' ? parseTime(p.endTime, zone, 'endTime') : undefined;
  if (start !== undefined && end !== undefined && end <= start) throw new Error('endTime must be after startTime');
  return { name, target, firing: parseFiring(expression.trim(), zone), ...(start !== undefined ? { start } : {}), ...(end !== undefined ? { end } : {}) };
}

function parseFiring(expr: string, zone: string | undefined): Firing {
  const wrapped = /^(cron|at)\((.*)\)$/s.exec(expr);
  if (wrapped?.[1] === 'at') return { kind: 'at', at: parseTime(wrapped[2]!.trim(), zone, 'at()') };
  const inner = wrapped ? wrapped[2]!.trim() : expr;
  // The policy's timeZone reads the cron fields on that zone's wall clock, as CRON_TZ does for timer triggers.
  const withZone = zone && !inner.startsWith('@') && !inner.startsWith('CRON_TZ=') ? `CRON_TZ=${zone} ${inner}` : inner;
  return { kind: 'schedule', schedule: parseSchedule(withZone) };
}

/** ISO-8601; without an offset (`2024-01-01T09:00:00`, or a space for the T) it is wall-clock time in `zone`, else UTC. */
export function parseTime(text: string, zone: string | undefined, what: string): number {
  const iso = text.replace(' ', 'T');
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(iso)) throw new Error(`${what} '${text}' is not a time such as 2024-03-10T10:10:10Z`);
  const explicit = /(Z|[+-]\d{2}:?\d{2})$/.test(iso);
  const wall = Date.parse(explicit ? iso : `${iso}Z`);
  if (Number.isNaN(wall)) throw new Error(`${what} '${text}' is not a valid time`);
  return explicit || !zone ? wall : wall - offsetMs(zone, wall - offsetMs(zone, wall));
}

/** The target at time `t`: that of the policy that fired last, among those in effect; else `base`. */
export function targetAt(policies: readonly ScheduledPolicy[], base: number, t: number): number {
  let best: { at: number; target: number } | undefined;
  for (const p of policies) {
    if (p.end !== undefined && t >= p.end) continue;
    const at = lastFiring(p, t);
    // On a tie the later policy in the list wins, as if applied after the earlier one.
    if (at !== undefined && (!best || at >= best.at)) best = { at, target: p.target };
  }
  return best ? best.target : base;
}

/** The next time after `t` at which targetAt() can change (a firing or an endTime), if any. */
export function nextChangeAfter(policies: readonly ScheduledPolicy[], t: number): number | undefined {
  let next: number | undefined;
  const offer = (at: number | undefined) => {
    if (at !== undefined && at > t && (next === undefined || at < next)) next = at;
  };
  for (const p of policies) {
    if (p.end !== undefined && t >= p.end) continue;
    const fires = nextFiring(p, t);
    if (fires !== undefined && (p.end === undefined || fires < p.end)) offer(fires);
    offer(p.end);
  }
  return next;
}

/** The latest firing in [start (or t - LOOKBACK_MS), t]. */
export function lastFiring(p: ScheduledPolicy, t: number): number | undefined {
  const lower = p.start ?? t - LOOKBACK_MS;
  if (t < lower) return undefined;
  const f = p.firing;
  if (f.kind === 'at') return f.at >= lower && f.at <= t ? f.at : undefined;
  const s = f.schedule;
  if (s.kind === 'every') {
    // `@every` counts from startTime (else the epoch), so it has firings at fixed times.
    const anchor = p.start ?? 0;
    const at = anchor + Math.floor((t - anchor) / s.everyMs) * s.everyMs;
    return at >= lower ? at : undefined;
  }
  // cron.ts only looks forward: bisect for the last x whose next firing is still <= t; that firing is the answer.
  let lo = lower - 1;
  const first = nextAfter(s, lo);
  if (first === undefined || first > t) return undefined;
  let hi = t;
  while (hi - lo > 1000) {
    const mid = lo + Math.max(1000, Math.floor((hi - lo) / 2000) * 1000);
    const n = nextAfter(s, mid);
    if (n !== undefined && n <= t) lo = mid;
    else hi = mid;
  }
  return nextAfter(s, lo);
}

function nextFiring(p: ScheduledPolicy, t: number): number | undefined {
  const from = p.start !== undefined ? Math.max(t, p.start - 1) : t;
  const f = p.firing;
  if (f.kind === 'at') return f.at > from ? f.at : undefined;
  const s = f.schedule;
  if (s.kind === 'every') {
    const anchor = p.start ?? 0;
    return anchor + (Math.floor((from - anchor) / s.everyMs) + 1) * s.everyMs;
  }
  return nextAfter(s, from);
}
