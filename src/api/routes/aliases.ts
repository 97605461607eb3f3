/**
 * @module
 * CreateAlias, GetAlias, UpdateAlias, ListAliases, DeleteAlias: parse, call the function's version store, render.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { isoSeconds } from '../../clock.ts';
import type { FunctionService } from '../../domain/functions.ts';
import type { AliasRecord } from '../../domain/versions.ts';
import type { AppEnv } from '../context.ts';
import { ErrorSchema } from '../schemas/function.ts';
import { AliasSchema, CreateAliasInputSchema, ListAliasesOutputSchema, UpdateAliasInputSchema } from '../schemas/versions.ts';
import { jsonBody } from '../json-body.ts';

const BASE = '/2023-03-30/functions/{functionName}/aliases';
const nameParam = { functionName: z.string().openapi({ param: { name: 'functionName', in: 'path' } }) };
const aliasParams = z.object({ ...nameParam, aliasName: z.string().openapi({ param: { name: 'aliasName', in: 'path' } }) });
const err = (description: string) => ({ description, content: { 'application/json': { schema: ErrorSchema } } });
const aliasResponse = { description: 'the alias', content: { 'application/json': { schema: AliasSchema } } };

const create = createRoute({
  operationId: 'CreateAlias', method: 'post', path: BASE,
  request: { params: z.object(nameParam), ...jsonBody(CreateAliasInputSchema) },
  responses: { 200: aliasResponse, 400: err('InvalidArgument'), 404: err('FunctionNotFound / VersionNotFound'), 409: err('AliasAlreadyExists') },
});
const get = createRoute({
  operationId: 'GetAlias', method: 'get', path: `${BASE}/{aliasName}`,
  request: { params: aliasParams },
  responses: { 200: aliasResponse, 404: err('FunctionNotFound / AliasNotFound') },
});
const update = createRoute({
  operationId: 'UpdateAlias', method: 'put', path: `${BASE}/{aliasName}`,
  request: { params: aliasParams, ...jsonBody(UpdateAliasInputSchema) },
  responses: { 200: aliasResponse, 400: err('InvalidArgument'), 404: err('FunctionNotFound / AliasNotFound / VersionNotFound') },
});
const list = createRoute({
  operationId: 'ListAliases', method: 'get', path: BASE,
  request: {
    params: z.object(nameParam),
    query: z.object({ prefix: z.string().max(128).optional(), limit: z.coerce.number().int().min(1).max(100).optional(), nextToken: z.string().optional() }),
  },
  responses: { 200: { description: 'a page of aliases', content: { 'application/json': { schema: ListAliasesOutputSchema } } }, 400: err('InvalidArgument'), 404: err('FunctionNotFound') },
});
const remove = createRoute({
  operationId: 'DeleteAlias', method: 'delete', path: `${BASE}/{aliasName}`,
  request: { params: aliasParams },
  responses: { 204: { description: 'deleted' }, 404: err('FunctionNotFound / AliasNotFound') },
});

export function renderAlias(a: AliasRecord): z.infer<typeof AliasSchema> {
  return {
    aliasName: a.aliasName,
    versionId: a.versionId,
    description: a.description,
    additionalVersionWeight: { ...a.additionalVersionWeight },
    createdTime: isoSeconds(a.createdTime),
    lastModifiedTime: isoSeconds(a.lastModifiedTime),
  };
}

export function aliasRoutes(functions: FunctionService): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(create, (c) => {
    const { functionName } = c.req.valid('param');
    const { aliasName, ...input } = c.req.valid('json');
    return c.json(renderAlias(functions.versions(functionName).createAlias(aliasName, input)), 200);
  });

  app.openapi(get, (c) => {
    const { functionName, aliasName } = c.req.valid('param');
    return c.json(renderAlias(functions.versions(functionName).getAlias(aliasName)), 200);
  });

  app.openapi(update, (c) => {
    const { functionName, aliasName } = c.req.valid('param');
    return c.json(renderAlias(functions.versions(functionName).updateAlias(aliasName, c.req.valid('json'))), 200);
  });

  app.openapi(list, (c) => {
    const { functionName } = c.req.valid('param');
    const q = c.req.valid('query');
    const page = functions.versions(functionName).listAliases({ ...(q.prefix ? { prefix: q.prefix } : {}), ...(q.limit ? { limit: q.limit } : {}), ...(q.nextToken ? { nextToken: q.nextToken } : {}) });
    return c.json({ aliases: page.items.map(renderAlias), ...(page.nextToken ? { nextToken: page.nextToken } : {}) }, 200);
  });

  app.openapi(remove, (c) => {
    const { functionName, aliasName } = c.req.valid('param');
    functions.versions(functionName).deleteAlias(aliasName);
    return c.body(null, 204);
  });

  return app;
}
