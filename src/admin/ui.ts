/**
 * @module
 * A small live dashboard under /_localfc: the page itself, a JSON snapshot, and a server-sent event stream of that snapshot.
 * The SSE refresh cadence uses real timers on purpose: it is UI plumbing, not simulated time.
 */
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { AppEnv } from '../api/context.ts';
import { isoSeconds } from '../clock.ts';
import type { Clock } from '../clock.ts';
import type { FaultEngine } from '../domain/faults.ts';
import type { FunctionService } from '../domain/functions.ts';
import type { FunctionRecord, TimelineEntry } from '../domain/model.ts';
import { UI_PAGE } from './ui-page.ts';

export interface UiDeps {
  readonly functions: FunctionService;
  readonly faults: FaultEngine;
  readonly clock: Clock;
  /** The instance pool; optional so a caller without one still gets the rest of the dashboard. */
  readonly pool?: { list(): unknown[] };
}

const TIMELINE_SHOWN = 50;
const INVOCATIONS_SHOWN = 20;
const REFRESH_MS = 500;

function entryJson(t: TimelineEntry): Record<string, unknown> {
  return { time: new Date(t.at).toISOString(), ...t };
}

function functionJson(d: UiDeps, fn: FunctionRecord): Record<string, unknown> {
  const rev = d.functions.shown(fn);
  let timeline: TimelineEntry[] = [];
  try {
    timeline = d.functions.timeline(fn.functionName);
  } catch {
    // deleted between list() and timeline()
  }
  return {
    functionName: fn.functionName,
    state: fn.state,
    stateReasonCode: fn.stateReasonCode ?? null,
    stateReason: fn.stateReason ?? null,
    lastUpdateStatus: fn.lastUpdateStatus,
    lastUpdateStatusReasonCode: fn.lastUpdateStatusReasonCode ?? null,
    runtime: rev.config.runtime,
    codeChecksum: rev.codeChecksum,
    ...(rev.image ? { resolvedImageUri: rev.image.resolvedImageUri } : {}),
    timeline: timeline.slice(-TIMELINE_SHOWN).map(entryJson),
    invocations: timeline.filter((t) => t.kind === 'invocation').slice(-INVOCATIONS_SHOWN).map(entryJson),
  };
}

/** Everything the dashboard shows, in one JSON-safe object. */
export function overview(d: UiDeps): Record<string, unknown> {
  const now = d.clock.now();
  const functions = d.functions.list({ limit: Number.MAX_SAFE_INTEGER }).functions.map((fn) => functionJson(d, fn));
  return {
    now: new Date(now).toISOString(),
    nowMs: now,
    clock: d.clock.kind,
    functions,
    instances: d.pool?.list() ?? [],
    faults: d.faults.list(),
    timers: d.clock.pendingTimers().map((t) => ({ ...t, due: isoSeconds(t.dueAt) })),
  };
}

export function uiRoutes(d: UiDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const P = '/_localfc';

  app.get(`${P}/ui`, (c) => {
    c.header('cache-control', 'no-store');
    return c.html(UI_PAGE);
  });

  app.get(`${P}/overview`, (c) => {
    c.header('cache-control', 'no-store');
    return c.json(overview(d), 200);
  });

  app.get(`${P}/events`, (c) =>
    streamSSE(c, async (stream) => {
      let closed = false;
      let timer: NodeJS.Timeout | undefined;
      let wake: (() => void) | undefined;
      stream.onAbort(() => {
        closed = true;
        if (timer) clearTimeout(timer);
        wake?.();
      });
      let id = 0;
      while (!closed && !stream.aborted && !stream.closed) {
        await stream.writeSSE({ event: 'overview', data: JSON.stringify(overview(d)), id: String(id++) });
        await new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, REFRESH_MS);
        });
      }
    }),
  );

  return app;
}
