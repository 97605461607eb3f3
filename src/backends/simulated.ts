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

export class SimulatedBackend implements Backend {
  readonly name = 'simulated';
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

  async invoke(instance: BackendInstance, req: InvocationRequest): Promise<InvocationResult> {
    const logs = `FC Invoke Start RequestId: ${req.requestId}\nFC Invoke End RequestId: ${req.requestId}\n`;
    const lines = this.#logs.get(instance.id);
    if (lines) {
      lines.push(logs);
      // The oldest go in one splice per LOG_LIMIT calls, not a shift() of the whole array per call.
      if (lines.length >= 2 * LOG_LIMIT) lines.splice(0, lines.length - LOG_LIMIT);
    }
    const contentType = req.headers['content-type'];
    // An HTTP trigger's raw request (custom runtimes): echo what a web server would have seen.
    if (req.kind === 'http') {
      const echo = { method: req.method ?? 'GET', path: req.path ?? '/', headers: req.headers, body: req.body.toString('utf8') };
      return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(echo)), logs };
    }
    return {
      status: 200,
      headers: contentType ? { 'content-type': contentType } : {},
      body: req.body,
      logs,
    };
  }

  async freeze(_instance: BackendInstance): Promise<void> {}
  async thaw(_instance: BackendInstance): Promise<void> {}

  async stopInstance(instance: BackendInstance): Promise<void> {
    this.#logs.delete(instance.id);
  }

  async release(): Promise<void> {}

  instanceLogs(instance: BackendInstance): string {
    return (this.#logs.get(instance.id) ?? []).slice(-LOG_LIMIT).join('');
  }

  async close(): Promise<void> {
    this.#logs.clear();
  }
}
