/**
 * @module
 * The live dashboard under /_localfc: the page, a JSON snapshot (and a server-sent event stream of it), one function's
 * detail, and an invoke the page can make without signing. The SSE refresh cadence uses real timers on purpose: it is
 * UI plumbing, not simulated time.
 */
import { type Context, Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { AppEnv } from '../api/context.ts';
import { isoSeconds } from '../clock.ts';
import type { Clock } from '../clock.ts';
import { errors } from '../domain/errors.ts';
import type { AsyncTaskService } from '../domain/async-tasks.ts';
import type { FaultEngine } from '../domain/faults/engine.ts';
import type { FunctionService } from '../domain/functions.ts';
import type { InstancePool } from '../domain/instances.ts';
import type { InvocationService } from '../domain/invocations.ts';
import type { FunctionRecord, TimelineEntry } from '../domain/model.ts';
import type { SimulatedRegistry } from '../domain/registry.ts';
import { SCENARIOS } from '../domain/faults/scenarios.ts';
import { recentEntries } from '../domain/timeline.ts';
import type { DeletedFunction } from '../domain/deleted-history.ts';
import type { TriggerService } from '../domain/triggers.ts';
import type { CustomDomainService } from '../domain/custom-domains.ts';
import { UI_PAGE } from './ui-page.ts';

export interface UiDeps {
  readonly functions: FunctionService;
  readonly faults: FaultEngine;
  readonly clock: Clock;
  readonly pool: Pick<InstancePool, 'list' | 'ofFunction'>;
  readonly invocations: InvocationService;
  readonly triggers: TriggerService;
  readonly customDomains: CustomDomainService;
  readonly asyncTasks: AsyncTaskService;
  /** Absent when the Docker engine is the registry. */
  readonly registry: SimulatedRegistry | undefined;
  readonly maxBodyBytes: number;
}

/**
 * Enough marks to draw the recent past of every function, within a budget for the whole page (sent twice a second);
 * every kept transition is sent besides, so each lane draws its whole state history.
 */
const TIMELINE_SHOWN = 300;
const TIMELINE_BUDGET = 20_000;
const TASKS_SHOWN = 20;
const REFRESH_MS = 500;

const entryJson = (t: TimelineEntry): Record<string, unknown> => ({ time: new Date(t.at).toISOString(), ...t });

function functionJson(d: UiDeps, fn: FunctionRecord, shown: number): Record<string, unknown> {
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
    timeline: recentEntries(timeline, shown).map(entryJson),
  };
}

function deletedJson(fn: DeletedFunction, shown: number): Record<string, unknown> {
  return {
    functionName: fn.functionName,
    deleted: true,
    deletedTime: new Date(fn.deletedAt).toISOString(),
    state: fn.state,
    stateReasonCode: fn.stateReasonCode ?? null,
    stateReason: fn.stateReason ?? null,
    lastUpdateStatus: fn.lastUpdateStatus,
    lastUpdateStatusReasonCode: fn.lastUpdateStatusReasonCode ?? null,
    runtime: fn.runtime,
    codeChecksum: fn.codeChecksum,
    ...(fn.resolvedImageUri ? { resolvedImageUri: fn.resolvedImageUri } : {}),
    timeline: recentEntries(fn.timeline, shown).map(entryJson),
  };
}

/** Everything the dashboard's main view shows, in one JSON-safe object. */
export async function overview(d: UiDeps): Promise<Record<string, unknown>> {
  const now = d.clock.now();
  const fns = d.functions.list({ limit: Number.MAX_SAFE_INTEGER }).functions;
  const deleted = d.functions.deletedFunctions();
  const shown = Math.max(20, Math.min(TIMELINE_SHOWN, Math.floor(TIMELINE_BUDGET / Math.max(1, fns.length + deleted.length))));
  return {
    now: new Date(now).toISOString(),
    nowMs: now,
    clock: d.clock.kind,
    // Deleted functions after the live ones, the latest deletion first: their lanes stay readable until reset.
    functions: [...fns.map((fn) => functionJson(d, fn, shown)), ...[...deleted].reverse().map((fn) => deletedJson(fn, shown))],
    instances: d.pool.list(),
    faults: d.faults.list(),
    timers: d.clock.pendingTimers().map((t) => ({ ...t, due: isoSeconds(t.dueAt) })),
    scenarios: Object.entries(SCENARIOS).map(([name, s]) => ({ name, description: s.description })),
    registry: d.registry ? { images: await d.registry.list() } : null,
  };
}

