/**
 * @module
 * zod models of FC 3.0's function shapes, named as the SDK names them. They validate requests and generate the OpenAPI document.
 */
import { z } from '@hono/zod-openapi';
import { oneOf, oneOfNumbers, ranged } from './limits.ts';

export const ErrorSchema = z
  .object({ Code: z.string(), Message: z.string(), RequestId: z.string() })
  .openapi('Error', { example: { Code: 'FunctionNotFound', Message: "function 'f' does not exist", RequestId: '1-64e70cf1-15a2c7e3-8f3a1b2c4d5e' } });

/** Lengths (64 and 128 Unicode characters) and forbidden content are checked with the tags (domain/tags.ts). */
export const TagSchema = z.object({ Key: z.string().min(1), Value: z.string() }).openapi('Tag');

const HealthCheckSchema = z
  .object({
    /** The definition: "can be up to 2,048 characters". */
    httpGetUrl: z.string().max(2048).optional(),
    initialDelaySeconds: ranged({ min: 0, max: 120, integer: true, unit: 's' }).optional(),
    periodSeconds: ranged({ min: 1, max: 120, integer: true, unit: 's' }).optional(),
    timeoutSeconds: ranged({ min: 1, max: 3, integer: true, unit: 's' }).optional(),
    failureThreshold: ranged({ min: 1, max: 120, integer: true }).optional(),
    successThreshold: ranged({ min: 1, max: 120, integer: true }).optional(),
  })
  .openapi('CustomHealthCheckConfig');

/** The definition: "handler and command … cannot be configured at the same time … Configuring both produces an error." */
const lifecycleHook = (maxTimeout: number) =>
  z
    .object({ handler: z.string().optional(), timeout: ranged({ min: 1, max: maxTimeout, integer: true, unit: 's' }).optional(), command: z.array(z.string()).optional() })
    .refine((h) => !(h.handler && h.command?.length), { message: 'handler and command cannot both be set on one hook' });

/**
 * 0 is the default port (9000): Terraform's alicloud_fcv3_function sends `port: 0` for a custom_container_config that
 * leaves port out (its create body copies the schema's zero value), and the cloud accepts that function.
 */
const PORT = z.number().int().min(0).max(65535);

export const CustomContainerConfigSchema = z
  .looseObject({
    image: z.string().optional(),
    port: PORT.optional(),
    entrypoint: z.array(z.string()).optional(),
    command: z.array(z.string()).optional(),
    healthCheckConfig: HealthCheckSchema.optional(),
    /** The definition: "Valid values: Default … None"; '' is unset. */
    accelerationType: z.enum(['Default', 'None', ''], { error: 'must be one of Default, None' }).optional(),
    acrInstanceId: z.string().optional(),
    registryConfig: z.looseObject({}).optional(),
  })
  .openapi('CustomContainerConfig');

const CustomRuntimeConfigSchema = z
  .object({
    command: z.array(z.string()).optional(),
    args: z.array(z.string()).optional(),
    port: PORT.optional(),
    healthCheckConfig: HealthCheckSchema.optional(),
  })
  .openapi('CustomRuntimeConfig');

