/**
 * @module
 * zod models of ListInstances' output and GetFunctionCode's OutputFuncCode.
 */
import { z } from '@hono/zod-openapi';

export const InstanceInfoSchema = z
  .object({
    instanceId: z.string(),
    versionId: z.string(),
    qualifier: z.string(),
    status: z.string(),
    createdTimeMs: z.number(),
    resourceType: z.string().optional(),
  })
  .openapi('InstanceInfo');

export const ListInstancesOutputSchema = z
  .object({ instances: z.array(InstanceInfoSchema), requestId: z.string() })
  .openapi('ListInstancesOutput');

export const OutputFuncCodeSchema = z.object({ url: z.string(), checksum: z.string() }).openapi('OutputFuncCode');
