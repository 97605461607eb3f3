/**
 * @module
 * InvokeFunction: admission through the function's state, then the instance pool; FC's invocation headers on the way out.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { errors } from '../../domain/errors.ts';
import type { FunctionService } from '../../domain/functions.ts';
import type { AsyncTaskService } from '../../domain/async-tasks.ts';
import type { Admitted, InvocationInput, InvocationOutcome, InvocationService } from '../../domain/invocations.ts';
import type { NowOrLater } from '../../domain/ports/backend.ts';
import type { AppEnv } from '../context.ts';
import { ErrorSchema } from '../schemas/function.ts';
import { readLimited } from '../read-limited.ts';
import { payloadLimits } from '../../domain/payload-limits.ts';
import { openapiLean } from '../lean-route.ts';
import { respond } from '../respond.ts';
import type { HotRoutes } from '../hot-routes.ts';

/** 1 to 128 characters: a letter or '_' first, then letters, digits, '_' and '-'. */
const ASYNC_TASK_ID = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;

const LOG_TAIL_BYTES = 4096;
/** What @hono/node-server sends as the type of a body that has none (its defaultContentType). */
const BODY_DEFAULT_TYPE = 'text/plain; charset=UTF-8';

const invokeRoute = createRoute({
  operationId: 'InvokeFunction',
  method: 'post',
  path: '/2023-03-30/functions/{functionName}/invocations',
  request: {
    params: z.object({ functionName: z.string().openapi({ param: { name: 'functionName', in: 'path' } }) }),
    query: z.object({ qualifier: z.string().optional() }),
    headers: z.object({
      'x-fc-invocation-type': z.enum(['Sync', 'Async', 'Task']).optional(),
      'x-fc-log-type': z.enum(['None', 'Tail']).optional(),
      // FC's rule for a task id the caller names (StatefulAsyncInvocation's invocationId, carried over to FC 3.0's task id).
      'x-fc-async-task-id': z.string().regex(ASYNC_TASK_ID, "must start with a letter or '_', hold only letters, digits, '_' and '-', and be at most 128 characters").optional(),
    }),
    body: { required: false, content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } } },
  },
  responses: {
    200: { description: "the handler's response; x-fc-error-type is set when the handler failed", content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } } },
    202: { description: 'Async or Task invocation accepted as a task (x-fc-async-task-id is set for Task, or when the task was named or the async config has asyncTask)' },
    403: { description: 'FunctionInvocationDisabled', content: { 'application/json': { schema: ErrorSchema } } },
    404: { description: 'FunctionNotFound / VersionNotFound / AliasNotFound', content: { 'application/json': { schema: ErrorSchema } } },
    412: { description: 'FunctionNotActive', content: { 'application/json': { schema: ErrorSchema } } },
    503: { description: 'ResourceThrottled', content: { 'application/json': { schema: ErrorSchema } } },
  },
});

export interface InvokeDeps {
  readonly functions: FunctionService;
  readonly invocations: InvocationService;
  readonly maxBodyBytes: number;
  readonly asyncTasks: AsyncTaskService;
}

/** A synchronous invocation's answer: the handler's response with FC's invocation headers (the request id is added by whoever sends it). */
export interface InvokeAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Uint8Array;
}

/** What a synchronous invocation needs of its request, read and checked by the route (or the fast route: api/hot-routes.ts). */
export interface SyncCall {
  readonly functionName: string;
  readonly qualifier: string;
  readonly requestId: string;
  readonly body: Buffer;
  readonly contentType: string | undefined;
  readonly tail: boolean;
}

function invocationInput(call: SyncCall): InvocationInput {
  const { functionName, qualifier, requestId, body } = call;
  const headers = { 'content-type': call.contentType ?? 'application/octet-stream' };
  return call.tail ? { functionName, qualifier, requestId, body, headers, kind: 'event', tailLogs: true } : { functionName, qualifier, requestId, body, headers, kind: 'event' };
}

