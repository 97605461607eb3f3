/**
 * @module
 * One firing of an event-source trigger (a timer's tick, an object put into localfc's OSS): the function invoked
 * asynchronously with the event, as event sources invoke, through the same admit/run path as the admin fire. The
 * timeline gets `trigger.fired` with the event (a test can check what its function got without a handler that echoes
 * it), or `trigger.skipped` when the function cannot run now; the trigger itself goes on either way.
 */
import type { FunctionService } from './functions.ts';
import type { InvocationService } from './invocations.ts';
import { eventBytes } from './trigger-events.ts';
import type { TriggerRecord } from './triggers.ts';

export interface TriggerFiringDeps {
  readonly functions: FunctionService;
  readonly invocations: InvocationService;
}

export async function fireTrigger(deps: TriggerFiringDeps, t: TriggerRecord, requestId: string, event: unknown, extra: Record<string, unknown>): Promise<void> {
  const { functions, invocations } = deps;
  const { functionName: name, triggerName, qualifier } = t;
  const detail = { requestId, triggerName, triggerType: t.triggerType, ...extra };
  let admitted;
  try {
    admitted = await invocations.admit(name, qualifier, requestId);
  } catch (e) {
    // The cloud fails the invocation (e.g. FunctionNotActive); the trigger itself goes on.
    const code = (e as { code?: unknown }).code;
    functions.note(name, 'invocation', 'trigger.skipped', { ...detail, ...(typeof code === 'string' ? { code } : {}), message: e instanceof Error ? e.message : String(e) });
    return;
  }
  const body = eventBytes(event);
  functions.note(name, 'invocation', 'trigger.fired', { ...detail, event: body.toString('utf8') });
  try {
    await invocations.run(admitted, { functionName: name, qualifier, requestId, body, headers: { 'content-type': 'application/octet-stream' }, kind: 'event' });
  } catch (e) {
    functions.note(name, 'invocation', 'async.failed', { requestId, message: e instanceof Error ? e.message : String(e) });
  }
}
