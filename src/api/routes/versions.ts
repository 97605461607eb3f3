/**
 * @module
 * PublishFunctionVersion, ListFunctionVersions, DeleteFunctionVersion: parse, call the service, render.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { isoSeconds } from '../../clock.ts';
import type { FunctionService } from '../../domain/functions.ts';
import type { VersionRecord } from '../../domain/versions.ts';
import type { AppEnv } from '../context.ts';
import { ErrorSchema } from '../schemas/function.ts';
import { ListVersionsOutputSchema, PublishVersionInputSchema, VersionSchema } from '../schemas/versions.ts';
import { jsonBody } from '../json-body.ts';

const BASE = '/2023-03-30/functions/{functionName}/versions';
const nameParam = { functionName: z.string().openapi({ param: { name: 'functionName', in: 'path' } }) };
const err = (description: string) => ({ description, content: { 'application/json': { schema: ErrorSchema } } });

const publish = createRoute({
  operationId: 'PublishFunctionVersion', method: 'post', path: BASE,
  request: { params: z.object(nameParam), ...jsonBody(PublishVersionInputSchema, false) },
  responses: {
    200: { description: 'the new version', content: { 'application/json': { schema: VersionSchema } } },
    400: err('InvalidArgument / VersionPublishError (nothing changed since the last version)'),
    404: err('FunctionNotFound'),
    409: err('ConcurrentUpdateError (Pending or an update InProgress)'),
    412: err('FunctionNotActive (Failed or Inactive)'),
  },
});
const list = createRoute({
  operationId: 'ListFunctionVersions', method: 'get', path: BASE,
  request: {
    params: z.object(nameParam),
    query: z.object({
      direction: z.enum(['FORWARD', 'BACKWARD']).optional().openapi({ description: 'BACKWARD (default): newest first' }),
      limit: z.coerce.number().int().min(1).max(100).optional(),
      nextToken: z.string().optional(),
    }),
  },
  responses: { 200: { description: 'a page of versions', content: { 'application/json': { schema: ListVersionsOutputSchema } } }, 400: err('InvalidArgument'), 404: err('FunctionNotFound') },
});
const remove = createRoute({
  operationId: 'DeleteFunctionVersion', method: 'delete', path: `${BASE}/{versionId}`,
  request: { params: z.object({ ...nameParam, versionId: z.string().openapi({ param: { name: 'versionId', in: 'path' } }) }) },
  responses: { 204: { description: 'deleted' }, 404: err('FunctionNotFound / VersionNotFound'), 409: err('VersionInUse (an alias points at it)') },
});

export function renderVersion(v: VersionRecord): z.infer<typeof VersionSchema> {
  return { versionId: v.versionId, description: v.description, createdTime: isoSeconds(v.createdTime), lastModifiedTime: isoSeconds(v.lastModifiedTime) };
}

export function versionRoutes(functions: FunctionService): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(publish, async (c) => {
    const { functionName } = c.req.valid('param');
    // The SDK sends no body when the request has none.
    const input = (c.req.valid('json') as z.infer<typeof PublishVersionInputSchema> | undefined) ?? {};
    return c.json(renderVersion(functions.publishVersion(functionName, input.description ?? '')), 200);
  });

  app.openapi(list, (c) => {
    const { functionName } = c.req.valid('param');
    const q = c.req.valid('query');
    const direction = q.direction ?? 'BACKWARD';
    const page = functions.versions(functionName).list({ direction, ...(q.limit ? { limit: q.limit } : {}), ...(q.nextToken ? { nextToken: q.nextToken } : {}) });
    return c.json({ versions: page.items.map(renderVersion), direction, ...(page.nextToken ? { nextToken: page.nextToken } : {}) }, 200);
  });

  app.openapi(remove, async (c) => {
    const { functionName, versionId } = c.req.valid('param');
    await functions.deleteVersion(functionName, versionId);
    return c.body(null, 204);
  });

  return app;
}
