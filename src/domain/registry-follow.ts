/**
 * @module
 * Functions follow the image registry: when a repository changes, a function whose pinned digest is gone (deleted,
 * tag moved) is invalidated, as FC fails a function whose image disappeared.
 */
import type { Clock } from '../clock.ts';
import { type FunctionEntry, addToTimeline } from './function-entry.ts';
import type { FunctionLifecycle } from './lifecycle.ts';
import { type ImageRegistry, parseImageRef } from './registry.ts';
import { imageProblem } from './revisions.ts';

export interface RegistryFollowDeps {
  readonly registry: ImageRegistry;
  readonly clock: Clock;
  readonly lifecycle: FunctionLifecycle;
  readonly entries: () => Iterable<FunctionEntry>;
  /** False once the function was deleted (or deleted and created again). */
  readonly isCurrent: (entry: FunctionEntry) => boolean;
  /** Runs the check as work quiesce() waits for. */
  readonly track: (name: string, work: Promise<void>) => void;
}

/** Subscribes to the registry; returns the unsubscribe. */
export function followRegistry(deps: RegistryFollowDeps): () => void {
  return deps.registry.onChange((e) => {
    for (const entry of deps.entries()) {
      const revision = entry.record.serving;
      if (!revision?.image || parseImageRef(revision.image.image).repository !== e.repository) continue;
      deps.track(entry.record.functionName, (async () => {
        const problem = await imageProblem(deps.registry, revision);
        if (!problem || !deps.isCurrent(entry) || entry.record.serving !== revision) return;
        addToTimeline(entry, { at: deps.clock.now(), kind: 'registry', event: `image.${e.type}`, detail: { ...e } });
        deps.lifecycle.dispatch(entry, { type: 'invalidate', ...problem });
      })());
    }
  });
}
