/**
 * @module
 * CreateVpcBinding, ListVpcBindings and DeleteVpcBinding: parse, call the store, render.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { VpcBindingStore } from '../../domain/vpc-bindings.ts';
import type { AppEnv } from '../context.ts';
import { jsonBody } from '../json-body.ts';
import { ErrorSchema } from '../schemas/function.ts';
import { CreateVpcBindingInputSchema, ListVpcBindingsOutputSchema } from '../schemas/vpc-bindings.ts';

const BASE = '/2023-03-30/functions/{functionName}/vpc-bindings';
const NameParam = z.object({ functionName: z.string().openapi({ param: { name: 'functionName', in: 'path' } }) });
const BindingParams = NameParam.extend({ vpcId: z.string().openapi({ param: { name: 'vpcId', in: 'path' } }) });
const err = (description: string) => ({ description, content: { 'application/json': { schema: ErrorSchema } } });
const errors = { 400: err('InvalidArgument'), 404: err('FunctionNotFound') } as const;

const create = createRoute({
  operationId: 'CreateVpcBinding', method: 'post', path: BASE,
  request: { params: NameParam, ...jsonBody(CreateVpcBindingInputSchema) },
  responses: { 204: { description: 'bound' }, ...errors },
});
const list = createRoute({
  operationId: 'ListVpcBindings', method: 'get', path: BASE,
  request: { params: NameParam },
  responses: { 200: { description: 'the bound VPC ids', content: { 'application/json': { schema: ListVpcBindingsOutputSchema } } }, ...errors },
});
const remove = createRoute({
  operationId: 'DeleteVpcBinding', method: 'delete', path: `${BASE}/{vpcId}`,
  request: { params: BindingParams },
  responses: { 204: { description: 'unbound' }, ...errors },
});

export function vpcBindingRoutes(store: VpcBindingStore): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(create, (c) => {
    store.bind(c.req.valid('param').functionName, c.req.valid('json').vpcId);
    return c.body(null, 204);
  });
  app.openapi(list, (c) => c.json({ vpcIds: [...store.list(c.req.valid('param').functionName)] }, 200));
  app.openapi(remove, (c) => {
    const { functionName, vpcId } = c.req.valid('param');
    store.unbind(functionName, vpcId);
    return c.body(null, 204);
  });
  return app;
}
