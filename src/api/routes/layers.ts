/**
 * @module
 * Layer versions: CreateLayerVersion, GetLayerVersion, GetLayerVersionByArn, ListLayers, ListLayerVersions,
 * DeleteLayerVersion, PutLayerACL.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { isoSeconds } from '../../clock.ts';
import { errors } from '../../domain/errors.ts';
import type { LayerStore, LayerVersion } from '../../domain/layers.ts';
import type { ObjectStore } from '../../domain/object-store.ts';
import type { CodeUrls } from '../code-urls.ts';
import type { AppEnv } from '../context.ts';
import { ownOrigin } from '../own-origin.ts';
import { ErrorSchema } from '../schemas/function.ts';
import { CreateLayerVersionInputSchema, LayerSchema, ListLayerVersionOutputSchema, ListLayersOutputSchema } from '../schemas/layers.ts';
import { codeZip } from '../code-location.ts';
import { jsonBody } from '../json-body.ts';
import { oneOf } from '../schemas/limits.ts';

const BASE = '/2023-03-30';
const param = (name: string) => z.string().openapi({ param: { name, in: 'path' } });
const LayerParam = z.object({ layerName: param('layerName') });
const VersionParam = z.object({ layerName: param('layerName'), version: param('version') });
const err = (description: string) => ({ description, content: { 'application/json': { schema: ErrorSchema } } });
const layerResponse = { 200: { description: 'the layer version', content: { 'application/json': { schema: LayerSchema } } }, 400: err('InvalidArgument'), 404: err('LayerNotFound') };

const routes = {
  create: createRoute({
    operationId: 'CreateLayerVersion', method: 'post', path: `${BASE}/layers/{layerName}/versions`,
    request: { params: LayerParam, ...jsonBody(CreateLayerVersionInputSchema) },
    responses: layerResponse,
  }),
  get: createRoute({ operationId: 'GetLayerVersion', method: 'get', path: `${BASE}/layers/{layerName}/versions/{version}`, request: { params: VersionParam }, responses: layerResponse }),
  byArn: createRoute({ operationId: 'GetLayerVersionByArn', method: 'get', path: `${BASE}/layerarn/{arn}`, request: { params: z.object({ arn: param('arn') }) }, responses: layerResponse }),
  list: createRoute({
    operationId: 'ListLayers', method: 'get', path: `${BASE}/layers`,
    request: {
      query: z.object({
        limit: z.coerce.number().int().min(1).max(100).optional(),
        nextToken: z.string().optional(),
        prefix: z.string().optional(),
        official: oneOf(['true', 'false']).optional().openapi({ description: 'true: Alibaba Cloud official layers (localfc has none)' }),
        public: oneOf(['true', 'false']).optional().openapi({ description: 'true: only layers made public with PutLayerACL' }),
      }),
    },
    responses: { 200: { description: 'newest version of each layer', content: { 'application/json': { schema: ListLayersOutputSchema } } }, 400: err('InvalidArgument') },
  }),
  versions: createRoute({
    operationId: 'ListLayerVersions', method: 'get', path: `${BASE}/layers/{layerName}/versions`,
    request: { params: LayerParam, query: z.object({ limit: z.coerce.number().int().min(1).max(100).optional(), startVersion: z.coerce.number().int().min(1).optional() }) },
    responses: { 200: { description: 'versions from startVersion up', content: { 'application/json': { schema: ListLayerVersionOutputSchema } } }, 404: err('LayerNotFound') },
  }),
  delete: createRoute({ operationId: 'DeleteLayerVersion', method: 'delete', path: `${BASE}/layers/{layerName}/versions/{version}`, request: { params: VersionParam }, responses: { 204: { description: 'deleted' }, 404: err('LayerNotFound') } }),
  acl: createRoute({
    operationId: 'PutLayerACL', method: 'put', path: `${BASE}/layers/{layerName}/acl`,
    request: { params: LayerParam, query: z.object({ public: oneOf(['true', 'false']).optional(), acl: oneOf(['0', '1']).optional() }) },
    responses: { 204: { description: 'stored' }, 404: err('LayerNotFound') },
  }),
};

function versionOf(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw errors.invalidArgument(`invalid layer version '${raw}': a positive integer`);
  return n;
}

export function layerRoutes(deps: { layers: LayerStore; urls: CodeUrls; objects: Pick<ObjectStore, 'hasBucket' | 'find'> }): OpenAPIHono<AppEnv> {
  const { layers, urls, objects } = deps;
  const app = new OpenAPIHono<AppEnv>();
  const render = (origin: string, l: LayerVersion) => ({
    layerName: l.layerName, version: l.version, layerVersionArn: l.layerVersionArn, description: l.description, license: l.license,
    compatibleRuntime: [...l.compatibleRuntime], codeChecksum: l.codeChecksum, codeSize: l.codeSize, createTime: isoSeconds(l.createdAt), acl: l.acl,
    code: { location: urls.layerCode(origin, l.layerName, l.version), repositoryType: 'OSS' },
  });

  app.openapi(routes.create, (c) => {
    const input = c.req.valid('json');
    const zip = codeZip(input.code, objects);
    if (!zip) throw errors.invalidArgument('code is required: code.zipFile, or code.ossBucketName and code.ossObjectName');
    const created = layers.create(c.req.valid('param').layerName, {
      zip,
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.license !== undefined ? { license: input.license } : {}),
      ...(input.compatibleRuntime ? { compatibleRuntime: input.compatibleRuntime } : {}),
    });
    return c.json(render(ownOrigin(c), created), 200);
  });

  app.openapi(routes.get, (c) => {
    const { layerName, version } = c.req.valid('param');
    return c.json(render(ownOrigin(c), layers.get(layerName, versionOf(version))), 200);
  });

  app.openapi(routes.byArn, (c) => c.json(render(ownOrigin(c), layers.getByArn(c.req.valid('param').arn)), 200));

  app.openapi(routes.list, (c) => {
    const q = c.req.valid('query');
    if (q.official === 'true') return c.json({ layers: [] }, 200);
    const page = layers.list({ ...(q.prefix ? { prefix: q.prefix } : {}), ...(q.limit ? { limit: q.limit } : {}), ...(q.nextToken ? { nextToken: q.nextToken } : {}) });
    const shown = q.public === 'true' ? page.layers.filter((l) => l.acl === '1') : page.layers;
    return c.json({ layers: shown.map((l) => render(ownOrigin(c), l)), ...(page.nextToken ? { nextToken: page.nextToken } : {}) }, 200);
  });

  app.openapi(routes.versions, (c) => {
    const q = c.req.valid('query');
    const page = layers.listVersions(c.req.valid('param').layerName, { ...(q.limit ? { limit: q.limit } : {}), ...(q.startVersion ? { startVersion: q.startVersion } : {}) });
    return c.json({ layers: page.layers.map((l) => render(ownOrigin(c), l)), ...(page.nextVersion !== undefined ? { nextVersion: page.nextVersion } : {}) }, 200);
  });

  app.openapi(routes.delete, (c) => {
    const { layerName, version } = c.req.valid('param');
    layers.delete(layerName, versionOf(version));
    return c.body(null, 204);
  });

  app.openapi(routes.acl, (c) => {
    const q = c.req.valid('query');
    // The SDK sends `public` ("true"/"false"); older callers send `acl` ("1" public, "0" private).
    const isPublic = q.public !== undefined ? q.public === 'true' : q.acl === '1';
    layers.setAcl(c.req.valid('param').layerName, isPublic);
    return c.body(null, 204);
  });

  return app;
}
