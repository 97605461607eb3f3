/**
 * @module
 * TimerScheduler: enabled timer triggers fire by themselves, one Clock timer each, so a manual clock's advance fires
 * them in order. TriggerService tells it about every change; each firing invokes the function asynchronously with
 * FC's timer event (trigger-firing.ts), and arms the next one first.
 */
import type { Clock } from '../clock.ts';
import type { IdGenerator } from '../ids.ts';
import { type Schedule, nextAfter, parseSchedule } from './cron.ts';
import { defaultEvent } from './trigger-events.ts';
import { fireTrigger, type TriggerFiringDeps } from './trigger-firing.ts';
import type { TriggerRecord } from './triggers.ts';
import { BackgroundWork } from './background-work.ts';

export interface TimerSchedulerDeps extends TriggerFiringDeps {
  readonly ids: IdGenerator;
  readonly region: string;
  readonly accountId: string;
}

/** What TriggerService calls; kept narrow so the service does not depend on how firing works. */
export interface TriggerListener {
  changed(trigger: TriggerRecord): void;
  removed(functionName: string, triggerName: string): void;
  functionRemoved(functionName: string): void;
}

const key = (functionName: string, triggerName: string): string => `${functionName}\u0000${triggerName}`;

/**
 * At most this many firings of one trigger catch up on a jump of the clock (a manual advance of a day over `@every 1s`
 * was 86,400 invocations and an 8 s stall); the rest of the jump is skipped and noted as `trigger.missed`.
 */
export const MAX_CATCH_UP_FIRINGS = 100;

export class TimerScheduler implements TriggerListener {
  /** key → the clock timer of the trigger's next firing. */
  readonly #armed = new Map<string, number>();
  /** Firings whose invocation still runs, so clock/advance can wait for them (see BackgroundWork.quiesce). */
  readonly #firings = new BackgroundWork();
  /** key → firings in a row that the clock had already passed when they fired (a catch-up). */
  readonly #behind = new Map<string, number>();
  #closed = false;

  constructor(private readonly deps: TimerSchedulerDeps) {}

  /** Create, update or restore: re-arms from now, so a new cron or payload applies from the next firing. */
  changed(t: TriggerRecord): void {
    this.removed(t.functionName, t.triggerName);
    if (this.#closed || t.triggerType !== 'timer' || t.config.enable !== true) return;
    let schedule: Schedule;
    try {
      schedule = parseSchedule(String(t.config.cronExpression));
    } catch (e) {
      // Only state saved by an older localfc can get here: CreateTrigger/UpdateTrigger refuse such expressions.
      this.deps.functions.note(t.functionName, 'note', 'trigger.unschedulable', { triggerName: t.triggerName, message: e instanceof Error ? e.message : String(e) });
      return;
    }
    this.#arm(t, schedule, this.deps.clock.now());
  }

  removed(functionName: string, triggerName: string): void {
    const k = key(functionName, triggerName);
    const id = this.#armed.get(k);
    if (id !== undefined) this.deps.clock.clearTimer(id);
    this.#armed.delete(k);
    this.#behind.delete(k);
  }

  functionRemoved(functionName: string): void {
    const prefix = key(functionName, '');
    for (const [k, id] of this.#armed) {
      if (!k.startsWith(prefix)) continue;
      this.deps.clock.clearTimer(id);
      this.#armed.delete(k);
    }
  }

  /** Timers pending, for tests and the admin view. */
  armed(): number {
    return this.#armed.size;
  }

  /** Waits until every firing is done or parked on a clock timer; resolves to how many were still busy (BackgroundWork.quiesce). */
  quiesce(): Promise<number> {
    return this.#firings.quiesce();
  }

  close(): void {
    this.#closed = true;
    for (const id of this.#armed.values()) this.deps.clock.clearTimer(id);
    this.#armed.clear();
  }

  /** `from` is the previous firing's scheduled time, so firings keep to the schedule however late a timer runs. */
  #arm(t: TriggerRecord, schedule: Schedule, from: number): void {
    let due = nextAfter(schedule, from);
    if (due === undefined) return; // `0 0 0 30 2 *` never comes
    due = this.#boundCatchUp(t, schedule, due);
    if (due === undefined) return;
    // A scaled real clock runs ahead of now() (its delays shrink, now() does not), so wait from the schedule then.
    const delay = due - Math.max(from, this.deps.clock.now());
    const id = this.deps.clock.setTimer(delay, `timer trigger ${t.functionName}/${t.triggerName}`, () => this.#fire(t, schedule, due));
    this.#armed.set(key(t.functionName, t.triggerName), id);
  }

  /**
   * A firing the clock has already passed is a catch-up; after MAX_CATCH_UP_FIRINGS of them in a row the schedule
   * jumps to its first firing after the clock's horizon, and the skipped span goes in the timeline.
   */
  #boundCatchUp(t: TriggerRecord, schedule: Schedule, due: number): number | undefined {
    const k = key(t.functionName, t.triggerName);
    const horizon = this.deps.clock.horizon();
    if (due > horizon) {
      this.#behind.delete(k);
      return due;
    }
    const behind = (this.#behind.get(k) ?? 0) + 1;
    if (behind <= MAX_CATCH_UP_FIRINGS) {
      this.#behind.set(k, behind);
      return due;
    }
    this.#behind.delete(k);
    const resume = schedule.kind === 'every' ? due + (Math.floor((horizon - due) / schedule.everyMs) + 1) * schedule.everyMs : nextAfter(schedule, horizon);
    const skipped = schedule.kind === 'every' ? (resume! - due) / schedule.everyMs : undefined;
    this.deps.functions.note(t.functionName, 'note', 'trigger.missed', {
      triggerName: t.triggerName, from: new Date(due).toISOString(), until: new Date(horizon).toISOString(),
      ...(skipped !== undefined ? { skipped } : {}),
      message: `the clock jumped past ${MAX_CATCH_UP_FIRINGS} firings in a row; firings from ${new Date(due).toISOString()} to ${new Date(horizon).toISOString()} were skipped`,
    });
    return resume;
  }

  #fire(t: TriggerRecord, schedule: Schedule, due: number): void {
    this.#armed.delete(key(t.functionName, t.triggerName));
    if (this.#closed) return;
    // The next firing is armed before this one runs, so a slow or failing invocation never stops the schedule.
    this.#arm(t, schedule, due);
    void this.#firings.run(() => this.#invoke(t, due));
  }

  async #invoke(t: TriggerRecord, due: number): Promise<void> {
    const { clock, ids } = this.deps;
    const requestId = ids.requestId(clock.now());
    const event = defaultEvent(t, { now: due, region: this.deps.region, accountId: this.deps.accountId, requestId, uuid: () => ids.uuid() });
    await fireTrigger(this.deps, t, requestId, event, { scheduled: true });
  }

}
