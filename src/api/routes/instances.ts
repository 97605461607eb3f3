/**
 * @module
 * ListInstances: a function's running instances from the instance pool, with the version each one runs.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { errors } from '../../domain/errors.ts';
import type { FunctionService } from '../../domain/functions.ts';
import type { InstancePool } from '../../domain/instances.ts';
import type { ProvisioningService } from '../../domain/provisioning.ts';
import type { AppEnv } from '../context.ts';
import { isString, jsonArrayParam } from '../query-json.ts';
import { ErrorSchema } from '../schemas/function.ts';
import { ListInstancesOutputSchema } from '../schemas/instances.ts';

const listInstances = createRoute({
  operationId: 'ListInstances', method: 'get', path: '/2023-03-30/functions/{functionName}/instances',
  request: {
    params: z.object({ functionName: z.string().openapi({ param: { name: 'functionName', in: 'path' } }) }),
    query: z.object({
      qualifier: z.string().optional(),
      instanceIds: z.string().optional().openapi({ description: 'JSON array of instance ids' }),
      instanceStatus: z.string().optional().openapi({ description: 'JSON array of statuses (Running, Idle)' }),
      limit: z.coerce.number().int().min(1).max(1000).optional(),
      startKey: z.string().optional(),
      startTimeMs: z.coerce.number().optional(),
      endTimeMs: z.coerce.number().optional(),
      withAllActive: z.string().optional(),
    }),
  },
  responses: {
    200: { description: 'running instances', content: { 'application/json': { schema: ListInstancesOutputSchema } } },
    400: { description: 'InvalidArgument', content: { 'application/json': { schema: ErrorSchema } } },
    404: { description: 'FunctionNotFound', content: { 'application/json': { schema: ErrorSchema } } },
  },
});

/** InstanceInfo.versionId of an instance serving LATEST. */
const LATEST_VERSION_ID = '0';

export function instanceRoutes(deps: { functions: FunctionService; pool: InstancePool; provisioning: ProvisioningService }): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(listInstances, async (c) => {
    const { functionName } = c.req.valid('param');
    const q = c.req.valid('query');
    const record = deps.functions.get(functionName);
    await deps.provisioning.reconcile(functionName);
    const versions = deps.functions.versions(functionName);
    // The definition: "If the instance is under the LATEST alias of the function, the returned version number is 0."
    const versionOf = (revisionId: number) => versions.all().find((v) => v.revision.id === revisionId)?.versionId ?? LATEST_VERSION_ID;
    const wanted = q.qualifier && q.qualifier !== 'LATEST' ? (versions.resolveStatic(q.qualifier)?.versionId ?? LATEST_VERSION_ID) : q.qualifier ? LATEST_VERSION_ID : undefined;
    const ids = jsonArrayParam(q.instanceIds, 'instanceIds', isString, 'strings');
    const statuses = jsonArrayParam(q.instanceStatus, 'instanceStatus', isString, 'strings');
    const instances = deps.pool
      .ofFunction(record.functionName)
      .map((i) => ({ instanceId: i.instanceId, versionId: versionOf(i.revisionId), qualifier: q.qualifier ?? 'LATEST', status: i.busy > 0 ? 'Running' : 'Idle', createdTimeMs: i.createdTimeMs, resourceType: 'Default' }))
      .filter((i) => (!wanted || i.versionId === wanted) && (!ids || ids.includes(i.instanceId)) && (!statuses || statuses.includes(i.status)))
      .filter((i) => (q.startTimeMs === undefined || i.createdTimeMs >= q.startTimeMs) && (q.endTimeMs === undefined || i.createdTimeMs <= q.endTimeMs))
      .sort((a, b) => a.createdTimeMs - b.createdTimeMs || a.instanceId.localeCompare(b.instanceId))
      .slice(0, q.limit ?? 1000);
    return c.json({ instances, requestId: c.var.requestId }, 200);
  });
  return app;
}
