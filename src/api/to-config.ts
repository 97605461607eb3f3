/**
 * @module
 * Wire input → domain FunctionConfig, with FC's defaults on create and "absent means unchanged" on update;
 * and the domain record → the Function body the SDK casts.
 */
import { isoSeconds } from '../clock.ts';
import { checkStoredBlocks } from '../domain/config-rules.ts';
import { checkEnvironmentVariables } from '../domain/environment-variables.ts';
import { errors } from '../domain/errors.ts';
import { type FunctionConfig, type FunctionRecord, type Revision, sharedIfEmpty, sharedIfNone } from '../domain/model.ts';
import { type CreateFunctionInput, type FunctionBody, GET_FUNCTION_ONLY_FIELDS, type ListedFunctionBody, PASSTHROUGH_KEYS, type UpdateFunctionInput } from './schemas/function.ts';

const DEFAULTS = { description: '', timeout: 3, memorySize: 512, cpu: 0.35, diskSize: 512, instanceConcurrency: 1, internetAccess: true } as const;

export function toConfig(input: CreateFunctionInput | UpdateFunctionInput, previous?: FunctionConfig): FunctionConfig {
  const runtime = input.runtime ?? previous?.runtime;
  const handler = input.handler ?? previous?.handler;
  if (!runtime) throw errors.invalidArgument('runtime is required');
  // FC's docs call handler unused for custom runtimes and containers, and FC's own FC 3.0 templates omit it there.
  if (!handler && !runtime.startsWith('custom')) throw errors.invalidArgument(`handler is required for runtime ${runtime}`);
  checkEnvironmentVariables(input.environmentVariables);
  const passthrough: Record<string, unknown> = { ...previous?.passthrough };
  for (const key of PASSTHROUGH_KEYS) if (input[key] !== undefined) passthrough[key] = input[key];
  const pick = <K extends keyof typeof DEFAULTS>(k: K): (typeof DEFAULTS)[K] | number | boolean | string =>
    (input[k] as (typeof DEFAULTS)[K] | undefined) ?? previous?.[k] ?? DEFAULTS[k];
  const config: FunctionConfig = {
    runtime,
    ...optional('handler', handler),
    description: pick('description') as string,
    timeout: pick('timeout') as number,
    memorySize: pick('memorySize') as number,
    // A request without cpu is not refused: the cpu it keeps or gets moves into the ratio (cpuWithin).
    cpu: input.cpu === undefined ? cpuWithin(pick('cpu') as number, pick('memorySize') as number) : input.cpu,
    diskSize: pick('diskSize') as number,
    instanceConcurrency: pick('instanceConcurrency') as number,
    internetAccess: pick('internetAccess') as boolean,
    environmentVariables: sharedIfEmpty(input.environmentVariables ?? previous?.environmentVariables ?? {}),
    layers: sharedIfNone(input.layers ?? previous?.layers ?? []),
    passthrough: sharedIfEmpty(passthrough),
    ...optional('customContainerConfig', input.customContainerConfig ?? (runtime === 'custom-container' ? previous?.customContainerConfig : undefined)),
    ...optional('customRuntimeConfig', input.customRuntimeConfig ?? previous?.customRuntimeConfig),
    ...optional('instanceLifecycleConfig', input.instanceLifecycleConfig ?? previous?.instanceLifecycleConfig),
  };
  if (input.cpu !== undefined) checkCpuRatio(config.cpu, config.memorySize);
  checkStoredBlocks(runtime, passthrough);
  if (runtime === 'custom-container' && !config.customContainerConfig?.image) {
    throw errors.invalidArgument('customContainerConfig.image is required when runtime is custom-container');
  }
  return config;
}

/**
 * The definition: "The ratio of cpu to memorySize (in GB) must be between 1:1 and 1:4". Checked when a request sets
 * cpu (against the memory it sets or keeps). A request that leaves cpu out is not refused: the cloud takes
 * memorySize alone (Terraform's acceptance tests create functions with memory_size and no cpu) and its cpu is
 * Computed there, so the cloud derives one; see cpuWithin.
 */
function checkCpuRatio(cpu: number, memorySize: number): void {
  const gbPerVcpu = memorySize / 1024 / cpu;
  if (gbPerVcpu < 1 - 1e-9 || gbPerVcpu > 4 + 1e-9) {
    throw errors.invalidArgument(`cpu ${cpu} with memorySize ${memorySize} is not allowed: memorySize (in GB) must be 1 to 4 times cpu (${cpu} vCPU needs ${Math.ceil((cpu * 1024) / 64) * 64}–${Math.floor((cpu * 4096) / 64) * 64} MB)`);
  }
}

