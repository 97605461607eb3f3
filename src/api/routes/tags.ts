/**
 * @module
 * TagResources, UntagResources, ListTagResources under /tags-v2 (PascalCase names; arrays in the query are JSON strings).
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { errors } from '../../domain/errors.ts';
import { MAX_TAGS, type TagService } from '../../domain/tags.ts';
import type { AppEnv } from '../context.ts';
import { isString, isTagFilter, jsonArrayParam } from '../query-json.ts';
import { ErrorSchema } from '../schemas/function.ts';
import { ListTagResourcesOutputSchema, TagResourcesInputSchema } from '../schemas/tags.ts';
import { jsonBody } from '../json-body.ts';

const PATH = '/2023-03-30/tags-v2';
const err = (description: string) => ({ description, content: { 'application/json': { schema: ErrorSchema } } });

const routes = {
  tag: createRoute({
    operationId: 'TagResources', method: 'post', path: PATH,
    request: { ...jsonBody(TagResourcesInputSchema) },
    responses: { 204: { description: 'tagged' }, 400: err('InvalidArgument'), 404: err('FunctionNotFound') },
  }),
  untag: createRoute({
    operationId: 'UntagResources', method: 'delete', path: PATH,
    request: {
      query: z.object({
        ResourceType: z.string().optional(),
        ResourceId: z.string().openapi({ description: 'JSON array of function ARNs or names' }),
        TagKey: z.string().optional().openapi({ description: 'JSON array of tag keys' }),
        All: z.string().optional(),
      }),
    },
    responses: { 204: { description: 'untagged' }, 400: err('InvalidArgument'), 404: err('FunctionNotFound') },
  }),
  list: createRoute({
    operationId: 'ListTagResources', method: 'get', path: PATH,
    request: {
      query: z.object({
        ResourceType: z.string().optional(),
        ResourceId: z.string().optional().openapi({ description: 'JSON array of function ARNs or names' }),
        Tag: z.string().optional().openapi({ description: 'JSON array of {Key, Value}' }),
        Limit: z.coerce.number().int().min(1).max(100).optional(),
        NextToken: z.string().optional(),
      }),
    },
    responses: { 200: { description: 'one row per resource and tag', content: { 'application/json': { schema: ListTagResourcesOutputSchema } } }, 400: err('InvalidArgument') },
  }),
};


export function tagRoutes(tags: TagService): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(routes.tag, (c) => {
    const input = c.req.valid('json');
    tags.tag(input.ResourceType, input.ResourceId, input.Tag);
    return c.body(null, 204);
  });

  app.openapi(routes.untag, (c) => {
    const q = c.req.valid('query');
    const ids = jsonArrayParam(q.ResourceId, 'ResourceId', isString);
    if (!ids?.length) throw errors.invalidArgument('ResourceId is required');
    const keys = jsonArrayParam(q.TagKey, 'TagKey', isString);
    // The definition: "You can specify up to 50 tag keys."
    if (keys && keys.length > 50) throw errors.invalidArgument(`TagKey lists ${keys.length} keys; at most 50 are allowed`);
    tags.untag(q.ResourceType, ids, keys, q.All === 'true');
    return c.body(null, 204);
  });

  app.openapi(routes.list, (c) => {
    const q = c.req.valid('query');
    const ids = jsonArrayParam(q.ResourceId, 'ResourceId', isString);
    const filter = jsonArrayParam(q.Tag, 'Tag', isTagFilter);
    // The definition: "You can specify up to 20 tags."
    if (filter && filter.length > MAX_TAGS) throw errors.invalidArgument(`Tag lists ${filter.length} tags; at most ${MAX_TAGS} are allowed`);
    const page = tags.list({
      ...(q.ResourceType ? { resourceType: q.ResourceType } : {}), ...(ids ? { resourceIds: ids } : {}), ...(filter ? { filter } : {}),
      ...(q.Limit ? { limit: q.Limit } : {}), ...(q.NextToken ? { nextToken: q.NextToken } : {}),
    });
    return c.json({ TagResources: page.rows, ...(page.nextToken ? { NextToken: page.nextToken } : {}), RequestId: c.var.requestId }, 200);
  });
  return app;
}
