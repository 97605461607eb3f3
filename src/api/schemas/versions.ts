/**
 * @module
 * zod models of FC 3.0's Version and Alias shapes, named as the SDK names them (requests and the OpenAPI document).
 */
import { z } from '@hono/zod-openapi';

export const VersionSchema = z
  .object({ versionId: z.string(), description: z.string(), createdTime: z.string(), lastModifiedTime: z.string() })
  .openapi('Version');

export const PublishVersionInputSchema = z.object({ description: z.string().max(256).optional() }).openapi('PublishVersionInput');

export const ListVersionsOutputSchema = z
  .object({ versions: z.array(VersionSchema), direction: z.enum(['FORWARD', 'BACKWARD']), nextToken: z.string().optional() })
  .openapi('ListVersionsOutput');

const WeightsSchema = z
  .record(z.string(), z.number())
  .openapi({ description: 'version id → share of traffic (0–1) routed to it; the rest goes to versionId', example: { '2': 0.2 } });

export const AliasSchema = z
  .object({
    aliasName: z.string(),
    versionId: z.string(),
    description: z.string(),
    additionalVersionWeight: WeightsSchema,
    createdTime: z.string(),
    lastModifiedTime: z.string(),
  })
  .openapi('Alias');

export const CreateAliasInputSchema = z
  .object({ aliasName: z.string().min(1).max(128), versionId: z.string().min(1), description: z.string().max(256).optional(), additionalVersionWeight: WeightsSchema.optional() })
  .openapi('CreateAliasInput');

export const UpdateAliasInputSchema = z
  .object({ versionId: z.string().min(1).optional(), description: z.string().max(256).optional(), additionalVersionWeight: WeightsSchema.optional() })
  .openapi('UpdateAliasInput');

export const ListAliasesOutputSchema = z.object({ aliases: z.array(AliasSchema), nextToken: z.string().optional() }).openapi('ListAliasesOutput');
