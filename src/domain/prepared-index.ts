/**
 * @module
 * Which backend handle belongs to a function's revision, observed on the backend FunctionService prepares with, so
 * provisioning can warm the serving revision's instances without reaching into FunctionService.
 */
import type { Backend, PreparedRevision } from '../backends/backend.ts';

export class PreparedIndex {
  readonly #byKey = new Map<string, PreparedRevision>();

  /** The same backend, with prepare/release recorded here; every other member goes straight to the backend. */
  observe(backend: Backend): Backend {
    return new Proxy(backend, {
      get: (target, prop) => {
        if (prop === 'prepare') {
          return async (req: Parameters<Backend['prepare']>[0]) => {
            const prepared = await target.prepare(req);
            this.#byKey.set(prepared.key, prepared);
            return prepared;
          };
        }
        if (prop === 'release') {
          return async (prepared: PreparedRevision) => {
            // Only the exact handle: a discarded duplicate must not unlist the one still serving.
            if (this.#byKey.get(prepared.key) === prepared) this.#byKey.delete(prepared.key);
            return target.release(prepared);
          };
        }
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  find(functionName: string, revisionId: number): PreparedRevision | undefined {
    for (const p of this.#byKey.values()) if (p.fn.functionName === functionName && p.revision.id === revisionId) return p;
    return undefined;
  }
}
