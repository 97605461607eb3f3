/**
 * @module
 * Put/Get/Delete/ListAsyncInvokeConfig(s) and Put/Get/Delete/ListConcurrencyConfig(s): parse, call the store, render.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { isoSeconds } from '../../clock.ts';
import type { AsyncInvokeConfig, ConcurrencyConfig, FunctionConfigStore } from '../../domain/function-configs.ts';
import type { AppEnv } from '../context.ts';
import { ErrorSchema } from '../schemas/function.ts';
import {
  AsyncConfigSchema,
  ConcurrencyConfigSchema,
  ListAsyncInvokeConfigOutputSchema,
  ListConcurrencyConfigsOutputSchema,
  ListConfigsQuerySchema,
  PutAsyncInvokeConfigInputSchema,
  PutConcurrencyInputSchema,
} from '../schemas/function-configs.ts';
import { jsonBody } from '../json-body.ts';

const BASE = '/2023-03-30';
const NameParam = z.object({ functionName: z.string().openapi({ param: { name: 'functionName', in: 'path' } }) });
const QualifierQuery = z.object({ qualifier: z.string().optional() });
const err = (description: string) => ({ description, content: { 'application/json': { schema: ErrorSchema } } });
const json = <T extends z.ZodType>(description: string, schema: T) => ({ description, content: { 'application/json': { schema } } });
const errors404 = { 400: err('InvalidArgument'), 404: err('FunctionNotFound / AsyncConfigNotExists / OnDemandConfigNotFound') } as const;

function renderAsync(c: AsyncInvokeConfig): z.infer<typeof AsyncConfigSchema> {
  return {
    functionArn: c.functionArn,
    createdTime: isoSeconds(c.createdTime),
    lastModifiedTime: isoSeconds(c.lastModifiedTime),
    ...(c.asyncTask !== undefined ? { asyncTask: c.asyncTask } : {}),
    ...(c.destinationConfig ? { destinationConfig: c.destinationConfig } : {}),
    ...(c.maxAsyncEventAgeInSeconds !== undefined ? { maxAsyncEventAgeInSeconds: c.maxAsyncEventAgeInSeconds } : {}),
    ...(c.maxAsyncRetryAttempts !== undefined ? { maxAsyncRetryAttempts: c.maxAsyncRetryAttempts } : {}),
  };
}

const renderConcurrency = (c: ConcurrencyConfig) => ({ functionArn: c.functionArn, reservedConcurrency: c.reservedConcurrency });

const putAsync = createRoute({
  operationId: 'PutAsyncInvokeConfig', method: 'put', path: `${BASE}/functions/{functionName}/async-invoke-config`,
  request: { params: NameParam, query: QualifierQuery, ...jsonBody(PutAsyncInvokeConfigInputSchema) },
  responses: { 200: json('the config', AsyncConfigSchema), ...errors404 },
});
const getAsync = createRoute({
  operationId: 'GetAsyncInvokeConfig', method: 'get', path: `${BASE}/functions/{functionName}/async-invoke-config`,
  request: { params: NameParam, query: QualifierQuery },
  responses: { 200: json('the config', AsyncConfigSchema), ...errors404 },
});
const deleteAsync = createRoute({
  operationId: 'DeleteAsyncInvokeConfig', method: 'delete', path: `${BASE}/functions/{functionName}/async-invoke-config`,
  request: { params: NameParam, query: QualifierQuery },
  responses: { 204: { description: 'deleted' }, ...errors404 },
});
const listAsync = createRoute({
  operationId: 'ListAsyncInvokeConfigs', method: 'get', path: `${BASE}/async-invoke-configs`,
  request: { query: ListConfigsQuerySchema },
  responses: { 200: json('a page of configs', ListAsyncInvokeConfigOutputSchema), 400: err('InvalidArgument') },
});
const putConcurrency = createRoute({
  operationId: 'PutConcurrencyConfig', method: 'put', path: `${BASE}/functions/{functionName}/concurrency`,
  request: { params: NameParam, ...jsonBody(PutConcurrencyInputSchema) },
  responses: { 200: json('the config', ConcurrencyConfigSchema), ...errors404 },
});
const getConcurrency = createRoute({
  operationId: 'GetConcurrencyConfig', method: 'get', path: `${BASE}/functions/{functionName}/concurrency`,
  request: { params: NameParam },
  responses: { 200: json('the config', ConcurrencyConfigSchema), ...errors404 },
});
const deleteConcurrency = createRoute({
  operationId: 'DeleteConcurrencyConfig', method: 'delete', path: `${BASE}/functions/{functionName}/concurrency`,
  request: { params: NameParam },
  responses: { 204: { description: 'deleted' }, ...errors404 },
});
const listConcurrency = createRoute({
  operationId: 'ListConcurrencyConfigs', method: 'get', path: `${BASE}/concurrency-configs`,
  request: { query: ListConfigsQuerySchema },
  responses: { 200: json('a page of configs', ListConcurrencyConfigsOutputSchema), 400: err('InvalidArgument') },
});

export function functionConfigRoutes(store: FunctionConfigStore): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(putAsync, (c) => {
    const { functionName } = c.req.valid('param');
    const { qualifier = 'LATEST' } = c.req.valid('query');
    return c.json(renderAsync(store.putAsync(functionName, qualifier, c.req.valid('json'))), 200);
  });
  app.openapi(getAsync, (c) => {
    const { functionName } = c.req.valid('param');
    const { qualifier = 'LATEST' } = c.req.valid('query');
    return c.json(renderAsync(store.getAsync(functionName, qualifier)), 200);
  });
  app.openapi(deleteAsync, (c) => {
    const { functionName } = c.req.valid('param');
    const { qualifier = 'LATEST' } = c.req.valid('query');
    store.deleteAsync(functionName, qualifier);
    return c.body(null, 204);
  });
  app.openapi(listAsync, (c) => {
    const page = store.listAsync(c.req.valid('query'));
    return c.json({ configs: page.items.map(renderAsync), ...(page.nextToken ? { nextToken: page.nextToken } : {}) }, 200);
  });

  app.openapi(putConcurrency, (c) => {
    const { functionName } = c.req.valid('param');
    return c.json(renderConcurrency(store.putConcurrency(functionName, c.req.valid('json').reservedConcurrency)), 200);
  });
  app.openapi(getConcurrency, (c) => c.json(renderConcurrency(store.getConcurrency(c.req.valid('param').functionName)), 200));
  app.openapi(deleteConcurrency, (c) => {
    store.deleteConcurrency(c.req.valid('param').functionName);
    return c.body(null, 204);
  });
  app.openapi(listConcurrency, (c) => {
    const page = store.listConcurrency(c.req.valid('query'));
    return c.json({ configs: page.items.map(renderConcurrency), ...(page.nextToken ? { nextToken: page.nextToken } : {}) }, 200);
  });

  return app;
}
