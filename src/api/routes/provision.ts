/**
 * @module
 * Put/Get/Delete/ListProvisionConfig(s) and Put/Get/Delete/ListScalingConfig(s).
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { ProvisioningService } from '../../domain/provisioning.ts';
import type { AppEnv } from '../context.ts';
import { ErrorSchema } from '../schemas/function.ts';
import { ListConfigsQuerySchema } from '../schemas/function-configs.ts';
import {
  ListProvisionConfigsOutputSchema, ListScalingConfigsOutputSchema, ProvisionConfigSchema,
  PutProvisionConfigInputSchema, PutScalingConfigInputSchema, ScalingConfigStatusSchema,
} from '../schemas/provision.ts';
import { jsonBody } from '../json-body.ts';

const BASE = '/2023-03-30';
const params = z.object({ functionName: z.string().openapi({ param: { name: 'functionName', in: 'path' } }) });
const query = z.object({ qualifier: z.string().optional().openapi({ description: 'LATEST (default), a version id or an alias' }) });
const err = (description: string) => ({ description, content: { 'application/json': { schema: ErrorSchema } } });
const json = <T extends z.ZodType>(description: string, schema: T) => ({ description, content: { 'application/json': { schema } } });

const r = {
  putP: createRoute({
    operationId: 'PutProvisionConfig', method: 'put', path: `${BASE}/functions/{functionName}/provision-config`,
    request: { params, query, ...jsonBody(PutProvisionConfigInputSchema) },
    responses: { 200: json('stored; target instances started', ProvisionConfigSchema), 400: err('InvalidArgument'), 404: err('FunctionNotFound') },
  }),
  getP: createRoute({
    operationId: 'GetProvisionConfig', method: 'get', path: `${BASE}/functions/{functionName}/provision-config`,
    request: { params, query }, responses: { 200: json('the provision config; without one {target: 0, current: 0} and no functionArn', ProvisionConfigSchema.partial()), 404: err('FunctionNotFound') },
  }),
  delP: createRoute({
    operationId: 'DeleteProvisionConfig', method: 'delete', path: `${BASE}/functions/{functionName}/provision-config`,
    request: { params, query }, responses: { 204: { description: 'deleted; the instances idle out' }, 404: err('FunctionNotFound / ProvisionConfigNotFound') },
  }),
  listP: createRoute({
    operationId: 'ListProvisionConfigs', method: 'get', path: `${BASE}/provision-configs`,
    request: { query: ListConfigsQuerySchema }, responses: { 200: json('a page of provision configs', ListProvisionConfigsOutputSchema), 400: err('InvalidArgument') },
  }),
  putS: createRoute({
    operationId: 'PutScalingConfig', method: 'put', path: `${BASE}/functions/{functionName}/scaling-config`,
    request: { params, query, ...jsonBody(PutScalingConfigInputSchema) },
    responses: { 200: json('stored; minInstances started', ScalingConfigStatusSchema), 400: err('InvalidArgument'), 404: err('FunctionNotFound') },
  }),
  getS: createRoute({
    operationId: 'GetScalingConfig', method: 'get', path: `${BASE}/functions/{functionName}/scaling-config`,
    request: { params, query }, responses: { 200: json('the scaling config', ScalingConfigStatusSchema), 404: err('FunctionNotFound / ScalingConfigNotFound') },
  }),
  delS: createRoute({
    operationId: 'DeleteScalingConfig', method: 'delete', path: `${BASE}/functions/{functionName}/scaling-config`,
    request: { params, query }, responses: { 204: { description: 'deleted' }, 404: err('FunctionNotFound / ScalingConfigNotFound') },
  }),
  listS: createRoute({
    operationId: 'ListScalingConfigs', method: 'get', path: `${BASE}/scaling-configs`,
    request: { query: ListConfigsQuerySchema }, responses: { 200: json('a page of scaling configs', ListScalingConfigsOutputSchema), 400: err('InvalidArgument') },
  }),
};

/**
 * GetProvisionConfig of a function without one: 200, no functionArn, target and current 0. Serverless Devs reads a body
 * without functionArn as "no config" and polls after DeleteProvisionConfig until current is 0, failing the deploy on
 * an error; Terraform reads target 0 as "none" (reference/fc3-definition/clients.json, docs/behaviour.md).
 */
const NO_PROVISION_CONFIG = { target: 0, current: 0 } as const;

/** The wire body: everything but the store's own key fields. */
function wire<T extends { functionName: string; qualifier: string }>(view: T): Omit<T, 'functionName' | 'qualifier'> {
  const { functionName: _f, qualifier: _q, ...rest } = view;
  return rest;
}

export function provisionRoutes(provisioning: ProvisioningService): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  const key = (p: { functionName: string }, q: { qualifier?: string | undefined }) => ({ functionName: p.functionName, qualifier: q.qualifier || 'LATEST' });
  const listOpts = (q: z.infer<typeof ListConfigsQuerySchema>) => ({
    ...(q.functionName ? { functionName: q.functionName } : {}), ...(q.limit ? { limit: q.limit } : {}), ...(q.nextToken ? { nextToken: q.nextToken } : {}),
  });

  app.openapi(r.putP, async (c) => c.json(wire(await provisioning.putProvision(key(c.req.valid('param'), c.req.valid('query')), c.req.valid('json'))) as never, 200));
  app.openapi(r.getP, async (c) => {
    const found = await provisioning.findProvision(key(c.req.valid('param'), c.req.valid('query')));
    return c.json((found ? wire(found) : NO_PROVISION_CONFIG) as never, 200);
  });
  app.openapi(r.delP, async (c) => {
    await provisioning.deleteProvision(key(c.req.valid('param'), c.req.valid('query')));
    return c.body(null, 204);
  });
  app.openapi(r.listP, async (c) => {
    const page = await provisioning.listProvision(listOpts(c.req.valid('query')));
    return c.json({ provisionConfigs: page.items.map(wire), ...(page.nextToken ? { nextToken: page.nextToken } : {}) } as never, 200);
  });

  app.openapi(r.putS, async (c) => c.json(wire(await provisioning.putScaling(key(c.req.valid('param'), c.req.valid('query')), c.req.valid('json'))) as never, 200));
  app.openapi(r.getS, async (c) => c.json(wire(await provisioning.getScaling(key(c.req.valid('param'), c.req.valid('query')))) as never, 200));
  app.openapi(r.delS, async (c) => {
    await provisioning.deleteScaling(key(c.req.valid('param'), c.req.valid('query')));
    return c.body(null, 204);
  });
  app.openapi(r.listS, async (c) => {
    const page = await provisioning.listScaling(listOpts(c.req.valid('query')));
    return c.json({ scalingConfigs: page.items.map(wire), ...(page.nextToken ? { nextToken: page.nextToken } : {}) } as never, 200);
  });
  return app;
}
