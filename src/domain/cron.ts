/**
 * @module
 * FC timer schedules, pure: `@every 1h30m` and six-field cron (seconds first), in UTC or a `CRON_TZ=<zone>` prefix.
 * parseSchedule() throws a CronError saying what is wrong; nextAfter() gives the first firing strictly after a time.
 */

export class CronError extends Error {}

export type Schedule =
  | { readonly kind: 'every'; readonly everyMs: number }
  | { readonly kind: 'cron'; readonly fields: CronFields; readonly timeZone?: string };

export interface CronFields {
  readonly second: readonly boolean[];
  readonly minute: readonly boolean[];
  readonly hour: readonly boolean[];
  /** 1-31 (index 0 unused). */
  readonly dayOfMonth: readonly boolean[];
  /** 1-12 (index 0 unused). */
  readonly month: readonly boolean[];
  /** 0-6, Sunday 0. */
  readonly dayOfWeek: readonly boolean[];
  /** `*` or `?`: cron ANDs the day fields when either is unrestricted, and ORs them otherwise. */
  readonly domStar: boolean;
  readonly dowStar: boolean;
}

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
  // 7 is accepted as Sunday too, as most crons do; folded into 0 below.
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
  const sets = parts.map((p, i) => parseField(p, SPECS[i]!, i >= 3 && i !== 4));
  const dow = sets[5]!;
  if (dow[7]) dow[0] = true;
  const fields: CronFields = {
    second: sets[0]!, minute: sets[1]!, hour: sets[2]!, dayOfMonth: sets[3]!, month: sets[4]!, dayOfWeek: dow.slice(0, 7),
    domStar: parts[3] === '*' || parts[3] === '?', dowStar: parts[5] === '*' || parts[5] === '?',
  };
  return timeZone && !isUtc(timeZone) ? { kind: 'cron', fields, timeZone } : { kind: 'cron', fields };
}

/** Go duration units FC accepts: `1h30m`, `90s`, `5m`. */
function parseEvery(d: string): number {
  if (!/^(\d+[hms])+$/.test(d)) throw new CronError(`'@every ${d}' is not a duration such as 5m, 1h30m or 90s (units h, m, s)`);
  let ms = 0;
  for (const [, n, unit] of d.matchAll(/(\d+)([hms])/g)) ms += Number(n) * UNIT_MS[unit!]!;
  if (ms <= 0) throw new CronError(`'@every ${d}' must be longer than zero`);
  return ms;
}

function parseField(field: string, spec: FieldSpec, allowQuestion: boolean): boolean[] {
  const set: boolean[] = new Array<boolean>(spec.max + 1).fill(false);
  const fail = (why: string) => new CronError(`${spec.name} field '${field}': ${why}`);
  if (field === '?') {
    if (!allowQuestion) throw fail(`'?' is only allowed in day-of-month and day-of-week`);
    for (let v = spec.min; v <= spec.max; v++) set[v] = true;
    return set;
  }
  for (const item of field.split(',')) {
    const m = /^(\*|[0-9A-Za-z]+(?:-[0-9A-Za-z]+)?)(?:\/(\d+))?$/.exec(item);
    if (!m) throw fail(`'${item}' is not a value, range, list or step (L, W and # are not supported)`);
    const step = m[2] === undefined ? 1 : Number(m[2]);
    if (!(step >= 1)) throw fail('a step must be at least 1');
    let lo = spec.min;
    let hi = spec.max;
    if (m[1] !== '*') {
      const [a, b] = m[1]!.split('-');
      lo = value(a!, spec, fail);
      // `a/n` runs from a to the field's end, as in Quartz and robfig/cron.
      hi = b !== undefined ? value(b, spec, fail) : m[2] !== undefined ? spec.max : lo;
      if (lo > hi) throw fail(`range ${lo}-${hi} runs backwards`);
    }
    for (let v = lo; v <= hi; v += step) set[v] = true;
  }
  return set;
}

function value(token: string, spec: FieldSpec, fail: (why: string) => Error): number {
  const named = spec.names?.indexOf(token.toUpperCase()) ?? -1;
  const v = named >= 0 ? named + (spec.name === 'month' ? 1 : 0) : /^\d+$/.test(token) ? Number(token) : NaN;
  if (!(v >= spec.min && v <= spec.max)) throw fail(`'${token}' is not in ${spec.min}-${spec.max}${spec.names ? ` or ${spec.names[0]}-${spec.names.at(-1)}` : ''}`);
  return v;
}

// Far enough for `0 0 0 29 2 MON` (a Monday 29 February), which recurs within 28 years.
const HORIZON_MS = 30 * 366 * 86_400_000;

/** The first firing strictly after `t` (ms since the epoch), or undefined when the expression never matches (`0 0 0 30 2 *`). */
export function nextAfter(s: Schedule, t: number): number | undefined {
  if (s.kind === 'every') return t + s.everyMs;
  if (!s.timeZone) return nextUtc(s.fields, t);
  // Match on the zone's wall clock, then map back. Around a DST change a firing can move by the change.
  const local = nextUtc(s.fields, t + offsetMs(s.timeZone, t));
  if (local === undefined) return undefined;
  const at = local - offsetMs(s.timeZone, local - offsetMs(s.timeZone, t));
  return at > t ? at : nextAfter(s, t + 1000);
}

function nextUtc(f: CronFields, t: number): number | undefined {
  let d = new Date(Math.floor(t / 1000) * 1000 + 1000);
  const end = t + HORIZON_MS;
  while (d.getTime() <= end) {
    if (!f.month[d.getUTCMonth() + 1]) {
      d = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
    } else if (!dayMatches(f, d)) {
      d = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1));
    } else if (!f.hour[d.getUTCHours()]) {
      d = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours() + 1));
    } else if (!f.minute[d.getUTCMinutes()]) {
      d = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes() + 1));
    } else if (!f.second[d.getUTCSeconds()]) {
      d = new Date(d.getTime() + 1000);
    } else {
      return d.getTime();
    }
  }
  return undefined;
}

function dayMatches(f: CronFields, d: Date): boolean {
  const dom = f.dayOfMonth[d.getUTCDate()]!;
  const dow = f.dayOfWeek[d.getUTCDay()]!;
  return f.domStar || f.dowStar ? dom && dow : dom || dow;
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