/** The runtimes the definition lists for CreateFunctionInput.runtime. */
export const RUNTIMES = [
  'nodejs12', 'nodejs14', 'nodejs16', 'nodejs18', 'nodejs20', 'go1', 'python3', 'python3.9', 'python3.10', 'python3.12',
  'java8', 'java11', 'php7.2', 'dotnetcore3.1', 'custom', 'custom.debian10', 'custom.debian11', 'custom.debian12', 'custom-container',
] as const;

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
  gpuConfig: z.looseObject({ gpuType: z.string().optional(), gpuMemorySize: ranged({ min: 1024, step: 1024, integer: true, unit: 'MB' }).optional() }).optional(),
  microSandboxConfig: z.looseObject({}).optional(),
  tracingConfig: z.looseObject({}).optional(),
  customDNS: z.looseObject({}).optional(),
  role: z.string().optional(),
  resourceGroupId: z.string().optional(),
  instanceIsolationMode: z.string().optional(),
  /** The definition names MCP_SSE, GENERATED_COOKIE, HEADER_FIELD and NONE (not set: NONE). */
  sessionAffinity: z.enum(['MCP_SSE', 'GENERATED_COOKIE', 'HEADER_FIELD', 'NONE', ''], { error: 'must be one of MCP_SSE, GENERATED_COOKIE, HEADER_FIELD, NONE' }).optional(),
  sessionAffinityConfig: z.string().optional(),
  disableInjectCredentials: oneOf(['None', 'Env', 'Request', 'All']).optional(),
  idleTimeout: z.number().int().min(0).optional(),
  disableOndemand: z.boolean().optional(),
  enableLongLiving: z.boolean().optional(),
};
export const PASSTHROUGH_KEYS = Object.keys(passthroughFields) as Array<keyof typeof passthroughFields>;

export const FUNCTION_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

const configFields = {
  code: InputCodeLocationSchema.optional(),
  runtime: oneOf(RUNTIMES),
  /** Required for built-in runtimes only: FC's own templates omit it for custom runtimes and containers (see toConfig). */
  handler: z.string().min(1).max(256).optional(),
  description: z.string().max(256).optional(),
  timeout: ranged({ min: 1, max: 86400, integer: true, unit: 's' }).optional(),
  memorySize: ranged({ min: 128, max: 32768, step: 64, integer: true, unit: 'MB' }).optional(),
  /** The cpu:memorySize ratio (1:1 to 1:4, GB per vCPU) is checked in toConfig, against the memory the function ends up with. */
  cpu: ranged({ min: 0.05, max: 16, step: 0.05, unit: 'vCPU' }).optional(),
  diskSize: oneOfNumbers([512, 10240], 'MB').optional(),
  instanceConcurrency: ranged({ min: 1, max: 200, integer: true }).optional(),
  internetAccess: z.boolean().optional(),
  environmentVariables: z.record(z.string(), z.string()).optional(),
  customContainerConfig: CustomContainerConfigSchema.optional(),
  customRuntimeConfig: CustomRuntimeConfigSchema.optional(),
  instanceLifecycleConfig: z.object({ initializer: lifecycleHook(600).optional(), preStop: lifecycleHook(900).optional() }).openapi('InstanceLifecycleConfig').optional(),
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
  .object({ ...configFields, runtime: configFields.runtime.optional() })
  .openapi('UpdateFunctionInput');

export type CreateFunctionInput = z.infer<typeof CreateFunctionInputSchema>;
export type UpdateFunctionInput = z.infer<typeof UpdateFunctionInputSchema>;

export const FunctionSchema = z
  .looseObject({
    functionName: z.string(),
    functionId: z.string(),
    functionArn: z.string(),
    runtime: z.string(),
    handler: z.string().optional(),
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

/**
 * Fields ListFunctions leaves out: FC's ListFunctions page says it returns a subset of a function's fields, and to call
 * GetFunction for these (docs/behaviour.md).
 */
export const GET_FUNCTION_ONLY_FIELDS = ['state', 'stateReason', 'stateReasonCode', 'lastUpdateStatus', 'lastUpdateStatusReason', 'lastUpdateStatusReasonCode'] as const;

export const ListedFunctionSchema = FunctionSchema.omit({
  state: true, stateReason: true, stateReasonCode: true, lastUpdateStatus: true, lastUpdateStatusReason: true, lastUpdateStatusReasonCode: true,
}).openapi('ListedFunction');

export const ListFunctionsOutputSchema = z
  .object({ functions: z.array(ListedFunctionSchema), nextToken: z.string().optional() })
  .openapi('ListFunctionsOutput');
export type FunctionBody = z.infer<typeof FunctionSchema>;
export type ListedFunctionBody = z.infer<typeof ListedFunctionSchema>;
