/**
 * @module
 * InvokeFunction: admission through the function's state, then the instance pool; FC's invocation headers on the way out.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { type Clock, sleep } from '../../clock.ts';
import { FcError, errors } from '../../domain/errors.ts';
import { faultError } from '../../domain/faults.ts';
import type { FunctionService } from '../../domain/functions.ts';
import type { InstancePool } from '../../domain/instances.ts';
import type { AppEnv } from '../context.ts';
import { ErrorSchema } from '../schemas/function.ts';

const LOG_TAIL_BYTES = 4096;

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
      'x-fc-async-task-id': z.string().optional(),
    }),
    body: { required: false, content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } } },
  },
  responses: {
    200: { description: "the handler's response; x-fc-error-type is set when the handler failed", content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } } },
    202: { description: 'async invocation accepted' },
    404: { description: 'FunctionNotFound', content: { 'application/json': { schema: ErrorSchema } } },
    412: { description: 'FunctionNotActive', content: { 'application/json': { schema: ErrorSchema } } },
    429: { description: 'ResourceThrottled', content: { 'application/json': { schema: ErrorSchema } } },
  },
});

export interface InvokeDeps {
  readonly functions: FunctionService;
  readonly pool: InstancePool;
  readonly clock: Clock;
  readonly maxBodyBytes: number;
}

export function invokeRoutes({ functions, pool, clock, maxBodyBytes }: InvokeDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(invokeRoute, async (c) => {
    const { functionName } = c.req.valid('param');
    const { qualifier = 'LATEST' } = c.req.valid('query');
    const headers = c.req.valid('header');
    if (qualifier !== 'LATEST') throw errors.invalidArgument(`qualifier '${qualifier}' is not supported yet: only LATEST`);
    const body = Buffer.from(await c.req.arrayBuffer());
    if (body.length > maxBodyBytes) throw errors.entityTooLarge('invocation payload', maxBodyBytes);
    const requestId = c.var.requestId;
    functions.get(functionName);

    // Admission first, so a one-shot fault is not spent on a call the function's state refuses anyway.
    let { record, prepared } = functions.admitInvocation(functionName);
    const fault = functions.takeFault(functionName, 'invocation', { qualifier });
    if (fault?.effect.type === 'inactive') {
      functions.force(functionName, { type: 'idle' });
      ({ record, prepared } = functions.admitInvocation(functionName));
    }
    if (fault?.effect.type === 'throttle') throw errors.throttled(`Reserve resource exceeded limit (injected by fault rule ${fault.id})`);
    if (fault?.effect.type === 'error') throw faultError({ ...fault, effect: fault.effect }, 'invocation failure');
    if (fault?.effect.type === 'latency') await sleep(clock, fault.effect.ms, 'invocation latency fault');

    const run = async () => {
      const started = clock.now();
      if (fault?.effect.type === 'crash') throw new FcError('BadResponse', 502, `the function instance crashed while handling the request (injected by fault rule ${fault.id})`);
      const result = await pool.invoke(prepared, {
        requestId,
        body,
        headers: { 'content-type': c.req.header('content-type') ?? 'application/octet-stream', 'x-fc-request-id': requestId },
        kind: 'event',
        timeoutMs: prepared.config.timeout * 1000,
      });
      functions.note(functionName, 'invocation', 'invoked', { requestId, status: result.status, instanceId: result.instanceId, coldStart: result.coldStart, ...(result.errorType ? { errorType: result.errorType } : {}) });
      return { result, durationMs: clock.now() - started };
    };

    const common = { 'x-fc-request-id': requestId, 'x-fc-code-checksum': record.serving?.codeChecksum ?? '' };
    if (headers['x-fc-invocation-type'] === 'Async') {
      void run().catch((e: unknown) => functions.note(functionName, 'invocation', 'async.failed', { requestId, message: e instanceof Error ? e.message : String(e) }));
      return c.body(null, 202, common);
    }
    const { result, durationMs } = await run();
    const out: Record<string, string> = { ...result.headers, ...common, 'x-fc-instance-id': result.instanceId, 'x-fc-invocation-duration': String(durationMs) };
    if (result.errorType) out['x-fc-error-type'] = result.errorType;
    if (headers['x-fc-log-type'] === 'Tail') out['x-fc-log-result'] = Buffer.from(result.logs ?? '').subarray(-LOG_TAIL_BYTES).toString('base64');
    return c.body(new Uint8Array(result.body), result.status as 200, out);
  });

  return app;
}
