/**
 * @module
 * zod models of FC 3.0's function shapes, named as the SDK names them. They validate requests and generate the OpenAPI document.
 */
import { z } from '@hono/zod-openapi';

export const ErrorSchema = z
  .object({ Code: z.string(), Message: z.string(), RequestId: z.string() })
  .openapi('Error', { example: { Code: 'FunctionNotFound', Message: "function 'f' does not exist", RequestId: '1-64e70cf1-15a2c7e3-8f3a1b2c4d5e' } });

export const TagSchema = z.object({ Key: z.string().min(1).max(128), Value: z.string().max(256) }).openapi('Tag');

const HealthCheckSchema = z
  .object({
    httpGetUrl: z.string().optional(),
    initialDelaySeconds: z.number().int().min(0).max(120).optional(),
    periodSeconds: z.number().int().min(1).max(120).optional(),
    timeoutSeconds: z.number().int().min(1).max(3).optional(),
    failureThreshold: z.number().int().min(1).max(120).optional(),
    successThreshold: z.number().int().min(1).max(120).optional(),
  })
  .openapi('CustomHealthCheckConfig');

const LifecycleHookSchema = z
  .object({ handler: z.string().optional(), timeout: z.number().int().min(1).max(600).optional(), command: z.array(z.string()).optional() })
  .openapi('LifecycleHook');

export const CustomContainerConfigSchema = z
  .looseObject({
    image: z.string().optional(),
    port: z.number().int().min(1).max(65535).optional(),
    entrypoint: z.array(z.string()).optional(),
    command: z.array(z.string()).optional(),
    healthCheckConfig: HealthCheckSchema.optional(),
    accelerationType: z.string().optional(),
    acrInstanceId: z.string().optional(),
    registryConfig: z.looseObject({}).optional(),
  })
  .openapi('CustomContainerConfig');

const CustomRuntimeConfigSchema = z
  .object({
    command: z.array(z.string()).optional(),
    args: z.array(z.string()).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    healthCheckConfig: HealthCheckSchema.optional(),
  })
  .openapi('CustomRuntimeConfig');

const InputCodeLocationSchema = z
  .object({
    zipFile: z.string().optional().openapi({ description: 'base64 of a zip archive' }),
    ossBucketName: z.string().optional(),
    ossObjectName: z.string().optional(),
    checksum: z.string().optional(),
  })
  .openapi('InputCodeLocation');

/** Fields localfc stores and returns unchanged (it has no VPC, NAS or log service to wire them to). */
const passthroughFields = {
  vpcConfig: z.looseObject({}).optional(),
  logConfig: z.looseObject({}).optional(),
  nasConfig: z.looseObject({}).optional(),
  ossMountConfig: z.looseObject({}).optional(),
  polarFsConfig: z.looseObject({}).optional(),
  juiceFsConfig: z.looseObject({}).optional(),
  gpuConfig: z.looseObject({}).optional(),
  tracingConfig: z.looseObject({}).optional(),
  customDNS: z.looseObject({}).optional(),
  role: z.string().optional(),
  resourceGroupId: z.string().optional(),
  instanceIsolationMode: z.string().optional(),
  sessionAffinity: z.string().optional(),
  sessionAffinityConfig: z.string().optional(),
  disableInjectCredentials: z.string().optional(),
  idleTimeout: z.number().int().min(0).optional(),
  disableOndemand: z.boolean().optional(),
  enableLongLiving: z.boolean().optional(),
};
export const PASSTHROUGH_KEYS = Object.keys(passthroughFields) as Array<keyof typeof passthroughFields>;

export const FUNCTION_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

const configFields = {
  code: InputCodeLocationSchema.optional(),
  runtime: z.string().min(1).max(64),
  handler: z.string().min(1).max(256),
  description: z.string().max(256).optional(),
  timeout: z.number().int().min(1).max(86400).optional(),
  memorySize: z.number().int().min(64).max(32768).optional(),
  cpu: z.number().min(0.05).max(16).optional(),
  diskSize: z.number().int().min(512).max(10240).optional(),
  instanceConcurrency: z.number().int().min(1).max(200).optional(),
  internetAccess: z.boolean().optional(),
  environmentVariables: z.record(z.string(), z.string()).optional(),
  customContainerConfig: CustomContainerConfigSchema.optional(),
  customRuntimeConfig: CustomRuntimeConfigSchema.optional(),
  instanceLifecycleConfig: z.object({ initializer: LifecycleHookSchema.optional(), preStop: LifecycleHookSchema.optional() }).openapi('InstanceLifecycleConfig').optional(),
  layers: z.array(z.string()).max(5).optional(),
  ...passthroughFields,
};

export const CreateFunctionInputSchema = z
  .object({
    functionName: z.string().regex(FUNCTION_NAME, 'functionName must start with a letter or underscore and contain only letters, digits, underscores and hyphens (1-64 characters)'),
    tags: z.array(TagSchema).max(20).optional(),
    ...configFields,
  })
  .openapi('CreateFunctionInput');

export const UpdateFunctionInputSchema = z
  .object({ ...configFields, runtime: configFields.runtime.optional(), handler: configFields.handler.optional() })
  .openapi('UpdateFunctionInput');

export type CreateFunctionInput = z.infer<typeof CreateFunctionInputSchema>;
export type UpdateFunctionInput = z.infer<typeof UpdateFunctionInputSchema>;

export const FunctionSchema = z
  .looseObject({
    functionName: z.string(),
    functionId: z.string(),
    functionArn: z.string(),
    runtime: z.string(),
    handler: z.string(),
    description: z.string(),
    codeChecksum: z.string(),
    codeSize: z.number(),
    cpu: z.number(),
    memorySize: z.number(),
    diskSize: z.number(),
    timeout: z.number(),
    instanceConcurrency: z.number(),
    internetAccess: z.boolean(),
    environmentVariables: z.record(z.string(), z.string()),
    createdTime: z.string(),
    lastModifiedTime: z.string(),
    state: z.enum(['Pending', 'Active', 'Inactive', 'Failed']),
    stateReason: z.string().optional(),
    stateReasonCode: z.string().optional(),
    lastUpdateStatus: z.enum(['InProgress', 'Successful', 'Failed']),
    lastUpdateStatusReason: z.string().optional(),
    lastUpdateStatusReasonCode: z.string().optional(),
    layers: z.array(z.object({ arn: z.string(), size: z.number() })),
    tags: z.array(TagSchema),
    customContainerConfig: CustomContainerConfigSchema.extend({ resolvedImageUri: z.string().optional() }).optional(),
    invocationRestriction: z.object({ disable: z.boolean(), reason: z.string().optional(), lastModifiedTime: z.string() }).openapi('FunctionRestriction').optional(),
  })
  .openapi('Function');

export const ListFunctionsOutputSchema = z
  .object({ functions: z.array(FunctionSchema), nextToken: z.string().optional() })
  .openapi('ListFunctionsOutput');
export type FunctionBody = z.infer<typeof FunctionSchema>;
