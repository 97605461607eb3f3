/**
 * @module
 * TriggerService: the triggers of each function (Create/Get/Update/Delete/List). No HTTP here; serving HTTP triggers
 * and firing events live in the API and admin layers. A function's triggers go when the function is deleted. Every
 * change is told to an optional listener (the TimerScheduler, which fires enabled timer triggers on the clock).
 */
import type { Clock } from '../clock.ts';
import type { IdGenerator } from '../ids.ts';
import { errors } from './errors.ts';
import type { FunctionService } from './functions.ts';
import type { TriggerListener } from './timer-scheduler.ts';
import { type TriggerConfig, type TriggerType, checkSourceArn, parseTriggerConfig } from './trigger-config.ts';
import { RESOURCE_NAME } from './model.ts';
import { pageByKey } from './paging.ts';

export interface TriggerRecord {
  readonly functionName: string;
  readonly triggerName: string;
  readonly triggerId: string;
  readonly triggerType: TriggerType;
  /** As the caller sent it (a JSON string); `config` is its parsed form. */
  readonly triggerConfig: string;
  readonly config: TriggerConfig;
  readonly qualifier: string;
  readonly description: string;
  readonly invocationRole?: string;
  readonly sourceArn?: string;
  readonly targetArn: string;
  readonly createdTime: number;
  readonly lastModifiedTime: number;
  /** http triggers: the first label of the FC-style host `<domainPrefix>.<region>.fcapp.run`. */
  readonly domainPrefix?: string;
}

export interface CreateTriggerInput {
  readonly triggerName: string;
  readonly triggerType: string;
  readonly triggerConfig: string;
  readonly qualifier?: string | undefined;
  readonly description?: string | undefined;
  readonly invocationRole?: string | undefined;
  readonly sourceArn?: string | undefined;
}

export interface UpdateTriggerInput {
  readonly triggerConfig?: string | undefined;
  readonly qualifier?: string | undefined;
  readonly description?: string | undefined;
  readonly invocationRole?: string | undefined;
}

export interface TriggerServiceDeps {
  readonly functions: FunctionService;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly listener?: TriggerListener;
}

export class TriggerService {
  /** functionName → triggerName → record. */
  readonly #byFunction = new Map<string, Map<string, TriggerRecord>>();
  readonly #unsubscribe: () => void;

