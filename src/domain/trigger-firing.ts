/**
 * @module
 * One firing of an event-source trigger (a timer's tick, an object put into localfc's OSS): the function invoked
 * asynchronously with the event, as event sources invoke, through the same admit/run path as the admin fire. The
 * timeline gets `trigger.fired` with the event (a test can check what its function got without a handler that echoes
 * it), or `trigger.skipped` when the function cannot run now; the trigger itself goes on either way. A firing that
 * finds the function not Active while it is being prepared (created, updated, or woken from Inactive by this very
 * firing) is retried as FC retries an
 * async invocation the platform could not run yet: 0.5 s later, then doubling, for as long as it stays Pending and
 * within the function's maxAsyncEventAgeInSeconds (`trigger.retrying`; docs/behaviour.md).
 */
import { type Clock, sleep } from '../clock.ts';
import { retryDelayMs } from './async-tasks.ts';
import { ASYNC_DEFAULTS, type FunctionConfigStore } from './function-configs.ts';
import type { FunctionService } from './functions.ts';
import type { InvocationService } from './invocations.ts';
import { eventBytes } from './trigger-events.ts';
import type { TriggerRecord } from './triggers.ts';

export interface TriggerFiringDeps {
  readonly functions: FunctionService;
  readonly invocations: InvocationService;
  readonly clock: Clock;
  /** The functions' async invoke configs (maxAsyncEventAgeInSeconds bounds the retries of a firing). */
  readonly configs?: Pick<FunctionConfigStore, 'findAsync'>;
}

export async function fireTrigger(deps: TriggerFiringDeps, t: TriggerRecord, requestId: string, event: unknown, extra: Record<string, unknown>): Promise<void> {
  const { functions, invocations } = deps;
  const { functionName: name, triggerName, qualifier } = t;
  const detail = { requestId, triggerName, triggerType: t.triggerType, ...extra };
  const firedAt = deps.clock.now();
  let admitted;
  for (let retry = 1; ; retry++) {
    try {
      admitted = await invocations.admit(name, qualifier, requestId);
      break;
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      const message = e instanceof Error ? e.message : String(e);
      const wait = retryDelayMs(retry);
      if (code === 'FunctionNotActive' && servesSoon(functions, name) && deps.clock.now() + wait - firedAt <= maxAgeMs(deps, name, qualifier)) {
        functions.note(name, 'invocation', 'trigger.retrying', { ...detail, code, retry, inMs: wait });
        await sleep(deps.clock, wait, `trigger retry ${name}/${triggerName}`);
        continue;
      }
      // The cloud fails the invocation (e.g. FunctionNotActive); the trigger itself goes on.
      functions.note(name, 'invocation', 'trigger.skipped', { ...detail, ...(typeof code === 'string' ? { code } : {}), message });
      return;
    }
  }
  const body = eventBytes(event);
  functions.note(name, 'invocation', 'trigger.fired', { ...detail, event: body.toString('utf8') });
  try {
    await invocations.run(admitted, { functionName: name, qualifier, requestId, body, headers: { 'content-type': 'application/octet-stream' }, kind: 'event' });
  } catch (e) {
    functions.note(name, 'invocation', 'async.failed', { requestId, message: e instanceof Error ? e.message : String(e) });
  }
}

/**
 * Pending (being prepared: it will serve or fail without anyone doing anything) or already Active again (a wake with
 * no preparation delay): a retry may be admitted. Failed and Inactive stay so until someone acts.
 */
function servesSoon(functions: FunctionService, name: string): boolean {
  try {
    const { state } = functions.get(name);
    return state === 'Pending' || state === 'Active';
  } catch {
    return false;
  }
}

function maxAgeMs(deps: TriggerFiringDeps, name: string, qualifier: string): number {
  const seconds = deps.configs?.findAsync(name, qualifier)?.maxAsyncEventAgeInSeconds ?? ASYNC_DEFAULTS.maxAsyncEventAgeInSeconds;
  return seconds * 1000;
}
