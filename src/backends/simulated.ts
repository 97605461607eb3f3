/**
 * @module
 * The default backend: runs no user code. An invocation echoes its event back, so a client can check the round trip,
 * and the response names the revision that served it (x-fc-code-checksum), so rollover can be observed.
 */
import { notAZip } from '../code/zip-signature.ts';
import { BackendError, type Backend, type BackendInstance, type InvocationRequest, type InvocationResult, type PrepareRequest, type PreparedRevision } from '../domain/ports/backend.ts';
import { ReasonCode } from '../domain/reason-codes.ts';

/** Invocations whose log lines an instance keeps (instanceLogs, the Tail log type). */
const LOG_LIMIT = 100;

/** What the simulated runtime prints for an invocation: FC's start and end lines. */
const invocationLog = (requestId: string): string => `FC Invoke Start RequestId: ${requestId}\nFC Invoke End RequestId: ${requestId}\n`;

export class SimulatedBackend implements Backend {
  readonly name = 'simulated';
  /** Per instance, the request ids of its last invocations (their log lines are written when asked for). */
  readonly #logs = new Map<string, string[]>();

  async prepare(req: PrepareRequest): Promise<PreparedRevision> {
    // Nothing is unpacked here, but a package that is no zip fails as the process backend's unpacking fails it.
    const problem = req.revision.code && notAZip(req.revision.code.zip);
    if (problem) throw new BackendError(ReasonCode.InvalidZipFileException, `could not unpack the code package: ${problem}`);
    return { key: `${req.fn.functionName}#${req.revision.id}`, config: req.revision.config, revision: req.revision, fn: req.fn };
  }

  async startInstance(prepared: PreparedRevision, instanceId: string): Promise<BackendInstance> {
    this.#logs.set(instanceId, []);
    return { id: instanceId, prepared };
  }

  async initialize(): Promise<void> {}

  /** Answers at once (no promise): nothing runs, so a warm call settles synchronously through the pool. */
  invoke(instance: BackendInstance, req: InvocationRequest): InvocationResult | Promise<InvocationResult> {
    const ids = this.#logs.get(instance.id);
    if (ids) {
      ids.push(req.requestId);
      // The oldest go in one splice per LOG_LIMIT calls, not a shift() of the whole array per call.
      if (ids.length >= 2 * LOG_LIMIT) ids.splice(0, ids.length - LOG_LIMIT);
    }
    // As the process backend: an invocation's log lines only for a caller who asked for them (x-fc-log-type: Tail).
    const logs = req.tailLogs ? invocationLog(req.requestId) : undefined;
    const contentType = req.headers['content-type'];
    // An HTTP trigger's raw request (custom runtimes): echo what a web server would have seen.
    if (req.kind === 'http') {
      const echo = { method: req.method ?? 'GET', path: req.path ?? '/', headers: req.headers, body: req.body.toString('utf8') };
      const result: InvocationResult = { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(echo)) };
      return logs === undefined ? result : { ...result, logs };
    }
    const headers: Record<string, string> = contentType ? { 'content-type': contentType } : {};
    return logs === undefined ? { status: 200, headers, body: req.body } : { status: 200, headers, body: req.body, logs };
  }

  async freeze(_instance: BackendInstance): Promise<void> {}
  async thaw(_instance: BackendInstance): Promise<void> {}

  async stopInstance(instance: BackendInstance): Promise<void> {
    this.#logs.delete(instance.id);
  }

  async release(): Promise<void> {}

  instanceLogs(instance: BackendInstance): string {
    return (this.#logs.get(instance.id) ?? []).slice(-LOG_LIMIT).map(invocationLog).join('');
  }

  async close(): Promise<void> {
    this.#logs.clear();
  }
}
