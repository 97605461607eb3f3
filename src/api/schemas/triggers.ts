/**
 * @module
 * zod models of FC 3.0's trigger shapes, named as the SDK names them. `triggerConfig` is a JSON string on the wire;
 * its per-type checks live in domain/trigger-config.ts.
 */
import { z } from '@hono/zod-openapi';

export const HTTPTriggerSchema = z
  .object({ urlInternet: z.string().optional(), urlIntranet: z.string().optional() })
  .openapi('HTTPTrigger');

export const TriggerSchema = z
  .object({
    triggerName: z.string(),
    triggerId: z.string(),
    triggerType: z.string(),
    triggerConfig: z.string().openapi({ description: 'JSON string' }),
    qualifier: z.string(),
    description: z.string(),
    invocationRole: z.string().optional(),
    sourceArn: z.string().optional(),
    targetArn: z.string(),
    status: z.string(),
    createdTime: z.string(),
    lastModifiedTime: z.string(),
    httpTrigger: HTTPTriggerSchema.optional(),
  })
  .openapi('Trigger', {
    example: {
      triggerName: 'web', triggerId: '3e270f2f-cef2-421a-bc86-ff4e8088476a', triggerType: 'http',
      triggerConfig: '{"authType":"anonymous","methods":["GET","POST"]}', qualifier: 'LATEST', description: '',
      targetArn: 'acs:fc:cn-hangzhou:1234567890123456:functions/hello', status: 'OK',
      createdTime: '2024-01-01T00:00:00Z', lastModifiedTime: '2024-01-01T00:00:00Z',
      httpTrigger: { urlInternet: 'http://127.0.0.1:9000/fcapp/hello/web', urlIntranet: 'http://127.0.0.1:9000/fcapp/hello/web' },
    },
  });

export const CreateTriggerInputSchema = z
  .object({
    triggerName: z.string().min(1).max(128),
    triggerType: z.string().min(1).openapi({ example: 'http' }),
    triggerConfig: z.string().min(1).openapi({ description: 'JSON string; shape depends on triggerType' }),
    qualifier: z.string().max(128).optional(),
    description: z.string().max(256).optional(),
    invocationRole: z.string().optional(),
    sourceArn: z.string().optional(),
  })
  .openapi('CreateTriggerInput');

export const UpdateTriggerInputSchema = z
  .object({
    triggerConfig: z.string().min(1).optional(),
    qualifier: z.string().max(128).optional(),
    description: z.string().max(256).optional(),
    invocationRole: z.string().optional(),
  })
  .openapi('UpdateTriggerInput');

export const ListTriggersOutputSchema = z
  .object({ triggers: z.array(TriggerSchema), nextToken: z.string().optional().openapi({ description: 'absent on the last page' }) })
  .openapi('ListTriggersOutput');

export type TriggerBody = z.infer<typeof TriggerSchema>;
