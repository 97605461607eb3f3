/**
 * @module
 * zod models of FC 3.0's VPC binding shapes, named as the SDK names them.
 */
import { z } from '@hono/zod-openapi';

export const CreateVpcBindingInputSchema = z
  .object({ vpcId: z.string().min(1).openapi({ description: 'The ID of the VPC (required)', example: 'vpc-8vb8x8dggvr0a****' }) })
  .openapi('CreateVpcBindingInput');

export const ListVpcBindingsOutputSchema = z.object({ vpcIds: z.array(z.string()) }).openapi('ListVpcBindingsOutput');
