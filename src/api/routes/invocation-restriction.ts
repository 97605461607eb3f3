/**
 * @module
 * DisableFunctionInvocation / EnableFunctionInvocation: set the function's invocationRestriction, which admission checks.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Clock } from '../../clock.ts';
import type { FunctionService } from '../../domain/functions.ts';
import type { AppEnv } from '../context.ts';
import { ErrorSchema } from '../schemas/function.ts';
import { DisableFunctionInvocationInputSchema, SuccessBodySchema } from '../schemas/function-configs.ts';
import { jsonBody } from '../json-body.ts';

const BASE = '/2023-03-30';
const NameParam = z.object({ functionName: z.string().openapi({ param: { name: 'functionName', in: 'path' } }) });
const responses = {
  200: { description: 'done', content: { 'application/json': { schema: SuccessBodySchema } } },
  404: { description: 'FunctionNotFound', content: { 'application/json': { schema: ErrorSchema } } },
} as const;

const disable = createRoute({
  operationId: 'DisableFunctionInvocation', method: 'post', path: `${BASE}/functions/{functionName}/invoke/disable`,
  request: { params: NameParam, ...jsonBody(DisableFunctionInvocationInputSchema, false) },
  responses,
});
const enable = createRoute({
  operationId: 'EnableFunctionInvocation', method: 'post', path: `${BASE}/functions/{functionName}/invoke/enable`,
  request: { params: NameParam },
  responses,
});

export function invocationRestrictionRoutes(d: { readonly functions: FunctionService; readonly clock: Clock }): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();

  // abortOngoingRequest is accepted but running invocations always finish: localfc has no way to abort a handler mid-call.
  app.openapi(disable, (c) => {
    const { functionName } = c.req.valid('param');
    const { reason } = c.req.valid('json') ?? {};
    d.functions.setRestriction(functionName, { disable: true, lastModifiedTime: d.clock.now(), ...(reason ? { reason } : {}) });
    return c.json({ success: true }, 200);
  });
  app.openapi(enable, (c) => {
    const { functionName } = c.req.valid('param');
    d.functions.setRestriction(functionName, { disable: false, lastModifiedTime: d.clock.now() });
    return c.json({ success: true }, 200);
  });

  return app;
}