/** One function as its detail view shows it: state and last update with their reasons, configuration, versions, aliases, triggers, custom domain routes, async tasks, instances. */
export function functionDetail(d: UiDeps, name: string): Record<string, unknown> {
  const fn = d.functions.get(name);
  const { config, ...rev } = d.functions.shown(fn);
  const { environmentVariables, ...settings } = config;
  const versions = d.functions.versions(name);
  return {
    functionName: name,
    status: {
      state: fn.state, stateReasonCode: fn.stateReasonCode, stateReason: fn.stateReason,
      lastUpdateStatus: fn.lastUpdateStatus, lastUpdateStatusReasonCode: fn.lastUpdateStatusReasonCode, lastUpdateStatusReason: fn.lastUpdateStatusReason,
    },
    config: { ...settings, codeChecksum: rev.codeChecksum, codeSize: rev.codeSize, ...(rev.image ? { resolvedImageUri: rev.image.resolvedImageUri } : {}) },
    environmentVariables,
    versions: versions.all().map((v) => ({ versionId: v.versionId, description: v.description, createdTime: isoSeconds(v.createdTime), codeChecksum: v.revision.codeChecksum })),
    aliases: versions.listAliases({ limit: 100 }).items.map((a) => ({ aliasName: a.aliasName, versionId: a.versionId, additionalVersionWeight: a.additionalVersionWeight, description: a.description })),
    triggers: d.triggers.list(name, { limit: 100 }).triggers.map((t) => ({ triggerName: t.triggerName, triggerType: t.triggerType, qualifier: t.qualifier, triggerConfig: t.triggerConfig })),
    customDomains: d.customDomains.routesTo(name).map(({ domainName, route }) => ({ domainName, path: route.path, qualifier: route.qualifier || 'LATEST', methods: route.methods?.length ? route.methods : ['*'] })),
    asyncTasks: d.asyncTasks.list(name, { limit: TASKS_SHOWN, sortOrderByTime: 'desc' }).tasks.map((t) => ({
      taskId: t.taskId, status: t.status, qualifier: t.qualifier, startedTime: isoSeconds(t.startedTime), alreadyRetriedTimes: t.alreadyRetriedTimes,
      ...(t.durationMs !== undefined ? { durationMs: t.durationMs } : {}), ...(t.taskErrorMessage ? { taskErrorMessage: t.taskErrorMessage } : {}),
    })),
    instances: d.pool.ofFunction(name).map((i) => ({ ...i, createdTime: isoSeconds(i.createdTimeMs) })),
  };
}

export function uiRoutes(d: UiDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const P = '/_localfc';

  // A newcomer types the bare address (or the admin prefix) into a browser: send them to the page, token and all.
  const toPage = (c: Context<AppEnv>) => c.redirect(`${P}/ui${new URL(c.req.url).search}`, 302);
  app.get('/', toPage);
  app.get(P, toPage);

  app.get(`${P}/ui`, (c) => {
    c.header('cache-control', 'no-store');
    return c.html(UI_PAGE);
  });

  app.get(`${P}/overview`, async (c) => {
    c.header('cache-control', 'no-store');
    return c.json(await overview(d), 200);
  });

  app.get(`${P}/functions/:name/detail`, (c) => {
    c.header('cache-control', 'no-store');
    return c.json(functionDetail(d, c.req.param('name')), 200);
  });

  // The page's invoke: the FC API would need a signature when accessKeys are set, which a browser cannot make.
  app.post(`${P}/functions/:name/invoke`, async (c) => {
    const name = c.req.param('name');
    const body = Buffer.from(await c.req.arrayBuffer());
    if (body.length > d.maxBodyBytes) throw errors.entityTooLarge('event', d.maxBodyBytes);
    const requestId = c.var.requestId;
    const { result, durationMs, admitted } = await d.invocations.invoke({
      functionName: name, qualifier: c.req.query('qualifier') || 'LATEST', requestId, body, headers: { 'content-type': 'application/octet-stream' }, kind: 'event',
    });
    return c.json({ requestId, status: result.status, qualifier: admitted.resolvedQualifier, durationMs, ...(result.errorType ? { errorType: result.errorType } : {}), body: result.body.toString('utf8') }, 200);
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
        await stream.writeSSE({ event: 'overview', data: JSON.stringify(await overview(d)), id: String(id++) });
        await new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, REFRESH_MS);
        });
      }
    }),
  );

  return app;
}
