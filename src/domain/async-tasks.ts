/**
 * @module
 * Async invocations as task records: each accepted `x-fc-invocation-type: Async` call is queued, run through the one
 * invocation path, retried with backoff on the injected clock per the function's async invoke config, expired after
 * maxAsyncEventAgeInSeconds, and finished by sending FC's destination event to its onSuccess / onFailure destination
 * when that is a function of this localfc (an async invocation of it); other destinations are recorded, not delivered.
 * Stop, get and list them.
 */
import type { Clock } from '../clock.ts';
import { BackgroundWork } from './background-work.ts';
import { type AttemptOutcome, destinationEvent, functionDestination, ownerOf } from './destinations.ts';
import type { IdGenerator } from '../ids.ts';
import { FcError, errors } from './errors.ts';
import { ASYNC_DEFAULTS, type FunctionConfigStore } from './function-configs.ts';
import type { FunctionService } from './functions.ts';
import type { InvocationService } from './invocations.ts';
import { DEFAULT_PAGE_SIZE, takePage } from './paging.ts';

/** FC's AsyncTask.status values (Stopping and Invalid are never reached here: stop is immediate, delete drops tasks). */
export const ASYNC_TASK_STATUSES = ['Enqueued', 'Running', 'Retrying', 'Succeeded', 'Failed', 'Stopped', 'Stopping', 'Expired', 'Invalid'] as const;
export type AsyncTaskStatus = (typeof ASYNC_TASK_STATUSES)[number];
const FINAL: ReadonlySet<AsyncTaskStatus> = new Set(['Succeeded', 'Failed', 'Stopped', 'Expired', 'Invalid']);

export interface AsyncTaskEvent {
  readonly eventId: number;
  readonly status: AsyncTaskStatus;
  readonly timestamp: number;
  readonly eventDetail?: string;
}

export interface AsyncTask {
  readonly taskId: string;
  readonly functionName: string;
  readonly functionArn: string;
  readonly qualifier: string;
  readonly requestId: string;
  /** Insertion order: the sort key and the pagination token. */
  readonly seq: number;
  readonly startedTime: number;
  readonly taskPayload: Buffer;
  status: AsyncTaskStatus;
  alreadyRetriedTimes: number;
  endTime?: number;
  durationMs?: number;
  returnPayload?: string;
  taskErrorMessage?: string;
  instanceId?: string;
  /** The destination the outcome was routed to; destinationStatus says whether it was delivered. */
  destination?: { readonly kind: 'onSuccess' | 'onFailure'; readonly destination: string };
  destinationStatus?: string;
  readonly events: AsyncTaskEvent[];
}

export interface EnqueueInput {
  readonly functionName: string;
  readonly qualifier: string;
  readonly requestId: string;
  readonly body: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  /** `x-fc-async-task-id`, when the caller named the task. */
  readonly taskId?: string;
  /** How many destination deliveries led to this task (0 for a caller's): a chain stops at MAX_DESTINATION_CHAIN. */
  readonly destinationDepth?: number;
}

/** Destination deliveries in a row (A's outcome to B, B's to C, …) before localfc stops one: a loop would never end. */
export const MAX_DESTINATION_CHAIN = 16;

export interface ListTasksOptions {
  readonly qualifier?: string;
  readonly prefix?: string;
  readonly status?: string;
  readonly startedTimeBegin?: number;
  readonly startedTimeEnd?: number;
  readonly sortOrderByTime?: 'asc' | 'desc';
  readonly limit?: number;
  readonly nextToken?: string;
}

export interface AsyncTaskDeps {
  readonly functions: FunctionService;
  readonly invocations: InvocationService;
  readonly configs: FunctionConfigStore;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** Task records kept per function; the oldest final ones go first (a task not final yet is never dropped). */
  readonly maxTasksPerFunction?: number;
}

interface Entry {
  readonly task: AsyncTask;
  readonly input: EnqueueInput;
  timer?: number;
  /** Attempts run so far, and how the last one ended (for the destination event). */
  attempts: number;
  outcome?: AttemptOutcome;
}

/** FC retries 0.5 s after a failure, then doubles the wait (1 s, 2 s, 4 s, …); capped here at 5 minutes. */
export function retryDelayMs(retry: number): number {
  return Math.min(500 * 2 ** (retry - 1), 300_000);
}

