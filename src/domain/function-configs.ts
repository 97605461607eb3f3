/**
 * @module
 * Per-function configuration that shapes invocations: async invoke configs (per function and qualifier) and reserved
 * concurrency (per function). No HTTP here; entries go away when their function is deleted.
 */
import type { Clock } from '../clock.ts';
import { errors } from './errors.ts';
import type { FunctionService } from './functions.ts';
import { type Page, pageByKey } from './paging.ts';

export interface Destination {
  readonly destination?: string;
}

export interface DestinationConfig {
  readonly onSuccess?: Destination;
  readonly onFailure?: Destination;
}

export interface AsyncInvokeConfigInput {
  readonly asyncTask?: boolean;
  readonly destinationConfig?: DestinationConfig;
  readonly maxAsyncEventAgeInSeconds?: number;
  readonly maxAsyncRetryAttempts?: number;
}

export interface AsyncInvokeConfig extends AsyncInvokeConfigInput {
  readonly functionName: string;
  readonly qualifier: string;
  readonly functionArn: string;
  readonly createdTime: number;
  readonly lastModifiedTime: number;
}

export interface ConcurrencyConfig {
  readonly functionName: string;
  readonly functionArn: string;
  readonly reservedConcurrency: number;
}

export type { Page } from './paging.ts';

export interface ListOptions {
  readonly functionName?: string;
  readonly limit?: number;
  readonly nextToken?: string;
}

/** FC's defaults when a function has no async invoke config (retry 3 times; keep events for a day). */
export const ASYNC_DEFAULTS = { maxAsyncRetryAttempts: 3, maxAsyncEventAgeInSeconds: 86400 } as const;

export class FunctionConfigStore {
  /** functionName → qualifier → config. */
  readonly #async = new Map<string, Map<string, AsyncInvokeConfig>>();
  readonly #concurrency = new Map<string, ConcurrencyConfig>();

  constructor(private readonly deps: { readonly functions: FunctionService; readonly clock: Clock }) {
    deps.functions.onDeleted((name) => {
      this.#async.delete(name);
      this.#concurrency.delete(name);
    });
  }

  /** Persistence: both kinds of config as stored. */
  exportState(): { async: AsyncInvokeConfig[]; concurrency: ConcurrencyConfig[] } {
    return { async: [...this.#async.values()].flatMap((m) => [...m.values()]), concurrency: [...this.#concurrency.values()] };
  }

  importState(state: { async: AsyncInvokeConfig[]; concurrency: ConcurrencyConfig[] }): void {
    for (const c of state.async) {
      let byQualifier = this.#async.get(c.functionName);
      if (!byQualifier) this.#async.set(c.functionName, (byQualifier = new Map()));
      byQualifier.set(c.qualifier, c);
    }
    for (const c of state.concurrency) this.#concurrency.set(c.functionName, c);
  }

  // ---- async invoke config ----

  putAsync(functionName: string, qualifier: string, input: AsyncInvokeConfigInput): AsyncInvokeConfig {
    const fn = this.deps.functions.get(functionName);
    const now = this.deps.clock.now();
    let byQualifier = this.#async.get(functionName);
    if (!byQualifier) this.#async.set(functionName, (byQualifier = new Map()));
    const previous = byQualifier.get(qualifier);
    // Put replaces the whole config, as FC's Put* operations do; only the creation time survives.
    const config: AsyncInvokeConfig = { ...input, functionName, qualifier, functionArn: fn.functionArn, createdTime: previous?.createdTime ?? now, lastModifiedTime: now };
    byQualifier.set(qualifier, config);
    return config;
  }

  getAsync(functionName: string, qualifier: string): AsyncInvokeConfig {
    this.deps.functions.get(functionName);
    const config = this.findAsync(functionName, qualifier);
    if (!config) throw errors.asyncConfigNotFound(functionName, qualifier);
    return config;
  }

  /** The config that applies to an invocation of this qualifier, if any (no throw). */
  findAsync(functionName: string, qualifier: string): AsyncInvokeConfig | undefined {
    return this.#async.get(functionName)?.get(qualifier);
  }

  deleteAsync(functionName: string, qualifier: string): void {
    this.getAsync(functionName, qualifier);
    const byQualifier = this.#async.get(functionName);
    byQualifier?.delete(qualifier);
    if (byQualifier?.size === 0) this.#async.delete(functionName);
  }

  listAsync(opts: ListOptions): Page<AsyncInvokeConfig> {
    const all = [...this.#async.values()].flatMap((m) => [...m.values()]);
    return paginate(all, (c) => `${c.functionName}/${c.qualifier}`, opts);
  }

  // ---- reserved concurrency ----

  putConcurrency(functionName: string, reservedConcurrency: number): ConcurrencyConfig {
    const fn = this.deps.functions.get(functionName);
    const config = { functionName, functionArn: fn.functionArn, reservedConcurrency };
    this.#concurrency.set(functionName, config);
    return config;
  }

  getConcurrency(functionName: string): ConcurrencyConfig {
    this.deps.functions.get(functionName);
    const config = this.#concurrency.get(functionName);
    if (!config) throw errors.concurrencyConfigNotFound(functionName);
    return config;
  }

  deleteConcurrency(functionName: string): void {
    this.getConcurrency(functionName);
    this.#concurrency.delete(functionName);
  }

  listConcurrency(opts: ListOptions): Page<ConcurrencyConfig> {
    return paginate([...this.#concurrency.values()], (c) => c.functionName, opts);
  }

  /** The function's reserved concurrency, or undefined when it has none (then only the instance limit applies). */
  reserved(functionName: string): number | undefined {
    return this.#concurrency.get(functionName)?.reservedConcurrency;
  }
}

/** Sorted by key; the token is the key of the first entry of the next page, omitted on the last page. */
function paginate<T extends { readonly functionName: string }>(all: T[], key: (t: T) => string, opts: ListOptions): Page<T> {
  return pageByKey(all.filter((t) => !opts.functionName || t.functionName === opts.functionName), key, opts);
}
