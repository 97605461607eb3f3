/**
 * @module
 * zod models of ProvisionConfig and ScalingConfigStatus (FC 3.0 wire names), their Put inputs and list outputs.
 */
import { z } from '@hono/zod-openapi';

const ScheduledActionSchema = z
  .looseObject({
    name: z.string(),
    scheduleExpression: z.string(),
    target: z.number().int().min(0),
    startTime: z.string().optional(),
    endTime: z.string().optional(),
    timeZone: z.string().optional(),
  })
  .openapi('ScheduledAction');

const TargetTrackingPolicySchema = z
  .looseObject({
    name: z.string(),
    metricType: z.string(),
    metricTarget: z.number(),
    minCapacity: z.number().int().min(0),
    maxCapacity: z.number().int().min(0),
    startTime: z.string().optional(),
    endTime: z.string().optional(),
    timeZone: z.string().optional(),
  })
  .openapi('TargetTrackingPolicy');

export const PutProvisionConfigInputSchema = z
  .object({
    target: z.number().int().min(0).max(10000).optional().openapi({ description: 'deprecated: defaultTarget wins when both are given' }),
    defaultTarget: z.number().int().min(0).max(10000).optional(),
    alwaysAllocateCPU: z.boolean().optional(),
    alwaysAllocateGPU: z.boolean().optional(),
    scheduledActions: z.array(ScheduledActionSchema).optional(),
    targetTrackingPolicies: z.array(TargetTrackingPolicySchema).optional(),
  })
  .openapi('PutProvisionConfigInput');

export const ProvisionConfigSchema = z
  .object({
    functionArn: z.string(),
    target: z.number(),
    defaultTarget: z.number().optional(),
    current: z.number().openapi({ description: 'instances of the serving revision actually running, at most target' }),
    currentError: z.string().optional(),
    alwaysAllocateCPU: z.boolean().optional(),
    alwaysAllocateGPU: z.boolean().optional(),
    scheduledActions: z.array(ScheduledActionSchema).optional(),
    targetTrackingPolicies: z.array(TargetTrackingPolicySchema).optional(),
  })
  .openapi('ProvisionConfig');

export const ListProvisionConfigsOutputSchema = z
  .object({ provisionConfigs: z.array(ProvisionConfigSchema), nextToken: z.string().optional() })
  .openapi('ListProvisionConfigsOutput');

const ScalingPolicySchema = z
  .looseObject({
    name: z.string().optional(),
    metricType: z.string().optional(),
    metricTarget: z.number().optional(),
    minInstances: z.number().int().min(0).optional(),
    maxInstances: z.number().int().min(0).optional(),
    startTime: z.string().optional(),
    endTime: z.string().optional(),
    timeZone: z.string().optional(),
  })
  .openapi('ScalingPolicy');

const ScheduledPolicySchema = z
  .looseObject({
    name: z.string().optional(),
    scheduleExpression: z.string().optional(),
    target: z.number().int().min(0).optional(),
    startTime: z.string().optional(),
    endTime: z.string().optional(),
    timeZone: z.string().optional(),
  })
  .openapi('ScheduledPolicy');

export const PutScalingConfigInputSchema = z
  .object({
    minInstances: z.number().int().min(0).max(10000).optional(),
    enableMixMode: z.boolean().optional(),
    enableOnDemandScaling: z.boolean().optional(),
    horizontalScalingPolicies: z.array(ScalingPolicySchema).optional(),
    scheduledPolicies: z.array(ScheduledPolicySchema).optional(),
    requestDispatchPolicy: z.string().optional(),
    residentPoolId: z.string().optional(),
  })
  .openapi('PutScalingConfigInput');

export const ScalingConfigStatusSchema = PutScalingConfigInputSchema.omit({ minInstances: true })
  .extend({
    functionArn: z.string(),
    minInstances: z.number(),
    currentInstances: z.number(),
    targetInstances: z.number(),
    currentError: z.string().optional(),
  })
  .openapi('ScalingConfigStatus');

export const ListScalingConfigsOutputSchema = z
  .object({ scalingConfigs: z.array(ScalingConfigStatusSchema), nextToken: z.string().optional() })
  .openapi('ListScalingConfigsOutput');

