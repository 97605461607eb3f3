/**
 * @module
 * Per-type validation of a trigger's `triggerConfig` (a JSON string on the wire). http and timer are checked closely
 * because localfc acts on them; the event-source types get light checks, since localfc only stores them and builds
 * sample events from them.
 */
import { CronError, parseSchedule } from './cron.ts';
import { errors } from './errors.ts';

export const TRIGGER_TYPES = ['http', 'timer', 'oss', 'log', 'mns_topic', 'cdn_events', 'tablestore', 'eventbridge'] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'PATCH', 'OPTIONS'] as const;

export interface HttpTriggerConfig {
  readonly authType: string;
  /** Left out: no method is allowed (see docs/behaviour.md). */
  readonly methods?: readonly string[];
  readonly disableURLInternet?: boolean;
  readonly [extra: string]: unknown;
}

export type TriggerConfig = Readonly<Record<string, unknown>>;

/** Event sources that name the resource they watch in `sourceArn` (`acs:<service>:…`). */
const SOURCE_SERVICE: Partial<Record<TriggerType, string>> = { oss: 'oss', log: 'log', mns_topic: 'mns', cdn_events: 'cdn', tablestore: 'ots' };

const bad = (type: string, why: string) => errors.invalidArgument(`invalid triggerConfig for trigger type '${type}': ${why}`);

export function isTriggerType(t: string): t is TriggerType {
  return (TRIGGER_TYPES as readonly string[]).includes(t);
}

export function parseTriggerConfig(type: string, raw: string): TriggerConfig {
  if (!isTriggerType(type)) throw errors.invalidArgument(`triggerType '${type}' is not supported: use one of ${TRIGGER_TYPES.join(', ')}`);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw bad(type, 'not valid JSON');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw bad(type, 'must be a JSON object');
  const cfg = value as Record<string, unknown>;
  CHECKS[type](cfg, (why) => bad(type, why));
  return cfg;
}

export function checkSourceArn(type: TriggerType, sourceArn: string | undefined): void {
  const service = SOURCE_SERVICE[type];
  if (!service) return;
  if (!sourceArn) throw errors.invalidArgument(`sourceArn is required for trigger type '${type}' (acs:${service}:<region>:<accountId>:…)`);
  if (!sourceArn.startsWith(`acs:${service}:`)) throw errors.invalidArgument(`sourceArn '${sourceArn}' does not name a ${service} resource (expected acs:${service}:…)`);
}

type Fail = (why: string) => Error;

const optional = (cfg: Record<string, unknown>, key: string, type: 'string' | 'boolean' | 'number' | 'object', fail: Fail): void => {
  const v = cfg[key];
  if (v === undefined || v === null) return;
  if (type === 'object' ? typeof v !== 'object' || Array.isArray(v) : typeof v !== type) throw fail(`${key} must be a ${type}`);
};

/** FC's timer takes `@every <duration>` or a six-field cron (seconds first), optionally prefixed by CRON_TZ=<zone>. */
function cronProblem(expr: string): string | undefined {
  try {
    parseSchedule(expr);
    return undefined;
  } catch (e) {
    if (e instanceof CronError) return e.message;
    throw e;
  }
}

const CHECKS: Record<TriggerType, (cfg: Record<string, unknown>, fail: Fail) => void> = {
  http(cfg, fail) {
    // "The default value is function" (HTTPTriggerConfig.authType in FC's API definition): left out, calls must be signed.
    if (cfg.authType === undefined || cfg.authType === null) cfg.authType = 'function';
    const auth = cfg.authType;
    if (auth !== 'anonymous' && auth !== 'function') throw fail(`authType must be 'anonymous' or 'function'`);
    // methods and a timer's enable are optional in FC's API definition, which gives them no default: left out, they are
    // Go's zero values (no method allowed, not enabled), as FC's service decodes the config (UNCERTAIN, docs/behaviour.md).
    const methods = cfg.methods ?? [];
    if (!Array.isArray(methods)) throw fail(`methods must be an array of ${HTTP_METHODS.join(', ')}`);
    for (const m of methods) if (typeof m !== 'string' || !(HTTP_METHODS as readonly string[]).includes(m)) throw fail(`method ${JSON.stringify(m)} is not one of ${HTTP_METHODS.join(', ')}`);
    optional(cfg, 'disableURLInternet', 'boolean', fail);
    optional(cfg, 'authConfig', 'string', fail);
  },
  timer(cfg, fail) {
    const problem = typeof cfg.cronExpression === 'string' ? cronProblem(cfg.cronExpression) : 'not a string';
    if (problem) {
      throw fail(`cronExpression must be '@every <n>h<n>m<n>s' or a six-field cron expression (seconds minutes hours day-of-month month day-of-week), got ${JSON.stringify(cfg.cronExpression)}: ${problem}`);
    }
    optional(cfg, 'enable', 'boolean', fail);
    optional(cfg, 'payload', 'string', fail);
  },
  oss(cfg, fail) {
    const events = cfg.events;
    if (!Array.isArray(events) || events.length === 0 || !events.every((e) => typeof e === 'string' && e.startsWith('oss:'))) {
      throw fail(`events must be a non-empty array of OSS event names such as "oss:ObjectCreated:*"`);
    }
    optional(cfg, 'filter', 'object', fail);
  },
  log(cfg, fail) {
    const source = cfg.sourceConfig as { logstore?: unknown } | undefined;
    if (!source || typeof source !== 'object' || typeof source.logstore !== 'string' || !source.logstore) throw fail('sourceConfig.logstore is required');
    optional(cfg, 'jobConfig', 'object', fail);
    optional(cfg, 'logConfig', 'object', fail);
    optional(cfg, 'functionParameter', 'object', fail);
    optional(cfg, 'enable', 'boolean', fail);
  },
  mns_topic(cfg, fail) {
    if (cfg.notifyContentFormat !== undefined && cfg.notifyContentFormat !== 'STREAM' && cfg.notifyContentFormat !== 'JSON') throw fail(`notifyContentFormat must be 'STREAM' or 'JSON'`);
    if (cfg.notifyStrategy !== undefined && cfg.notifyStrategy !== 'BACKOFF_RETRY' && cfg.notifyStrategy !== 'EXPONENTIAL_DECAY_RETRY') {
      throw fail(`notifyStrategy must be 'BACKOFF_RETRY' or 'EXPONENTIAL_DECAY_RETRY'`);
    }
    optional(cfg, 'filterTag', 'string', fail);
  },
  cdn_events(cfg, fail) {
    if (typeof cfg.eventName !== 'string' || !cfg.eventName) throw fail('eventName is required (e.g. "CachedObjectsRefreshed")');
    optional(cfg, 'filter', 'object', fail);
  },
  tablestore() {},
  eventbridge(cfg, fail) {
    optional(cfg, 'triggerEnable', 'boolean', fail);
    optional(cfg, 'asyncInvocationType', 'boolean', fail);
    optional(cfg, 'eventSourceConfig', 'object', fail);
    optional(cfg, 'eventRuleFilterPattern', 'string', fail);
  },
};
