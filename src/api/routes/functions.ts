/**
 * @module
 * CreateFunction, GetFunction, UpdateFunction, DeleteFunction, ListFunctions: parse, call the service, render.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { functionFaults } from '../../domain/faults/rules.ts';
import type { FunctionService } from '../../domain/functions.ts';
import type { FunctionRecord, Revision } from '../../domain/model.ts';
import type { LayerStore } from '../../domain/layers.ts';
import type { ObjectStore } from '../../domain/object-store.ts';
import type { ProvisioningService } from '../../domain/provisioning.ts';
import { checkedTags } from '../../domain/tags.ts';
import type { TriggerService } from '../../domain/triggers.ts';
import type { AppEnv } from '../context.ts';
import { errors } from '../../domain/errors.ts';
import { isTagFilter, jsonArrayParam, type TagFilter } from '../query-json.ts';
import { ErrorSchema, FUNCTION_NAME, CreateFunctionInputSchema, FunctionSchema, ListFunctionsOutputSchema, UpdateFunctionInputSchema } from '../schemas/function.ts';
import { codeZip } from '../code-location.ts';
import { renderFunction, renderListedFunction, toConfig } from '../to-config.ts';
import { jsonBody } from '../json-body.ts';
import { respondJsonText } from '../respond.ts';
import { openapiLean } from '../lean-route.ts';
import type { HotRoutes } from '../hot-routes.ts';
import { oneOf } from '../schemas/limits.ts';

const BASE = '/2023-03-30';
/** GetFunction answers kept rendered (one per record): a few hot functions, not every function of a large setup. */
const RENDERED_KEPT = 64;
const NameParam = z.object({ functionName: z.string().openapi({ param: { name: 'functionName', in: 'path' } }) });
const errorResponses = {
  400: { description: 'InvalidArgument', content: { 'application/json': { schema: ErrorSchema } } },
  404: { description: 'FunctionNotFound', content: { 'application/json': { schema: ErrorSchema } } },
  409: { description: 'FunctionAlreadyExists / FunctionNotEmpty (DeleteFunction while triggers remain) / ProvisionConfigExist / ResidentScalingConfigExists', content: { 'application/json': { schema: ErrorSchema } } },
} as const;
const fnResponse = { 200: { description: 'the function', content: { 'application/json': { schema: FunctionSchema } } }, ...errorResponses };

const createFn = createRoute({
  operationId: 'CreateFunction', method: 'post', path: `${BASE}/functions`,
  request: { ...jsonBody(CreateFunctionInputSchema) },
  responses: fnResponse,
});
const getFn = createRoute({
  operationId: 'GetFunction', method: 'get', path: `${BASE}/functions/{functionName}`,
  request: { params: NameParam, query: z.object({ qualifier: z.string().optional() }) },
  responses: fnResponse,
});
const updateFn = createRoute({
  operationId: 'UpdateFunction', method: 'put', path: `${BASE}/functions/{functionName}`,
  request: { params: NameParam, ...jsonBody(UpdateFunctionInputSchema) },
  responses: fnResponse,
});
const deleteFn = createRoute({
  operationId: 'DeleteFunction', method: 'delete', path: `${BASE}/functions/{functionName}`,
  request: { params: NameParam },
  responses: { 204: { description: 'deleted' }, ...errorResponses },
});
const listFns = createRoute({
  operationId: 'ListFunctions', method: 'get', path: `${BASE}/functions`,
  request: {
    query: z.object({
      prefix: z.string().max(128).optional(),
      limit: z.coerce.number().int().min(1).max(100).optional(),
      nextToken: z.string().optional(),
      runtime: z.string().optional(),
      description: z.string().optional(),
      functionName: z.string().optional(),
      fcVersion: oneOf(['v3', 'v2']).optional().openapi({ description: 'v2 lists nothing: every localfc function is an FC 3.0 one' }),
      gpuType: z.string().optional(),
      resourceGroupId: z.string().optional(),
      tags: z.string().optional().openapi({ description: 'JSON array of {Key, Value}' }),
    }),
  },
  responses: { 200: { description: 'a page of functions', content: { 'application/json': { schema: ListFunctionsOutputSchema } } }, 400: errorResponses[400] },
});

function checkName(name: string): void {
  if (!FUNCTION_NAME.test(name)) throw errors.invalidArgument(`invalid functionName '${name}'`);
}

function parseTagFilter(raw: string | undefined): TagFilter[] {
  return jsonArrayParam(raw, 'tags', isTagFilter, '{"Key","Value"} objects') ?? [];
}

/**
 * `objects`: localfc's OSS, where `code.ossBucketName`/`ossObjectName` are read from. `triggers`: a function that still
 * has some cannot be deleted (FunctionNotEmpty). `hot`: where GetFunction's fast route goes (api/hot-routes.ts), if any.
 */
