/**
 * @module
 * GetAsyncTask, ListAsyncTasks, StopAsyncTask over the AsyncTaskService.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AsyncTask, AsyncTaskService } from '../../domain/async-tasks.ts';
import type { AppEnv } from '../context.ts';
import { AsyncTaskSchema, ListAsyncTaskOutputSchema, ListAsyncTasksQuerySchema } from '../schemas/async-tasks.ts';
import { ErrorSchema } from '../schemas/function.ts';

const BASE = '/2023-03-30';
const path = (name: string) => z.string().openapi({ param: { name, in: 'path' } });
const TaskParams = z.object({ functionName: path('functionName'), taskId: path('taskId') });
const err = (description: string) => ({ description, content: { 'application/json': { schema: ErrorSchema } } });
const errorResponses = { 400: err('InvalidArgument'), 404: err('FunctionNotFound / AsyncTaskNotFound') } as const;

function render(t: AsyncTask, includePayload: boolean): z.infer<typeof AsyncTaskSchema> {
  return {
    taskId: t.taskId,
    functionArn: t.functionArn,
    qualifier: t.qualifier,
    requestId: t.requestId,
    status: t.status,
    startedTime: t.startedTime,
    alreadyRetriedTimes: t.alreadyRetriedTimes,
    events: t.events.map((e) => ({ ...e })),
    ...(t.endTime !== undefined ? { endTime: t.endTime } : {}),
    ...(t.durationMs !== undefined ? { durationMs: t.durationMs } : {}),
    ...(t.destinationStatus ? { destinationStatus: t.destinationStatus } : {}),
    ...(t.instanceId ? { instanceId: t.instanceId } : {}),
    ...(t.returnPayload !== undefined ? { returnPayload: t.returnPayload } : {}),
    ...(t.taskErrorMessage ? { taskErrorMessage: t.taskErrorMessage } : {}),
    ...(includePayload ? { taskPayload: t.taskPayload.toString('utf8') } : {}),
  };
}

const getTask = createRoute({
  operationId: 'GetAsyncTask', method: 'get', path: `${BASE}/functions/{functionName}/async-tasks/{taskId}`,
  request: { params: TaskParams, query: z.object({ qualifier: z.string().optional() }) },
  responses: { 200: { description: 'the task', content: { 'application/json': { schema: AsyncTaskSchema } } }, ...errorResponses },
});
const listTasks = createRoute({
  operationId: 'ListAsyncTasks', method: 'get', path: `${BASE}/functions/{functionName}/async-tasks`,
  request: { params: z.object({ functionName: path('functionName') }), query: ListAsyncTasksQuerySchema },
  responses: { 200: { description: 'a page of tasks, newest first unless sortOrderByTime=asc', content: { 'application/json': { schema: ListAsyncTaskOutputSchema } } }, ...errorResponses },
});
const stopTask = createRoute({
  operationId: 'StopAsyncTask', method: 'put', path: `${BASE}/functions/{functionName}/async-tasks/{taskId}/stop`,
  request: { params: TaskParams, query: z.object({ qualifier: z.string().optional() }) },
  responses: { 200: { description: 'stopped', content: { 'application/json': { schema: z.object({}) } } }, ...errorResponses },
});

export function asyncTaskRoutes(tasks: AsyncTaskService): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();

  // The task payload is returned by GetAsyncTask (one task) and by ListAsyncTasks only with includePayload=true.
  app.openapi(getTask, (c) => {
    const { functionName, taskId } = c.req.valid('param');
    return c.json(render(tasks.get(functionName, taskId), true), 200);
  });
  app.openapi(listTasks, (c) => {
    const { functionName } = c.req.valid('param');
    const { includePayload = false, ...q } = c.req.valid('query');
    const page = tasks.list(functionName, q);
    return c.json({ tasks: page.tasks.map((t) => render(t, includePayload)), ...(page.nextToken ? { nextToken: page.nextToken } : {}) }, 200);
  });
  app.openapi(stopTask, (c) => {
    const { functionName, taskId } = c.req.valid('param');
    tasks.stop(functionName, taskId);
    return c.json({}, 200);
  });

  return app;
}