export class AsyncTaskService {
  /** functionName → taskId → entry, in insertion order. */
  readonly #tasks = new Map<string, Map<string, Entry>>();
  /** functionName → ids of its final tasks, in the order they finished: the records eviction may drop. */
  readonly #finished = new Map<string, Set<string>>();
  /** Running attempts, so clock/advance can wait for them (see BackgroundWork.quiesce). */
  readonly #attempts: BackgroundWork;
  #seq = 0;

  constructor(private readonly deps: AsyncTaskDeps) {
    this.#attempts = new BackgroundWork();
    deps.functions.onDeleted((name) => {
      for (const entry of this.#tasks.get(name)?.values() ?? []) this.#clearTimer(entry);
      this.#tasks.delete(name);
      this.#finished.delete(name);
    });
  }

  /**
   * Accepts an async invocation: the function's state is checked now (so a missing, disabled or not-Active function
   * fails the call), the run happens in the background. Returns the task and the checksum of the code it was admitted on.
   */
  enqueue(input: EnqueueInput): { task: AsyncTask; codeChecksum: string; named: boolean } {
    const { functions, clock, ids } = this.deps;
    let admitted;
    try {
      admitted = functions.admitInvocation(input.functionName, input.qualifier);
    } catch (e) {
      // In the timeline as a refused synchronous call is, with the id the caller's error carries.
      if (e instanceof FcError) functions.note(input.functionName, 'invocation', 'rejected', { requestId: input.requestId, code: e.code, status: e.status });
      throw e;
    }
    // Only the state is checked now: each attempt is admitted (and holds its revision) when it runs.
    admitted.leave();
    const byId = this.#byFunction(input.functionName);
    if (input.taskId !== undefined) {
      const existing = byId.get(input.taskId);
      if (existing?.task.status === 'Stopped') throw errors.asyncInvocationStopped(input.taskId);
      if (existing) throw errors.asyncTaskAlreadyExists(input.taskId);
    }
    const now = clock.now();
    const task: AsyncTask = {
      taskId: input.taskId ?? ids.uuid(),
      functionName: input.functionName,
      functionArn: admitted.record.functionArn,
      qualifier: input.qualifier,
      requestId: input.requestId,
      seq: ++this.#seq,
      startedTime: now,
      taskPayload: input.body,
      status: 'Enqueued',
      alreadyRetriedTimes: 0,
      events: [],
    };
    const entry: Entry = { task, input, attempts: 0 };
    byId.set(task.taskId, entry);
    this.#event(task, 'Enqueued');
    this.#evict(input.functionName);
    this.#dispatch(entry, false);
    const named = input.taskId !== undefined || this.deps.configs.findAsync(input.functionName, input.qualifier)?.asyncTask === true;
    return { task, codeChecksum: admitted.revision.codeChecksum, named };
  }

  get(functionName: string, taskId: string): AsyncTask {
    this.deps.functions.get(functionName);
    const entry = this.#tasks.get(functionName)?.get(taskId);
    if (!entry) throw errors.asyncTaskNotFound(functionName, taskId);
    return entry.task;
  }

  /** A queued, retrying or running task → Stopped at once; a running attempt's result is then ignored. */
  stop(functionName: string, taskId: string): AsyncTask {
    const task = this.get(functionName, taskId);
    if (FINAL.has(task.status)) throw errors.asyncTaskFinished(taskId, task.status);
    const entry = this.#tasks.get(functionName)!.get(taskId)!;
    this.#clearTimer(entry);
    this.#finish(entry, 'Stopped', { detail: { Reason: 'stopped by StopAsyncTask' } });
    return task;
  }

  list(functionName: string, opts: ListTasksOptions): { tasks: AsyncTask[]; nextToken?: string } {
    this.deps.functions.get(functionName);
    const desc = opts.sortOrderByTime !== 'asc';
    const token = opts.nextToken === undefined ? undefined : Number(opts.nextToken);
    if (token !== undefined && !Number.isSafeInteger(token)) throw errors.invalidArgument(`invalid nextToken '${opts.nextToken}'`);
    const matching = [...(this.#tasks.get(functionName)?.values() ?? [])]
      .map((e) => e.task)
      .filter(
        (t) =>
          (!opts.qualifier || t.qualifier === opts.qualifier) &&
          (!opts.prefix || t.taskId.startsWith(opts.prefix)) &&
          (!opts.status || t.status === opts.status) &&
          (opts.startedTimeBegin === undefined || t.startedTime >= opts.startedTimeBegin) &&
          (opts.startedTimeEnd === undefined || t.startedTime <= opts.startedTimeEnd) &&
          (token === undefined || (desc ? t.seq <= token : t.seq >= token)),
      )
      .sort((a, b) => (desc ? b.seq - a.seq : a.seq - b.seq));
    const { items, nextToken } = takePage(matching, opts.limit ?? DEFAULT_PAGE_SIZE, (t) => String(t.seq));
    return nextToken === undefined ? { tasks: items } : { tasks: items, nextToken };
  }

  /** Waits until every running attempt is done or parked on a clock timer; resolves to how many were still busy (BackgroundWork.quiesce). */
  quiesce(): Promise<number> {
    return this.#attempts.quiesce();
  }

  // ---- running ----

  #dispatch(entry: Entry, isRetry: boolean): void {
    const { task, input } = entry;
    if (!this.#current(entry) || FINAL.has(task.status)) return;
    const config = this.#config(task);
    if (this.deps.clock.now() - task.startedTime > config.maxAsyncEventAgeInSeconds * 1000) {
      this.#finish(entry, 'Expired', { detail: { Reason: `older than maxAsyncEventAgeInSeconds (${config.maxAsyncEventAgeInSeconds})` } });
      return;
    }
    if (isRetry) task.alreadyRetriedTimes++;
    task.status = 'Running';
    entry.attempts++;
    this.#event(task, 'Running');
    const run = { functionName: task.functionName, qualifier: task.qualifier, requestId: task.requestId, body: input.body, headers: input.headers, kind: 'event' } as const;
    void this.#attempts
      .run(() => this.deps.invocations.invoke(run))
      .then(
        ({ result }) => {
          if (!this.#current(entry) || task.status !== 'Running') return;
          task.instanceId = result.instanceId;
          const payload = result.body.toString('utf8');
          entry.outcome = { statusCode: result.status, functionError: result.errorType ?? '', payload };
          // A handler error (x-fc-error-type) is a failed attempt, like a system error.
          if (result.errorType) this.#failed(entry, `${result.errorType}: ${payload}`);
          else this.#finish(entry, 'Succeeded', { returnPayload: payload });
        },
        (e: unknown) => {
          if (!this.#current(entry) || task.status !== 'Running') return;
          const code = e && typeof e === 'object' && 'code' in e ? String(e.code) : '';
          const message = e instanceof Error ? e.message : String(e);
          const status = e && typeof e === 'object' && 'status' in e && typeof e.status === 'number' ? e.status : 500;
          entry.outcome = { statusCode: status, functionError: code, payload: message };
          this.#failed(entry, `${code ? `${code}: ` : ''}${message}`);
        },
      );
  }

  #failed(entry: Entry, message: string): void {
    const { task } = entry;
    task.taskErrorMessage = message;
    if (task.alreadyRetriedTimes >= this.#config(task).maxAsyncRetryAttempts) {
      this.#finish(entry, 'Failed', { detail: { Error: message } });
      return;
    }
    task.status = 'Retrying';
    this.#event(task, 'Retrying', { Error: message });
    entry.timer = this.deps.clock.setTimer(retryDelayMs(task.alreadyRetriedTimes + 1), `async task retry ${task.functionName}/${task.taskId}`, () => {
      delete entry.timer;
      this.#dispatch(entry, true);
    });
  }

  #finish(entry: Entry, status: 'Succeeded' | 'Failed' | 'Stopped' | 'Expired', out: { returnPayload?: string; detail?: Record<string, unknown> }): void {
    const { task } = entry;
    const now = this.deps.clock.now();
    task.status = status;
    task.endTime = now;
    task.durationMs = now - task.startedTime;
    if (out.returnPayload !== undefined) task.returnPayload = out.returnPayload;
    if (status === 'Succeeded') delete task.taskErrorMessage;
    const kind = status === 'Succeeded' ? 'onSuccess' : status === 'Stopped' ? undefined : 'onFailure';
    const destination = kind ? this.#config(task).destinationConfig?.[kind]?.destination : undefined;
    let detail = out.detail;
    if (kind && destination) {
      task.destination = { kind, destination };
      const sent = this.#deliver(entry, destination, status === 'Expired');
      task.destinationStatus = sent.status;
      detail = { ...detail, DestinationType: kind, Destination: destination, ...(sent.reason ? { DestinationError: sent.reason } : {}) };
    }
    this.#event(task, status, detail);
    if (this.#tasks.get(task.functionName)?.get(task.taskId)?.task === task) {
      let finished = this.#finished.get(task.functionName);
      if (!finished) this.#finished.set(task.functionName, (finished = new Set()));
      finished.add(task.taskId);
      this.#evict(task.functionName);
    }
  }

  /**
   * Sends FC's destination event to `destination`: a function of this localfc gets it as an async invocation (its own
   * task, retries and destinations), and the delivery Succeeded once that is accepted, else Failed. A destination
   * localfc cannot reach (MNS, EventBridge, RocketMQ, another region's or account's function) is Invalid, FC's status
   * for what was not carried out: nothing claims a delivery that did not happen.
   */
  #deliver(entry: Entry, destination: string, expired: boolean): { status: 'Succeeded' | 'Failed' | 'Invalid'; reason?: string } {
    const { task } = entry;
    const target = functionDestination(destination, ownerOf(task.functionArn));
    if (!target) return { status: 'Invalid', reason: `not delivered: localfc reaches only its own functions (acs:fc:<region>:<accountId>:functions/<name>), not ${destination}` };
    const depth = (entry.input.destinationDepth ?? 0) + 1;
    if (depth > MAX_DESTINATION_CHAIN) return { status: 'Failed', reason: `not delivered: ${MAX_DESTINATION_CHAIN} destination deliveries in a row (a loop of destinations?)` };
    const { clock, ids } = this.deps;
    const body = destinationEvent({ now: clock.now(), requestId: task.requestId, functionArn: task.functionArn, attempts: entry.attempts, requestPayload: task.taskPayload, outcome: entry.outcome, expired });
    try {
      const requestId = ids.requestId(clock.now());
      this.enqueue({ functionName: target.functionName, qualifier: target.qualifier, requestId, body: Buffer.from(body), headers: { 'content-type': 'application/json' }, destinationDepth: depth });
      return { status: 'Succeeded' };
    } catch (e) {
      return { status: 'Failed', reason: `not delivered: ${e instanceof Error ? e.message : String(e)}` };
    }
  }

  #config(task: AsyncTask): { maxAsyncRetryAttempts: number; maxAsyncEventAgeInSeconds: number; destinationConfig?: { onSuccess?: { destination?: string }; onFailure?: { destination?: string } } } {
    const c = this.deps.configs.findAsync(task.functionName, task.qualifier);
    return {
      maxAsyncRetryAttempts: c?.maxAsyncRetryAttempts ?? ASYNC_DEFAULTS.maxAsyncRetryAttempts,
      maxAsyncEventAgeInSeconds: c?.maxAsyncEventAgeInSeconds ?? ASYNC_DEFAULTS.maxAsyncEventAgeInSeconds,
      ...(c?.destinationConfig ? { destinationConfig: c.destinationConfig } : {}),
    };
  }

  // ---- bookkeeping ----

  #event(task: AsyncTask, status: AsyncTaskStatus, detail?: Record<string, unknown>): void {
    task.events.push({ eventId: task.events.length + 1, status, timestamp: this.deps.clock.now(), ...(detail ? { eventDetail: JSON.stringify(detail) } : {}) });
  }

  /** Still the task stored under its id (not evicted, its function not deleted). */
  #current(entry: Entry): boolean {
    return this.#tasks.get(entry.task.functionName)?.get(entry.task.taskId) === entry;
  }

  /**
   * Over the limit, the oldest records of finished tasks go. A task not final yet (queued, running, waiting for a
   * retry) is never dropped: it was accepted, so it runs to a final state; the records shrink again as tasks finish.
   */
  #evict(functionName: string): void {
    const byId = this.#tasks.get(functionName);
    const finished = this.#finished.get(functionName);
    if (!byId || !finished) return;
    const max = this.deps.maxTasksPerFunction ?? 1000;
    for (const id of finished) {
      if (byId.size <= max) break;
      finished.delete(id);
      byId.delete(id);
    }
  }

  #clearTimer(entry: Entry): void {
    if (entry.timer !== undefined) this.deps.clock.clearTimer(entry.timer);
    delete entry.timer;
  }

  #byFunction(name: string): Map<string, Entry> {
    let byId = this.#tasks.get(name);
    if (!byId) this.#tasks.set(name, (byId = new Map()));
    return byId;
  }
}
