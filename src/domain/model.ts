/**
 * @module
 * Domain records for functions. Records are immutable: a change produces a new record (see state-machine.ts).
 * Field names follow FC 3.0's wire names so the API layer renders them without renaming.
 */

export type State = 'Pending' | 'Active' | 'Inactive' | 'Failed';
export type UpdateStatus = 'InProgress' | 'Successful' | 'Failed';

export interface Tag {
  readonly Key: string;
  readonly Value: string;
}

export interface LifecycleHook {
  readonly handler?: string;
  readonly timeout?: number;
  readonly command?: string[];
}

export interface HealthCheckConfig {
  readonly httpGetUrl?: string;
  readonly initialDelaySeconds?: number;
  readonly periodSeconds?: number;
  readonly timeoutSeconds?: number;
  readonly failureThreshold?: number;
  readonly successThreshold?: number;
}

export interface CustomContainerConfig {
  readonly image?: string;
  readonly port?: number;
  readonly entrypoint?: string[];
  readonly command?: string[];
  readonly healthCheckConfig?: HealthCheckConfig;
  readonly [extra: string]: unknown;
}

export interface CustomRuntimeConfig {
  readonly command?: string[];
  readonly args?: string[];
  readonly port?: number;
  readonly healthCheckConfig?: HealthCheckConfig;
}

/**
 * The configuration a user sets through Create/UpdateFunction (everything but name, code and tags).
 * Fields localfc does not act on are kept and echoed back as given.
 */
export interface FunctionConfig {
  readonly runtime: string;
  /** Absent for custom runtimes and containers created without one (FC does not use it there). */
  readonly handler?: string;
  readonly description: string;
  readonly timeout: number;
  readonly memorySize: number;
  readonly cpu: number;
  readonly diskSize: number;
  readonly instanceConcurrency: number;
  readonly internetAccess: boolean;
  readonly environmentVariables: Readonly<Record<string, string>>;
  readonly customContainerConfig?: CustomContainerConfig;
  readonly customRuntimeConfig?: CustomRuntimeConfig;
  readonly instanceLifecycleConfig?: { readonly initializer?: LifecycleHook; readonly preStop?: LifecycleHook };
  readonly layers: readonly string[];
  /** Everything else FC accepts (vpcConfig, logConfig, nasConfig, …), stored and returned unchanged. */
  readonly passthrough: Readonly<Record<string, unknown>>;
}

export interface CodePackage {
  readonly zip: Buffer;
  readonly checksum: string;
  readonly size: number;
}

export interface ResolvedImage {
  /** The image reference as the user gave it. */
  readonly image: string;
  readonly digest: string;
  /** `<repository>@sha256:<digest>`: what actually runs. */
  readonly resolvedImageUri: string;
}

/** One submitted configuration + code: what an invocation runs once it is serving. */
export interface Revision {
  readonly id: number;
  readonly config: FunctionConfig;
  readonly code?: CodePackage;
  readonly image?: ResolvedImage;
  readonly codeChecksum: string;
  readonly codeSize: number;
  readonly createdAt: number;
}

/** `restore`: localfc restarted with a data directory and prepares the function again. */
export type PreparationKind = 'create' | 'update' | 'wake' | 'restore';

export interface FunctionRecord {
  readonly functionName: string;
  readonly functionId: string;
  readonly functionArn: string;
  readonly createdTime: number;
  readonly lastModifiedTime: number;
  readonly state: State;
  readonly stateReason?: string;
  readonly stateReasonCode?: string;
  readonly lastUpdateStatus: UpdateStatus;
  readonly lastUpdateStatusReason?: string;
  readonly lastUpdateStatusReasonCode?: string;
  /** What invocations run; absent until the function first becomes Active. */
  readonly serving?: Revision;
  /** The newest submitted revision: equals serving except while one is being prepared. */
  readonly latest: Revision;
  readonly preparing?: { readonly kind: PreparationKind; readonly revisionId: number };
  readonly tags: readonly Tag[];
  readonly invocationRestriction?: { readonly disable: boolean; readonly reason?: string; readonly lastModifiedTime: number };
}

/**
 * Shared by every function that sets none (environment variables, passthrough fields, layers, tags) instead of an
 * empty object or array each: records are immutable, so nothing changes them in place (they are frozen to be sure),
 * and an empty one costs 30–60 bytes a function (issue 16's memory row).
 */
const NONE_SET: Readonly<Record<string, never>> = Object.freeze({});
const NONE_LISTED: readonly never[] = Object.freeze([]);

/** `value`, or the shared empty object when it has no keys. */
export function sharedIfEmpty<T extends Readonly<Record<string, unknown>>>(value: T): T {
  for (const _ in value) return value;
  return NONE_SET as T;
}

/** `list`, or the shared empty array when it is empty. */
export function sharedIfNone<T>(list: readonly T[]): readonly T[] {
  return list.length ? list : NONE_LISTED;
}

/** FC's rule for alias and trigger names: a letter or underscore, then letters, digits, `_` or `-`, at most 128 in all. */
export const RESOURCE_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;

/** A configured lifecycle hook (a handler or a command) and its timeout in ms (FC's default 3 s); undefined when none. */
export function lifecycleHook(config: FunctionConfig, which: 'initializer' | 'preStop'): { readonly timeoutMs: number } | undefined {
  const hook = config.instanceLifecycleConfig?.[which];
  return hook?.handler || hook?.command?.length ? { timeoutMs: (hook.timeout ?? 3) * 1000 } : undefined;
}

export function isContainer(config: FunctionConfig): boolean {
  return config.runtime === 'custom-container';
}

export function isCustomRuntime(config: FunctionConfig): boolean {
  return config.runtime.startsWith('custom') && !isContainer(config);
}

/**
 * How many requests one instance serves at once: `instanceConcurrency` for custom runtimes and custom containers; one
 * for FC's built-in runtimes, which FC 3.0 no longer runs concurrently (docs/behaviour.md, "instanceConcurrency on a
 * built-in runtime": the field is accepted and read back, and each instance still takes one request at a time).
 */
export function requestsPerInstance(config: FunctionConfig): number {
  return config.runtime.startsWith('custom') ? Math.max(1, config.instanceConcurrency) : 1;
}

/**
 * The port the function's own server listens on: a custom container's or custom runtime's `port`, with FC's 9000 when
 * it names none or 0 (Terraform sends 0 for a port left out: api/schemas/function.ts).
 */
export function serverPortOf(config: FunctionConfig): number {
  return (isContainer(config) ? config.customContainerConfig?.port : config.customRuntimeConfig?.port) || 9000;
}

/** The health check FC runs on the function's instances: custom runtimes and custom containers with an `httpGetUrl`. */
export function healthCheckOf(config: FunctionConfig): HealthCheckConfig | undefined {
  if (!config.runtime.startsWith('custom')) return undefined;
  const hc = isContainer(config) ? config.customContainerConfig?.healthCheckConfig : (config.customRuntimeConfig?.healthCheckConfig ?? config.customContainerConfig?.healthCheckConfig);
  return hc?.httpGetUrl ? hc : undefined;
}

export interface TimelineEntry {
  readonly at: number;
  readonly kind: 'transition' | 'fault' | 'registry' | 'note' | 'invocation' | 'instance';
  readonly event: string;
  readonly state?: State;
  readonly lastUpdateStatus?: UpdateStatus;
  readonly reasonCode?: string;
  readonly reason?: string;
  readonly detail?: Readonly<Record<string, unknown>>;
}
