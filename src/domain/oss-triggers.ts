/**
 * @module
 * OSS triggers fire on their own when an object is put into or deleted from localfc's OSS: every `oss` trigger whose
 * bucket (from its sourceArn), event names (`oss:ObjectCreated:*`, `oss:ObjectRemoved:DeleteObject`, …) and key filter
 * (prefix, suffix) match gets FC's OSS event for that object, its function invoked asynchronously (trigger-firing.ts).
 */
import type { Clock } from '../clock.ts';
import type { IdGenerator } from '../ids.ts';
import { BackgroundWork } from './background-work.ts';
import type { ObjectChange } from './object-store.ts';
import { ossEvent } from './trigger-events.ts';
import { fireTrigger, type TriggerFiringDeps } from './trigger-firing.ts';
import type { TriggerRecord, TriggerService } from './triggers.ts';

export interface OssTriggerDeps extends TriggerFiringDeps {
  readonly triggers: TriggerService;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly region: string;
  readonly accountId: string;
}

/** Whether an OSS trigger's configured event name (`oss:ObjectCreated:*`, `oss:ObjectCreated:PutObject`) covers `eventName`. */
function covers(configured: string, eventName: string): boolean {
  const name = configured.replace(/^oss:/, '');
  return name === eventName || (name.endsWith(':*') && eventName.startsWith(name.slice(0, -1)));
}

/** The bucket of an OSS trigger's sourceArn (`acs:oss:<region>:<accountId>:<bucket>`) when it is in `region`. */
function bucketOf(sourceArn: string | undefined, region: string): string | undefined {
  const m = /^acs:oss:([^:]*):[^:]*:([^/:]+)$/.exec(sourceArn ?? '');
  return m && m[1] === region ? m[2] : undefined;
}

function matches(t: TriggerRecord, change: ObjectChange, region: string): boolean {
  if (t.triggerType !== 'oss' || bucketOf(t.sourceArn, region) !== change.object.bucket) return false;
  const events = Array.isArray(t.config.events) ? t.config.events : [];
  if (!events.some((e) => typeof e === 'string' && covers(e, change.eventName))) return false;
  const key = (t.config.filter as { key?: { prefix?: unknown; suffix?: unknown } } | undefined)?.key;
  const prefix = typeof key?.prefix === 'string' ? key.prefix : '';
  const suffix = typeof key?.suffix === 'string' ? key.suffix : '';
  return change.object.key.startsWith(prefix) && change.object.key.endsWith(suffix);
}

export class OssTriggers {
  /** Firings whose invocation still runs, so clock/advance can wait for them (see BackgroundWork.quiesce). */
  readonly #firings = new BackgroundWork();

  constructor(private readonly deps: OssTriggerDeps) {}

  /** ObjectStore's listener: fires every matching trigger, each in the background. */
  objectChanged(change: ObjectChange): void {
    const { clock, ids, region, accountId } = this.deps;
    for (const t of this.deps.triggers.all()) {
      if (!matches(t, change, region)) continue;
      const { object } = change;
      const size = change.eventName === 'ObjectRemoved:DeleteObject' ? 0 : object.body.length;
      const requestId = ids.requestId(clock.now());
      const event = ossEvent(
        { eventName: change.eventName, bucket: object.bucket, object: { key: object.key, size, deltaSize: size - change.previousSize, eTag: object.etag.replace(/"/g, '') } },
        { now: clock.now(), region, accountId, requestId, uuid: () => ids.uuid() },
      );
      void this.#firings.run(() => fireTrigger(this.deps, t, requestId, event, { object: object.key }));
    }
  }

  /** Waits until every firing is done or parked on a clock timer; resolves to how many were still busy (BackgroundWork.quiesce). */
  quiesce(): Promise<number> {
    return this.#firings.quiesce();
  }
}
