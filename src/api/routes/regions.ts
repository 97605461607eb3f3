/**
 * @module
 * DescribeRegions: the one region localfc is configured as.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../context.ts';
import { oneOf } from '../schemas/limits.ts';

const RegionsSchema = z
  .object({ Regions: z.object({ Region: z.array(z.object({ RegionId: z.string(), LocalName: z.string() })) }) })
  .openapi('DescribeRegionsOutput');

const describeRegions = createRoute({
  operationId: 'DescribeRegions', method: 'get', path: '/2023-03-30/regions',
  request: { query: z.object({ AcceptLanguage: oneOf(['zh-CN', 'en-US', 'ja']).optional() }) },
  responses: { 200: { description: 'the configured region', content: { 'application/json': { schema: RegionsSchema } } } },
});

export function regionRoutes(region: string): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(describeRegions, (c) => c.json({ Regions: { Region: [{ RegionId: region, LocalName: region }] } }, 200));
  return app;
}
