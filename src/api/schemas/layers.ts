/**
 * @module
 * zod models of Layer, CreateLayerVersionInput and the layer list outputs (FC 3.0 wire names).
 */
import { z } from '@hono/zod-openapi';

export const CreateLayerVersionInputSchema = z
  .object({
    code: z.object({
      zipFile: z.string().optional().openapi({ description: 'base64 of a zip archive' }),
      ossBucketName: z.string().optional(),
      ossObjectName: z.string().optional(),
      checksum: z.string().optional(),
    }),
    compatibleRuntime: z.array(z.string()).optional(),
    description: z.string().max(256).optional(),
    license: z.string().max(512).optional(),
  })
  .openapi('CreateLayerVersionInput');

export const LayerSchema = z
  .object({
    layerName: z.string(),
    version: z.number(),
    layerVersionArn: z.string(),
    description: z.string(),
    license: z.string(),
    compatibleRuntime: z.array(z.string()),
    codeChecksum: z.string(),
    codeSize: z.number(),
    createTime: z.string(),
    acl: z.string().openapi({ description: '0 private, 1 public' }),
    code: z.object({ location: z.string(), repositoryType: z.string() }).openapi('OutputCodeLocation'),
  })
  .openapi('Layer');

export const ListLayersOutputSchema = z.object({ layers: z.array(LayerSchema), nextToken: z.string().optional() }).openapi('ListLayersOutput');
export const ListLayerVersionOutputSchema = z.object({ layers: z.array(LayerSchema), nextVersion: z.number().optional() }).openapi('ListLayerVersionOutput');
