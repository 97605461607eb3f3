/**
 * @module
 * Admin: fire a non-HTTP trigger by hand — POST /_localfc/functions/{name}/triggers/{triggerName}/fire. The body is
 * the event (default: a sample event of the trigger's type); the function runs asynchronously, as event sources invoke
 * it on the cloud, or synchronously with `?sync=true`, which answers with the function's own response.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../api/context.ts';
import type { Clock } from '../clock.ts';
import { errors } from '../domain/errors.ts';
import type { FunctionService } from '../domain/functions.ts';
import type { InvocationInput, InvocationService } from '../domain/invocations.ts';
import { defaultEvent, eventBytes } from '../domain/trigger-events.ts';
import type { TriggerService } from '../domain/triggers.ts';
import type { IdGenerator } from '../ids.ts';

export interface TriggerAdminDeps {
  readonly triggers: TriggerService;
  readonly invocations: InvocationService;
  readonly functions: FunctionService;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly region: string;
  readonly accountId: string;
  readonly maxBodyBytes: number;
}

const fireRoute = createRoute({
  operationId: 'LocalfcFireTrigger',
  method: 'post',
  path: '/_localfc/functions/{name}/triggers/{triggerName}/fire',
  request: {
    params: z.object({
      name: z.string().openapi({ param: { name: 'name', in: 'path' } }),
      triggerName: z.string().openapi({ param: { name: 'triggerName', in: 'path' } }),
    }),
    query: z.object({ sync: z.enum(['true', 'false']).optional() }),
    body: { required: false, content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary', description: "the event; empty: a sample event of the trigger's type" }) } } },
  },
  responses: {
    200: { description: "sync: the function's response as it answered", content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } } },
    202: { description: 'async: accepted; the event that was sent', content: { 'application/json': { schema: z.looseObject({}) } } },
  },
});

export function triggerAdminRoutes(d: TriggerAdminDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(fireRoute, async (c) => {
    const { name, triggerName } = c.req.valid('param');
    const sync = c.req.valid('query').sync === 'true';
    const t = d.triggers.get(name, triggerName);
    if (t.triggerType === 'http') throw errors.invalidArgument(`trigger '${triggerName}' is an HTTP trigger: call its URL instead of firing it`);
    const given = Buffer.from(await c.req.arrayBuffer());
    if (given.length > d.maxBodyBytes) throw errors.entityTooLarge('event', d.maxBodyBytes);
    const requestId = c.var.requestId;
    const body = given.length
      ? given
      : eventBytes(defaultEvent(t, { now: d.clock.now(), region: d.region, accountId: d.accountId, requestId, uuid: () => d.ids.uuid() }));
    const input: InvocationInput = { functionName: name, qualifier: t.qualifier, requestId, body, headers: { 'content-type': 'application/octet-stream' }, kind: 'event' };
    const admitted = await d.invocations.admit(name, t.qualifier, requestId);
    d.functions.note(name, 'invocation', 'trigger.fired', { requestId, triggerName, triggerType: t.triggerType, sync });
    if (!sync) {
      void d.invocations.run(admitted, input).catch((e: unknown) => d.functions.note(name, 'invocation', 'async.failed', { requestId, message: e instanceof Error ? e.message : String(e) }));
      return c.json({ requestId, functionName: name, triggerName, triggerType: t.triggerType, event: body.toString('utf8') }, 202);
    }
    const { result } = await d.invocations.run(admitted, input);
    const headers: Record<string, string> = { ...result.headers, 'x-fc-request-id': requestId };
    if (result.errorType) headers['x-fc-error-type'] = result.errorType;
    return c.body(new Uint8Array(result.body), result.status as 200, headers);
  });

  return app;
}
