/**
 * @module
 * CreateTrigger, GetTrigger, UpdateTrigger, DeleteTrigger, ListTriggers: parse, call the service, render.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { isoSeconds } from '../../clock.ts';
import { errors } from '../../domain/errors.ts';
import type { TriggerRecord, TriggerService } from '../../domain/triggers.ts';
import type { AppEnv } from '../context.ts';
import { ErrorSchema, FUNCTION_NAME } from '../schemas/function.ts';
import { CreateTriggerInputSchema, ListTriggersOutputSchema, TriggerSchema, type TriggerBody, UpdateTriggerInputSchema } from '../schemas/triggers.ts';
import { httpTriggerUrl } from './http-trigger.ts';
import { jsonBody } from '../json-body.ts';

const BASE = '/2023-03-30/functions/{functionName}/triggers';
const FnParam = z.object({ functionName: z.string().openapi({ param: { name: 'functionName', in: 'path' } }) });
const TriggerParam = FnParam.extend({ triggerName: z.string().openapi({ param: { name: 'triggerName', in: 'path' } }) });
const errorResponses = {
  400: { description: 'InvalidArgument', content: { 'application/json': { schema: ErrorSchema } } },
  404: { description: 'FunctionNotFound / TriggerNotFound', content: { 'application/json': { schema: ErrorSchema } } },
  409: { description: 'TriggerAlreadyExists', content: { 'application/json': { schema: ErrorSchema } } },
} as const;
const triggerResponse = { 200: { description: 'the trigger', content: { 'application/json': { schema: TriggerSchema } } }, ...errorResponses };

const createTrigger = createRoute({
  operationId: 'CreateTrigger', method: 'post', path: BASE,
  request: { params: FnParam, ...jsonBody(CreateTriggerInputSchema) },
  responses: triggerResponse,
});
const getTrigger = createRoute({ operationId: 'GetTrigger', method: 'get', path: `${BASE}/{triggerName}`, request: { params: TriggerParam }, responses: triggerResponse });
const updateTrigger = createRoute({
  operationId: 'UpdateTrigger', method: 'put', path: `${BASE}/{triggerName}`,
  request: { params: TriggerParam, ...jsonBody(UpdateTriggerInputSchema) },
  responses: triggerResponse,
});
const deleteTrigger = createRoute({
  operationId: 'DeleteTrigger', method: 'delete', path: `${BASE}/{triggerName}`, request: { params: TriggerParam },
  responses: { 204: { description: 'deleted' }, ...errorResponses },
});
const listTriggers = createRoute({
  operationId: 'ListTriggers', method: 'get', path: BASE,
  request: {
    params: FnParam,
    query: z.object({ prefix: z.string().max(128).optional(), limit: z.coerce.number().int().min(1).max(100).optional(), nextToken: z.string().optional() }),
  },
  responses: { 200: { description: 'a page of triggers', content: { 'application/json': { schema: ListTriggersOutputSchema } } }, ...errorResponses },
});

function checkName(name: string): void {
  if (!FUNCTION_NAME.test(name)) throw errors.invalidArgument(`invalid functionName '${name}'`);
}

/** The wire shape; an http trigger's URLs point at this localfc as the caller reached it. */
export function renderTrigger(c: Context<AppEnv>, t: TriggerRecord): TriggerBody {
  const url = t.triggerType === 'http' ? httpTriggerUrl(c, t) : undefined;
  return {
    triggerName: t.triggerName,
    triggerId: t.triggerId,
    triggerType: t.triggerType,
    triggerConfig: t.triggerConfig,
    qualifier: t.qualifier,
    description: t.description,
    ...(t.invocationRole ? { invocationRole: t.invocationRole } : {}),
    ...(t.sourceArn ? { sourceArn: t.sourceArn } : {}),
    targetArn: t.targetArn,
    status: 'OK',
    createdTime: isoSeconds(t.createdTime),
    lastModifiedTime: isoSeconds(t.lastModifiedTime),
    ...(url ? { httpTrigger: { urlInternet: url, urlIntranet: url } } : {}),
  };
}

export function triggerRoutes(triggers: TriggerService): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(createTrigger, (c) => {
    const { functionName } = c.req.valid('param');
    checkName(functionName);
    return c.json(renderTrigger(c, triggers.create(functionName, c.req.valid('json'))), 200);
  });

  app.openapi(getTrigger, (c) => {
    const { functionName, triggerName } = c.req.valid('param');
    checkName(functionName);
    return c.json(renderTrigger(c, triggers.get(functionName, triggerName)), 200);
  });

  app.openapi(updateTrigger, (c) => {
    const { functionName, triggerName } = c.req.valid('param');
    checkName(functionName);
    return c.json(renderTrigger(c, triggers.update(functionName, triggerName, c.req.valid('json'))), 200);
  });

  app.openapi(deleteTrigger, (c) => {
    const { functionName, triggerName } = c.req.valid('param');
    checkName(functionName);
    triggers.delete(functionName, triggerName);
    return c.body(null, 204);
  });

  app.openapi(listTriggers, (c) => {
    const { functionName } = c.req.valid('param');
    checkName(functionName);
    const page = triggers.list(functionName, c.req.valid('query'));
    return c.json({ triggers: page.triggers.map((t) => renderTrigger(c, t)), ...(page.nextToken ? { nextToken: page.nextToken } : {}) }, 200);
  });

  return app;
}
