/**
 * @module
 * zod models of the tag APIs under /tags-v2 (PascalCase wire names, as the SDK sends them).
 */
import { z } from '@hono/zod-openapi';
import { TagSchema } from './function.ts';

export const TagResourcesInputSchema = z
  .object({
    ResourceType: z.string().optional(),
    ResourceId: z.array(z.string()).min(1).max(50),
    Tag: z.array(TagSchema).min(1).max(20),
  })
  .openapi('TagResourcesInput');

export const TagResourceSchema = z
  .object({ ResourceId: z.string(), ResourceType: z.string(), TagKey: z.string(), TagValue: z.string() })
  .openapi('TagResource');

export const ListTagResourcesOutputSchema = z
  .object({ TagResources: z.array(TagResourceSchema), NextToken: z.string().optional(), RequestId: z.string() })
  .openapi('ListTagResourcesOutput');
