/**
 * @module
 * zod models of FC 3.0's AsyncTask shapes and the ListAsyncTasks query, named as the SDK names them.
 */
import { z } from '@hono/zod-openapi';
import { ASYNC_TASK_STATUSES } from '../../domain/async-tasks.ts';
import { oneOf } from './limits.ts';

export const AsyncTaskEventSchema = z
  .object({ eventId: z.number(), status: z.enum(ASYNC_TASK_STATUSES), timestamp: z.number(), eventDetail: z.string().optional() })
  .openapi('AsyncTaskEvent');

export const AsyncTaskSchema = z
  .object({
    taskId: z.string(),
    functionArn: z.string(),
    qualifier: z.string(),
    requestId: z.string(),
    status: z.enum(ASYNC_TASK_STATUSES),
    startedTime: z.number(),
    endTime: z.number().optional(),
    durationMs: z.number().optional(),
    alreadyRetriedTimes: z.number(),
    destinationStatus: z.string().optional(),
    instanceId: z.string().optional(),
    returnPayload: z.string().optional(),
    taskErrorMessage: z.string().optional(),
    taskPayload: z.string().optional(),
    events: z.array(AsyncTaskEventSchema),
  })
  .openapi('AsyncTask');

export const ListAsyncTaskOutputSchema = z
  .object({ tasks: z.array(AsyncTaskSchema), nextToken: z.string().optional() })
  .openapi('ListAsyncTaskOutput');

const booleanQuery = z.enum(['true', 'false']).transform((v) => v === 'true');

export const ListAsyncTasksQuerySchema = z.object({
  qualifier: z.string().optional(),
  prefix: z.string().optional(),
  // Every status the definition lists, Dequeued included (localfc's tasks never show it, so it matches none).
  status: oneOf(['Enqueued', 'Dequeued', 'Running', 'Succeeded', 'Failed', 'Stopped', 'Stopping', 'Expired', 'Invalid', 'Retrying']).optional(),
  startedTimeBegin: z.coerce.number().int().min(0).optional(),
  startedTimeEnd: z.coerce.number().int().min(0).optional(),
  sortOrderByTime: z.enum(['asc', 'desc']).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
  nextToken: z.string().optional(),
  includePayload: booleanQuery.optional(),
});