  constructor(private readonly deps: TriggerServiceDeps) {
    this.#unsubscribe = deps.functions.onDeleted((name) => {
      this.#byFunction.delete(name);
      deps.listener?.functionRemoved(name);
    });
  }

  /** Persistence: every trigger as stored. */
  exportState(): TriggerRecord[] {
    return [...this.#byFunction.values()].flatMap((m) => [...m.values()]);
  }

  importState(records: readonly TriggerRecord[]): void {
    for (const t of records) {
      let byName = this.#byFunction.get(t.functionName);
      if (!byName) this.#byFunction.set(t.functionName, (byName = new Map()));
      byName.set(t.triggerName, t);
      this.deps.listener?.changed(t);
    }
  }

  create(functionName: string, input: CreateTriggerInput): TriggerRecord {
    const fn = this.deps.functions.get(functionName);
    if (!RESOURCE_NAME.test(input.triggerName)) {
      throw errors.invalidArgument(`invalid triggerName '${input.triggerName}': start with a letter or underscore; letters, digits, underscores and hyphens only (1-128 characters)`);
    }
    const config = parseTriggerConfig(input.triggerType, input.triggerConfig);
    const type = input.triggerType as TriggerType;
    checkSourceArn(type, input.sourceArn);
    const triggers = this.#triggers(functionName);
    if (triggers.has(input.triggerName)) throw errors.triggerAlreadyExists(functionName, input.triggerName);
    if (type === 'http') this.#checkOneHttpTrigger(functionName, input.qualifier || 'LATEST', input.triggerName);
    const now = this.deps.clock.now();
    const record: TriggerRecord = {
      functionName,
      triggerName: input.triggerName,
      triggerId: this.deps.ids.uuid(),
      triggerType: type,
      triggerConfig: input.triggerConfig,
      config,
      qualifier: input.qualifier || 'LATEST',
      description: input.description ?? '',
      ...(input.invocationRole ? { invocationRole: input.invocationRole } : {}),
      ...(input.sourceArn ? { sourceArn: input.sourceArn } : {}),
      targetArn: fn.functionArn,
      createdTime: now,
      lastModifiedTime: now,
      // Hostnames are case-insensitive and take no underscores.
      ...(type === 'http' ? { domainPrefix: `${functionName.toLowerCase().replace(/_/g, '-')}-${this.deps.ids.shortId().slice(0, 10)}` } : {}),
    };
    triggers.set(record.triggerName, record);
    this.deps.listener?.changed(record);
    return record;
  }

  /**
   * FC: "only one HTTP trigger can be created for each version or alias of the function" (HTTP trigger overview,
   * Limits; docs/behaviour.md). `triggerName` is the trigger being created or moved, which may keep its own place.
   */
  #checkOneHttpTrigger(functionName: string, qualifier: string, triggerName: string): void {
    for (const t of this.#triggers(functionName).values()) {
      if (t.triggerType === 'http' && t.qualifier === qualifier && t.triggerName !== triggerName) throw errors.httpTriggerExists(functionName, qualifier, t.triggerName);
    }
  }

  get(functionName: string, triggerName: string): TriggerRecord {
    const record = this.#triggers(functionName).get(triggerName);
    if (!record) throw errors.triggerNotFound(functionName, triggerName);
    return record;
  }

  update(functionName: string, triggerName: string, input: UpdateTriggerInput): TriggerRecord {
    const current = this.get(functionName, triggerName);
    const config = input.triggerConfig !== undefined ? parseTriggerConfig(current.triggerType, input.triggerConfig) : current.config;
    if (current.triggerType === 'http' && input.qualifier) this.#checkOneHttpTrigger(functionName, input.qualifier, triggerName);
    const next: TriggerRecord = {
      ...current,
      ...(input.triggerConfig !== undefined ? { triggerConfig: input.triggerConfig, config } : {}),
      ...(input.qualifier ? { qualifier: input.qualifier } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.invocationRole !== undefined ? { invocationRole: input.invocationRole } : {}),
      lastModifiedTime: this.deps.clock.now(),
    };
    this.#triggers(functionName).set(triggerName, next);
    this.deps.listener?.changed(next);
    return next;
  }

  delete(functionName: string, triggerName: string): void {
    this.get(functionName, triggerName);
    this.#triggers(functionName).delete(triggerName);
    this.deps.listener?.removed(functionName, triggerName);
  }

  /** Sorted by name; `nextToken` is the next page's first name and is absent on the last page. */
  list(functionName: string, opts: { prefix?: string | undefined; limit?: number | undefined; nextToken?: string | undefined }): { triggers: TriggerRecord[]; nextToken?: string } {
    const { items, nextToken } = pageByKey(this.#triggers(functionName).values(), (t) => t.triggerName, opts);
    return nextToken ? { triggers: items, nextToken } : { triggers: items };
  }

  /** Every trigger of every function (OSS triggers look for the ones a bucket's change concerns). */
  *all(): IterableIterator<TriggerRecord> {
    for (const triggers of this.#byFunction.values()) yield* triggers.values();
  }

  /** The http trigger a FC-style host names (`<domainPrefix>.<region>[-vpc].fcapp.run`), if any. */
  byDomainPrefix(prefix: string): TriggerRecord | undefined {
    const wanted = prefix.toLowerCase();
    for (const triggers of this.#byFunction.values()) for (const t of triggers.values()) if (t.domainPrefix === wanted) return t;
    return undefined;
  }

  close(): void {
    this.#unsubscribe();
    for (const name of this.#byFunction.keys()) this.deps.listener?.functionRemoved(name);
    this.#byFunction.clear();
  }

  /** The function's trigger map; throws FunctionNotFound for a function that does not exist. */
  #triggers(functionName: string): Map<string, TriggerRecord> {
    this.deps.functions.get(functionName);
    let triggers = this.#byFunction.get(functionName);
    if (!triggers) {
      triggers = new Map();
      this.#byFunction.set(functionName, triggers);
    }
    return triggers;
  }
}
