/**
 * @module
 * FC timer schedules, pure: `@every 1h30m` and six-field cron (seconds first), in UTC or a `CRON_TZ=<zone>` prefix.
 * parseSchedule() checks the expression against what FC documents and throws a CronError naming the field;
 * nextAfter() gives the first firing strictly after a time. The calendar work (months, days, time zones and
 * daylight-saving changes) is croner's, asked as a pure function of a date: no croner timer ever runs.
 */
import { Cron } from 'croner';

export class CronError extends Error {}

export type Schedule =
  | { readonly kind: 'every'; readonly everyMs: number }
  | { readonly kind: 'cron'; readonly expression: string; readonly timeZone?: string; readonly cron: Cron };

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000 };

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Names for min, min+1, … */
  readonly names?: readonly string[];
}

const SPECS: readonly FieldSpec[] = [
  { name: 'seconds', min: 0, max: 59 },
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  // 7 is accepted as Sunday too, as most crons (and croner) do.
  { name: 'day-of-week', min: 0, max: 7, names: DAYS },
];

export function parseSchedule(expression: string): Schedule {
  let expr = expression.trim();
  if (expr.startsWith('@every')) return { kind: 'every', everyMs: parseEvery(expr.slice('@every'.length).trim()) };
  let timeZone: string | undefined;
  const tz = /^CRON_TZ=(\S+)\s+/.exec(expr);
  if (tz) {
    timeZone = tz[1]!;
    if (!isTimeZone(timeZone)) throw new CronError(`unknown time zone '${timeZone}' in CRON_TZ`);
    expr = expr.slice(tz[0].length);
  }
  if (expr.startsWith('@')) throw new CronError(`'${expr.split(/\s/)[0]}' is not supported: use '@every <duration>' or six cron fields`);
  const parts = expr.split(/\s+/);
  if (parts.length !== 6) throw new CronError(`expected six fields (seconds minutes hours day-of-month month day-of-week), got ${parts.length}`);
  // FC's forms only (croner also takes L, W, # and a year field, which FC refuses); messages name FC's fields.
  parts.forEach((p, i) => checkField(p, SPECS[i]!, i === 3 || i === 5));
  const zone = timeZone && !isUtc(timeZone) ? timeZone : undefined;
  const fields = parts.join(' ');
  let cron: Cron;
  try {
    // domAndDow false: both day fields restricted means either matches, as in standard cron. sloppyRanges: `5/15`.
    cron = new Cron(fields, { mode: '6-part', timezone: zone ?? 'Etc/UTC', domAndDow: false, sloppyRanges: true, paused: true });
  } catch (e) {
    throw new CronError((e as Error).message.replace(/^CronPattern: /, ''));
  }
  return zone ? { kind: 'cron', expression: fields, timeZone: zone, cron } : { kind: 'cron', expression: fields, cron };
}

/** Go duration units FC accepts: `1h30m`, `90s`, `5m`. */
function parseEvery(d: string): number {
  if (!/^(\d+[hms])+$/.test(d)) throw new CronError(`'@every ${d}' is not a duration such as 5m, 1h30m or 90s (units h, m, s)`);
  let ms = 0;
  for (const [, n, unit] of d.matchAll(/(\d+)([hms])/g)) ms += Number(n) * UNIT_MS[unit!]!;
  if (ms <= 0) throw new CronError(`'@every ${d}' must be longer than zero`);
  return ms;
}

/** Values, ranges, lists and steps, month and day names, `?` in the day fields: FC's timer-trigger syntax. */
function checkField(field: string, spec: FieldSpec, allowQuestion: boolean): void {
  const fail = (why: string) => new CronError(`${spec.name} field '${field}': ${why}`);
  if (field === '?') {
    if (!allowQuestion) throw fail(`'?' is only allowed in day-of-month and day-of-week`);
    return;
  }
  for (const item of field.split(',')) {
    const m = /^(\*|[0-9A-Za-z]+(?:-[0-9A-Za-z]+)?)(?:\/(\d+))?$/.exec(item);
    if (!m) throw fail(`'${item}' is not a value, range, list or step (L, W and # are not supported)`);
    if (m[2] !== undefined && !(Number(m[2]) >= 1)) throw fail('a step must be at least 1');
    if (m[1] === '*') continue;
    const [a, b] = m[1]!.split('-');
    const lo = value(a!, spec, fail);
    if (b !== undefined && lo > value(b, spec, fail)) throw fail(`range ${lo}-${value(b, spec, fail)} runs backwards`);
  }
}

function value(token: string, spec: FieldSpec, fail: (why: string) => Error): number {
  const named = spec.names?.indexOf(token.toUpperCase()) ?? -1;
  const v = named >= 0 ? named + (spec.name === 'month' ? 1 : 0) : /^\d+$/.test(token) ? Number(token) : NaN;
  if (!(v >= spec.min && v <= spec.max)) throw fail(`'${token}' is not in ${spec.min}-${spec.max}${spec.names ? ` or ${spec.names[0]}-${spec.names.at(-1)}` : ''}`);
  return v;
}

/**
 * The first firing strictly after `t` (ms since the epoch), or undefined when the expression never matches
 * (`0 0 0 30 2 *`). Across a daylight-saving change croner follows Vixie cron: a fixed time that falls in the
 * skipped hour fires at the first time after it, one that occurs twice fires once, and interval schedules
 * (`0 0 * * * *`) fire on every real hour (docs/behaviour.md).
 */
export function nextAfter(s: Schedule, t: number): number | undefined {
  if (s.kind === 'every') return t + s.everyMs;
  return s.cron.nextRun(new Date(t))?.getTime();
}

function isUtc(zone: string): boolean {
  return /^(UTC|Etc\/UTC|GMT|Etc\/GMT|Z)$/i.test(zone);
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Building a formatter costs ~25× formatting with one, and schedules format many instants: one per zone. */
const wallClocks = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC at instant `t`, in ms (Asia/Shanghai: +8 h). */
export function offsetMs(zone: string, t: number): number {
  let wallClock = wallClocks.get(zone);
  if (!wallClock) {
    wallClock = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    wallClocks.set(zone, wallClock);
  }
  const parts = wallClock.formatToParts(t);
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(t / 1000) * 1000;
}
