/**
 * @module
 * GetFunctionCode (a signed localfc URL to the stored zip, and its CRC-64) and the download routes behind such URLs
 * (function code and layer code).
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { errors } from '../../domain/errors.ts';
import type { FunctionService } from '../../domain/functions.ts';
import type { LayerStore } from '../../domain/layers.ts';
import type { Revision } from '../../domain/model.ts';
import { CODE_PREFIX, type CodeUrls } from '../code-urls.ts';
import type { AppEnv } from '../context.ts';
import { ownOrigin } from '../own-origin.ts';
import { ErrorSchema } from '../schemas/function.ts';
import { OutputFuncCodeSchema } from '../schemas/instances.ts';

const getCode = createRoute({
  operationId: 'GetFunctionCode', method: 'get', path: '/2023-03-30/functions/{functionName}/code',
  request: {
    params: z.object({ functionName: z.string().openapi({ param: { name: 'functionName', in: 'path' } }) }),
    query: z.object({ qualifier: z.string().optional() }),
  },
  responses: {
    200: { description: 'where to download the code package', content: { 'application/json': { schema: OutputFuncCodeSchema } } },
    400: { description: 'InvalidArgument (custom-container: no code package)', content: { 'application/json': { schema: ErrorSchema } } },
    404: { description: 'FunctionNotFound / VersionNotFound / AliasNotFound', content: { 'application/json': { schema: ErrorSchema } } },
  },
});

export function codeRoutes(deps: { functions: FunctionService; layers: LayerStore; urls: CodeUrls }): OpenAPIHono<AppEnv> {
  const { functions, layers, urls } = deps;
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(getCode, (c) => {
    const { functionName } = c.req.valid('param');
    const revision = functions.shownFor(functionName, c.req.valid('query').qualifier ?? 'LATEST');
    if (!revision.code) throw errors.invalidArgument(`function '${functionName}' runs a container image and has no code package`);
    return c.json({ url: urls.functionCode(ownOrigin(c), functionName, revision.id), checksum: revision.codeChecksum }, 200);
  });

  const signed = (c: { req: { url: string; query(k: string): string | undefined } }): void => {
    const why = urls.refusal(new URL(c.req.url).pathname, c.req.query('Signature'), c.req.query('Expires'));
    if (why) throw errors.accessDenied('AccessDenied', why);
  };
  const zip = (body: Buffer) => new Response(new Uint8Array(body), { status: 200, headers: { 'content-type': 'application/zip', 'content-length': String(body.length) } });

  app.get(`${CODE_PREFIX}/functions/:functionName/:file{[0-9]+\\.zip}`, (c) => {
    signed(c);
    const name = c.req.param('functionName');
    const id = Number.parseInt(c.req.param('file'), 10);
    const record = functions.get(name);
    const candidates: Array<Revision | undefined> = [record.latest, record.serving, ...functions.versions(name).all().map((v) => v.revision)];
    const code = candidates.find((r) => r?.id === id)?.code;
    if (!code) throw errors.notFound('CodeNotFound', `revision ${id} of function '${name}' is no longer stored`);
    return zip(code.zip);
  });

  app.get(`${CODE_PREFIX}/layers/:layerName/:file{[0-9]+\\.zip}`, (c) => {
    signed(c);
    return zip(layers.get(c.req.param('layerName'), Number.parseInt(c.req.param('file'), 10)).zip);
  });

  return app;
}