/**
 * The cpu a function holds when a request sets no cpu: the one it had (or the default 0.35) when that pair is within
 * the ratio, else the nearest multiple of 0.05 vCPU that is (memorySize/4 to memorySize GB), so no read-back shows a
 * pair the cloud could not hold. How the cloud derives it is not documented (docs/behaviour.md).
 */
function cpuWithin(cpu: number, memorySize: number): number {
  // In twentieths of a vCPU, FC's cpu step, so the bounds are exact.
  const lowest = Math.max(1, Math.ceil((memorySize * 20) / 4096 - 1e-9));
  const highest = Math.floor((memorySize * 20) / 1024 + 1e-9);
  return Math.min(Math.max(Math.round(cpu * 20), lowest), highest) / 20;
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

export function decodeZip(zipFile: string | undefined): Buffer | undefined {
  if (zipFile === undefined) return undefined;
  if (!isBase64(zipFile)) throw errors.invalidArgument('code.zipFile must be base64');
  // Whatever the bytes are: FC takes a package that is no zip and fails it when it is prepared (docs/behaviour.md).
  return Buffer.from(zipFile, 'base64');
}

const BASE64_CHAR = new Uint8Array(128);
for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') BASE64_CHAR[ch.charCodeAt(0)] = 1;
const isSpace = (code: number): boolean => code === 0x20 || (code >= 0x09 && code <= 0x0d);

/**
 * Base64 alphabet and whitespace, then at most two '=' (whitespace allowed around them). A single pass: a regex with
 * two whitespace-matching runs backtracked quadratically (100 KB of spaces and one bad byte froze the server for seconds).
 */
export function isBase64(text: string): boolean {
  let padding = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (isSpace(code)) continue;
    if (code === 0x3d) {
      if (++padding > 2) return false;
    } else if (padding > 0 || code >= 128 || !BASE64_CHAR[code]) return false;
  }
  return true;
}

/** The Function body: state fields always present, nested objects always objects (the SDK's cast rejects scalars). */
export function renderFunction(fn: FunctionRecord, rev: Revision, layerSize: (arn: string) => number = () => 0): FunctionBody {
  const c = rev.config;
  const body: Record<string, unknown> = {
    functionName: fn.functionName,
    functionId: fn.functionId,
    functionArn: fn.functionArn,
    runtime: c.runtime,
    handler: c.handler,
    description: c.description,
    codeChecksum: rev.codeChecksum,
    codeSize: rev.codeSize,
    cpu: c.cpu,
    memorySize: c.memorySize,
    diskSize: c.diskSize,
    timeout: c.timeout,
    instanceConcurrency: c.instanceConcurrency,
    internetAccess: c.internetAccess,
    environmentVariables: c.environmentVariables,
    createdTime: isoSeconds(fn.createdTime),
    lastModifiedTime: isoSeconds(fn.lastModifiedTime),
    state: fn.state,
    ...(fn.stateReason ? { stateReason: fn.stateReason, stateReasonCode: fn.stateReasonCode } : {}),
    lastUpdateStatus: fn.lastUpdateStatus,
    ...(fn.lastUpdateStatusReason ? { lastUpdateStatusReason: fn.lastUpdateStatusReason, lastUpdateStatusReasonCode: fn.lastUpdateStatusReasonCode } : {}),
    layers: c.layers.map((arn) => ({ arn, size: layerSize(arn) })),
    tags: fn.tags,
    ...c.passthrough,
    ...(c.customContainerConfig
      ? {
          customContainerConfig: {
            ...c.customContainerConfig,
            ...(rev.image ? { resolvedImageUri: rev.image.resolvedImageUri } : {}),
            // Image acceleration is about an image: a code package's customContainerConfig (Terraform sends an empty one) has none.
            ...(c.runtime === 'custom-container' ? { accelerationInfo: { status: fn.state === 'Active' ? 'Ready' : 'Preparing' } } : {}),
          },
        }
      : {}),
    ...(c.customRuntimeConfig ? { customRuntimeConfig: c.customRuntimeConfig } : {}),
    ...(c.instanceLifecycleConfig ? { instanceLifecycleConfig: c.instanceLifecycleConfig } : {}),
    ...(fn.invocationRestriction
      ? { invocationRestriction: { ...fn.invocationRestriction, lastModifiedTime: isoSeconds(fn.invocationRestriction.lastModifiedTime) } }
      : {}),
  };
  return body as FunctionBody;
}

/** A function as ListFunctions shows it: without the fields only GetFunction returns. */
export function renderListedFunction(fn: FunctionRecord, rev: Revision, layerSize: (arn: string) => number): ListedFunctionBody {
  const body: Record<string, unknown> = { ...renderFunction(fn, rev, layerSize) };
  for (const field of GET_FUNCTION_ONLY_FIELDS) delete body[field];
  return body as ListedFunctionBody;
}