export function functionRoutes(
  functions: FunctionService,
  layers: Pick<LayerStore, 'getByArn'> | undefined,
  objects: Pick<ObjectStore, 'hasBucket' | 'find'>,
  triggers: Pick<TriggerService, 'list'>,
  provisioning: Pick<ProvisioningService, 'assertNothingResident'>,
  hot?: HotRoutes,
): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  const layerSize = (arn: string): number => {
    try {
      return layers?.getByArn(arn).codeSize ?? 0;
    } catch {
      return 0; // deleted since: the function keeps the ARN
    }
  };
  // Every layer ARN must name an existing version (LayerNotFound 404, InvalidArgument when malformed).
  const checkLayers = (arns: readonly string[] | undefined): void => {
    for (const arn of arns ?? []) layers?.getByArn(arn);
  };
  const render = (name: string, qualifier?: string) => renderFunction(functions.get(name), functions.shownFor(name, qualifier), layerSize);

  app.openapi(createFn, async (c) => {
    const input = c.req.valid('json');
    const config = toConfig(input);
    checkLayers(input.layers);
    const tags = checkedTags(input.tags ?? []);
    functionFaults(tags, config.environmentVariables, true);
    const zip = codeZip(input.code, objects);
    const fn = await functions.create({ functionName: input.functionName, config, tags, ...(zip ? { zip } : {}) });
    return c.json(render(fn.functionName), 200);
  });

  // GetFunction's JSON for a record and the revision it shows, kept for the last few records asked for: records and
  // revisions are immutable (every change makes new ones), so the same pair renders the same bytes. Layer sizes come
  // from elsewhere (a deleted layer shows size 0): functions with layers are rendered every time.
  // The fast route writes the kept UTF-8 bytes: Node encoded the text anew for every answer.
  const renderedJson = new Map<FunctionRecord, { rev: Revision; json: string; bytes: Buffer }>();
  const rendered = (name: string, qualifier?: string): { json: string; bytes?: Buffer } => {
    const fn = functions.get(name);
    const rev = functions.shownFor(name, qualifier);
    if (rev.config.layers.length > 0) return { json: JSON.stringify(renderFunction(fn, rev, layerSize)) };
    const kept = renderedJson.get(fn);
    if (kept?.rev === rev) return kept;
    const json = JSON.stringify(renderFunction(fn, rev, layerSize));
    if (!kept && renderedJson.size >= RENDERED_KEPT) renderedJson.delete(renderedJson.keys().next().value!);
    const fresh = { rev, json, bytes: Buffer.from(json) };
    renderedJson.set(fn, fresh);
    return fresh;
  };
  const getRendered = (functionName: string, qualifier: string | undefined) => {
    checkName(functionName);
    return rendered(functionName, qualifier);
  };
  openapiLean(app, getFn, (c) => respondJsonText<ReturnType<typeof renderFunction>>(c, getRendered(c.req.valid('param').functionName, c.req.valid('query').qualifier).json));
  hot?.get(getFn, (valid) => {
    const r = getRendered(valid.param.functionName!, valid.query.qualifier);
    return r.bytes ?? r.json;
  });

  app.openapi(updateFn, async (c) => {
    const { functionName } = c.req.valid('param');
    checkName(functionName);
    const input = c.req.valid('json');
    const current = functions.get(functionName);
    const config = toConfig(input, current.latest.config);
    checkLayers(input.layers);
    functionFaults(current.tags, config.environmentVariables, true);
    const zip = codeZip(input.code, objects);
    await functions.update(functionName, { config, ...(zip ? { zip } : {}) });
    return c.json(render(functionName), 200);
  });

  app.openapi(deleteFn, async (c) => {
    const { functionName } = c.req.valid('param');
    checkName(functionName);
    functions.get(functionName);
    // FC refuses with FunctionNotEmpty "function '%s' has active triggers"; clients delete triggers first (docs/behaviour.md).
    const remaining = triggers.list(functionName, { limit: 10 }).triggers.map((t) => t.triggerName);
    if (remaining.length > 0) throw errors.functionNotEmpty(functionName, remaining);
    provisioning.assertNothingResident(functionName);
    await functions.delete(functionName);
    return c.body(null, 204);
  });

  app.openapi(listFns, (c) => {
    const q = c.req.valid('query');
    const tagFilter = parseTagFilter(q.tags);
    const page = functions.list({
      ...(q.prefix ? { prefix: q.prefix } : {}),
      ...(q.limit ? { limit: q.limit } : {}),
      ...(q.nextToken ? { nextToken: q.nextToken } : {}),
      filter: (r) => {
        const cfg = functions.shown(r).config;
        if (q.fcVersion === 'v2') return false;
        if (q.runtime && cfg.runtime !== q.runtime) return false;
        if (q.functionName && !r.functionName.includes(q.functionName)) return false;
        if (q.description && !cfg.description.includes(q.description)) return false;
        if (q.gpuType && (cfg.passthrough.gpuConfig as { gpuType?: unknown } | undefined)?.gpuType !== q.gpuType) return false;
        if (q.resourceGroupId && cfg.passthrough.resourceGroupId !== q.resourceGroupId) return false;
        return tagFilter.every((t) => r.tags.some((rt) => rt.Key === t.Key && (t.Value === undefined || rt.Value === t.Value)));
      },
    });
    const body = { functions: page.functions.map((f) => renderListedFunction(f, functions.shown(f), layerSize)), ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
    return c.json(body, 200);
  });

  return app;
}
