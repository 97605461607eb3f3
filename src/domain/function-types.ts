/**
 * @module
 * The types FunctionService is built from and gives out: its dependencies, inputs and saved state.
 */
import type { Backend, PreparedRevision } from './ports/backend.ts';
import type { Clock } from '../clock.ts';
import type { IdGenerator } from '../ids.ts';
import type { FaultEngine } from './faults/engine.ts';
import type { FunctionConfig, FunctionRecord, Tag } from './model.ts';
import type { ImageRegistry } from './registry.ts';
import type { VersionsState } from './versions.ts';

export interface TimingConfig {
  /** Pending → Active for code packages (built-in and custom runtimes). */
  readonly codePreparationMs: number;
  /** Pending → Active for custom containers (image caching takes longer on the cloud). */
  readonly containerPreparationMs: number;
  /** InProgress → Successful after an update. */
  readonly updateMs: number;
  /** Active → Inactive after this long without an invocation (custom containers only). */
  readonly inactiveAfterMs: number;
}

export interface FunctionServiceDeps {
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly region: string;
  readonly accountId: string;
  readonly timing: TimingConfig;
  readonly registry: ImageRegistry;
  readonly faults: FaultEngine;
  readonly backend: Backend;
  /** Called when a revision is retired (nothing holds it any more), so the pool stops its instances. */
  readonly onRevisionRetired?: (prepared: PreparedRevision) => Promise<void>;
  /** Called after every state transition of a function (persistence saves it, so a restart shows the last state). */
  readonly onStateChanged?: () => void;
  /** True while a provision or scaling config keeps instances of the function: it is not idle then. */
  readonly keepsInstances?: (functionName: string) => boolean;
  /** Seeded source for alias traffic splitting, so tests can assert the split. */
  readonly random?: () => number;
}

export interface CreateInput {
  readonly functionName: string;
  readonly config: FunctionConfig;
  readonly zip?: Buffer;
  readonly tags: readonly Tag[];
}

export interface UpdateInput {
  readonly config: FunctionConfig;
  readonly zip?: Buffer;
}

/** Everything persistence needs to bring the functions back: records and their versions (code zips included). */
export interface FunctionsState {
  readonly revisionCounter: number;
  readonly functions: ReadonlyArray<{ readonly record: FunctionRecord; readonly versions: VersionsState }>;
}
