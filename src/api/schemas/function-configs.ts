/**
 * @module
 * zod models of FC 3.0's async invoke config, concurrency config and invocation restriction shapes, named as the SDK names them.
 */
import { z } from '@hono/zod-openapi';
import { ranged } from './limits.ts';

export const DestinationSchema = z.object({ destination: z.string().optional() }).openapi('Destination');

export const DestinationConfigSchema = z
  .object({ onSuccess: DestinationSchema.optional(), onFailure: DestinationSchema.optional() })
  .openapi('DestinationConfig');

export const PutAsyncInvokeConfigInputSchema = z
  .object({
    asyncTask: z.boolean().optional(),
    destinationConfig: DestinationConfigSchema.optional(),
    /** The definition: "Valid values: [1,604800]" (seconds) and "Valid values: [0,8]". */
    maxAsyncEventAgeInSeconds: ranged({ min: 1, max: 604800, integer: true, unit: 's' }).optional(),
    maxAsyncRetryAttempts: ranged({ min: 0, max: 8, integer: true }).optional(),
  })
  .openapi('PutAsyncInvokeConfigInput');

export const AsyncConfigSchema = z
  .object({
    asyncTask: z.boolean().optional(),
    createdTime: z.string(),
    destinationConfig: DestinationConfigSchema.optional(),
    functionArn: z.string(),
    lastModifiedTime: z.string(),
    maxAsyncEventAgeInSeconds: z.number().optional(),
    maxAsyncRetryAttempts: z.number().optional(),
  })
  .openapi('AsyncConfig');

export const ListAsyncInvokeConfigOutputSchema = z
  .object({ configs: z.array(AsyncConfigSchema), nextToken: z.string().optional() })
  .openapi('ListAsyncInvokeConfigOutput');

export const PutConcurrencyInputSchema = z.object({ reservedConcurrency: z.number().int().min(0) }).openapi('PutConcurrencyInput');

export const ConcurrencyConfigSchema = z
  .object({ functionArn: z.string(), reservedConcurrency: z.number() })
  .openapi('ConcurrencyConfig');

export const ListConcurrencyConfigsOutputSchema = z
  .object({ configs: z.array(ConcurrencyConfigSchema), nextToken: z.string().optional() })
  .openapi('ListConcurrencyConfigsOutput');

export const DisableFunctionInvocationInputSchema = z
  .object({
    abortOngoingRequest: z.boolean().optional().openapi({ description: 'accepted; localfc lets running invocations finish' }),
    reason: z.string().optional(),
  })
  .openapi('DisableFunctionInvocationInput');

export const SuccessBodySchema = z.object({ success: z.boolean() }).openapi('DisableFunctionInvocationResponseBody');

export const ListConfigsQuerySchema = z.object({
  functionName: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
  nextToken: z.string().optional(),
});