/** The handler's response with FC's invocation headers, as the caller gets it. */
function answerOf(call: SyncCall, { result, durationMs, admitted }: InvocationOutcome): InvokeAnswer {
  // Plain headers (api/respond.ts), merged as c.body's Headers did: names lower-cased, FC's own set last and winning,
  // and the content type @hono/node-server gives a body without one.
  const out: Record<string, string | string[]> = {};
  const headers = result.headers;
  for (const name in headers) out[name.toLowerCase()] = headers[name] as string | string[];
  out['x-fc-code-checksum'] = admitted.revision.codeChecksum;
  // The version that served (LATEST, or the one a version id or alias routed to): `s invoke` prints it as the qualifier.
  out['x-fc-invocation-service-version'] = admitted.resolvedQualifier;
  if (result.instanceId) out['x-fc-instance-id'] = result.instanceId;
  out['x-fc-invocation-duration'] = String(durationMs);
  if (result.errorType) out['x-fc-error-type'] = result.errorType;
  if (call.tail) out['x-fc-log-result'] = Buffer.from(result.logs ?? '').subarray(-LOG_TAIL_BYTES).toString('base64');
  out['content-type'] ??= BODY_DEFAULT_TYPE;
  // A view of the result's bytes, not a copy (nothing writes to them).
  const body = result.body;
  return { status: result.status, headers: out, body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength) };
}

/**
 * Admits and runs a synchronous invocation: the answer at once when nothing on the way waited (a warm instance of the
 * simulated backend), else its promise; what admission refuses with (an FcError) is a rejection, never thrown.
 */
export function syncInvoker(invocations: InvocationService): (call: SyncCall) => NowOrLater<InvokeAnswer> {
  const runAdmitted = (call: SyncCall, admitted: Admitted): NowOrLater<InvokeAnswer> => {
    const outcome = invocations.runNow(admitted, invocationInput(call));
    return outcome instanceof Promise ? outcome.then((o) => answerOf(call, o)) : answerOf(call, outcome);
  };
  return (call) => {
    const admitted = invocations.admitNow(call.functionName, call.qualifier, call.requestId);
    return admitted instanceof Promise ? admitted.then((a) => runAdmitted(call, a)) : runAdmitted(call, admitted);
  };
}

export function invokeRoutes({ invocations, maxBodyBytes, asyncTasks }: InvokeDeps, hot?: HotRoutes): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  const limits = payloadLimits(maxBodyBytes);
  const invokeSync = syncInvoker(invocations);

  openapiLean(app, invokeRoute, async (c) => {
    const { functionName } = c.req.valid('param');
    const { qualifier = 'LATEST' } = c.req.valid('query');
    const headers = c.req.valid('header');
    const type = headers['x-fc-invocation-type'];
    const queued = type === 'Async' || type === 'Task';
    // FC's payload limits (32 MB sync, 128 KB async): a declared length is checked before reading, a chunked body as it streams.
    const limit = queued ? limits.async : limits.sync;
    const tooLarge = () => errors.entityTooLarge('invocation payload', limit, { connection: 'close' });
    const declared = c.req.header('content-length');
    if (declared !== undefined && Number(declared) > limit) throw tooLarge();
    // With a declared length (already within limits) the plain read is cheaper: c.req.raw.body builds a stream.
    const body = declared !== undefined && c.req.header('transfer-encoding') === undefined ? Buffer.from(await c.req.arrayBuffer()) : await readLimited(c.req.raw.body, limit, tooLarge);
    const requestId = c.var.requestId;
    const call: SyncCall = { functionName, qualifier, requestId, body, contentType: c.req.header('content-type'), tail: headers['x-fc-log-type'] === 'Tail' };
    if (queued) {
      // Queued as a task: state is checked now, while reserved concurrency and invocation faults apply to each attempt.
      // 'Task' (Serverless Devs, FC's stateful async invocation) always answers with the task id, like an asyncTask config.
      const taskId = headers['x-fc-async-task-id'];
      const { task, codeChecksum, named } = asyncTasks.enqueue({ ...invocationInput(call), ...(taskId !== undefined ? { taskId } : {}) });
      const withId = named || type === 'Task';
      return c.body(null, 202, { 'x-fc-request-id': requestId, 'x-fc-code-checksum': codeChecksum, ...(withId ? { 'x-fc-async-task-id': task.taskId } : {}) });
    }
    const answer = await invokeSync(call);
    return respond(c, answer.status, answer.body, answer.headers);
  });
  // The common call (synchronous, a declared length within the limit) also on the fast routes; they hand anything else here.
  hot?.invoke(invokeRoute, limits.sync, invokeSync);

  return app;
}
