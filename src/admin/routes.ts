/**
 * @module
 * localfc's own API under /_localfc: reset, clock, timelines, holds, forced states, instances and their output,
 * fault rules, the image registry.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { isoSeconds } from '../clock.ts';
import type { Clock } from '../clock.ts';
import type { ClockAdvanced } from '../domain/background-work.ts';
import { errors } from '../domain/errors.ts';
import type { FaultEngine } from '../domain/faults/engine.ts';
import { FAULT_PHASES, faultRuleSchema } from '../domain/faults/rules.ts';
import type { InstancePool } from '../domain/instances.ts';
import type { FunctionService } from '../domain/functions.ts';
import type { TimelineEntry } from '../domain/model.ts';
import { recentEntries } from '../domain/timeline.ts';
import { SCENARIOS, scenarioRules } from '../domain/faults/scenarios.ts';
import { PHASE_CAPABILITIES } from './fault-capabilities.ts';
import { type SimulatedRegistry, parseImageRef } from '../domain/registry.ts';
import type { AppEnv } from '../api/context.ts';
import { ok } from './health.ts';
import { InstanceErrorCode, ReasonCode } from '../domain/reason-codes.ts';

export interface AdminDeps {
  readonly functions: FunctionService;
  readonly clock: Clock;
  readonly faults: FaultEngine;
  readonly registry: SimulatedRegistry | undefined;
  readonly reset: () => Promise<void>;
  /** Running instances and their output. */
  readonly pool: Pick<InstancePool, 'ofFunction' | 'instanceLogs'>;
  /** Moves the manual clock and waits for what follows (LocalfcApp.advanceClock). */
  readonly advanceClock: (ms: number) => Promise<ClockAdvanced>;
}

const Name = z.object({ name: z.string().openapi({ param: { name: 'name', in: 'path' } }) });
const jsonBody = <T extends z.ZodType>(schema: T) => ({ body: { required: true, content: { 'application/json': { schema } } } });

/** The domain's rule schema, named in the OpenAPI document. */
const FaultRuleBody = faultRuleSchema().meta({ id: 'FaultRule' });

export function adminRoutes(d: AdminDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  const P = '/_localfc';
  const registry = () => {
    if (!d.registry) throw errors.preconditionFailed('RegistryNotSimulated', 'this localfc uses the Docker engine as its registry: change images with docker itself');
    return d.registry;
  };

  app.openapi(createRoute({ operationId: 'LocalfcReset', method: 'post', path: `${P}/reset`, responses: ok('all state emptied') }), async (c) => {
    await d.reset();
    return c.json({ reset: true }, 200);
  });

  app.openapi(createRoute({ operationId: 'LocalfcClock', method: 'get', path: `${P}/clock`, responses: ok('clock and pending timers') }), (c) =>
    c.json({ kind: d.clock.kind, now: isoSeconds(d.clock.now()), nowMs: d.clock.now(), timers: d.clock.pendingTimers().map((t) => ({ ...t, due: isoSeconds(t.dueAt) })) }, 200),
  );

  app.openapi(
    createRoute({
      operationId: 'LocalfcClockAdvance', method: 'post', path: `${P}/clock/advance`,
      request: jsonBody(z.object({ ms: z.number().min(0).max(10 * 365 * 86400_000) })), responses: ok('advanced; timers fired and preparations settled'),
    }),
    async (c) => {
      if (d.clock.kind !== 'manual') throw errors.preconditionFailed('ClockNotManual', 'the clock is real time; start localfc with --clock manual (LOCALFC_CLOCK=manual) to advance it');
      const { nowMs, stillBusy } = await d.advanceClock(c.req.valid('json').ms);
      return c.json({ now: isoSeconds(nowMs), nowMs, stillBusy }, 200);
    },
  );

  app.openapi(createRoute({ operationId: 'LocalfcTimeline', method: 'get', path: `${P}/functions/{name}/timeline`, request: { params: Name }, responses: ok('transitions, faults and invocations; a deleted function\'s until reset') }), (c) => {
    const { name } = c.req.valid('param');
    return c.json(timelineJson(d.functions, name), 200);
  });

  // Every function's timeline, deleted ones' too: what a CI job saves as an artifact before stopping localfc.
  app.openapi(createRoute({ operationId: 'LocalfcTimelines', method: 'get', path: `${P}/timelines`, responses: ok("every function's timeline, deleted ones' until reset") }), (c) => {
    const live = d.functions.list({ limit: Number.MAX_SAFE_INTEGER }).functions.map((f) => timelineJson(d.functions, f.functionName));
    const deleted = d.functions.deletedFunctions().map((f) => ({ functionName: f.functionName, deleted: true, deletedTime: new Date(f.deletedAt).toISOString(), timeline: recentEntries(f.timeline).map(entryJson) }));
    return c.json({ now: new Date(d.clock.now()).toISOString(), functions: [...live, ...deleted] }, 200);
  });

  app.openapi(createRoute({ operationId: 'LocalfcRelease', method: 'post', path: `${P}/functions/{name}/release`, request: { params: Name }, responses: ok('hold released') }), async (c) => {
    const { name } = c.req.valid('param');
    const released = d.functions.release(name);
    if (!released) throw errors.preconditionFailed('NothingHeld', `function '${name}' is not held in Pending or InProgress`);
    await d.functions.quiesce();
    return c.json({ released }, 200);
  });

  app.openapi(
    createRoute({
      operationId: 'LocalfcForceState', method: 'post', path: `${P}/functions/{name}/state`,
      request: { params: Name, ...jsonBody(z.object({ state: z.enum(['Inactive', 'Failed']), reasonCode: z.string().optional(), reason: z.string().optional() })) },
      responses: ok('state forced'),
    }),
    (c) => {
      const { name } = c.req.valid('param');
      const b = c.req.valid('json');
      const fn =
        b.state === 'Inactive'
          ? d.functions.force(name, { type: 'idle' })
          : d.functions.force(name, { type: 'invalidate', code: b.reasonCode ?? ReasonCode.InternalError, reason: b.reason ?? 'forced to Failed through the admin API' });
      return c.json({ functionName: name, state: fn.state, stateReasonCode: fn.stateReasonCode ?? null }, 200);
    },
  );

  app.openapi(createRoute({ operationId: 'LocalfcListInstances', method: 'get', path: `${P}/functions/{name}/instances`, request: { params: Name }, responses: ok('running instances') }), (c) => {
    const { name } = c.req.valid('param');
    d.functions.get(name); // FunctionNotFound for an unknown function
    const instances = d.pool.ofFunction(name).map((i) => ({ instanceId: i.instanceId, revisionId: i.revisionId, busy: i.busy > 0, inFlight: i.busy, createdTime: isoSeconds(i.createdTimeMs), healthy: i.healthy, ...(i.healthCheck ? { healthCheck: i.healthCheck } : {}), ...(i.pid !== undefined ? { pid: i.pid } : {}), ...(i.containerId ? { containerId: i.containerId } : {}), ...(i.servedBy ? { servedBy: i.servedBy } : {}) }));
    return c.json({ functionName: name, instances }, 200);
  });
  app.openapi(
    createRoute({
      operationId: 'LocalfcInstanceLogs', method: 'get', path: `${P}/functions/{name}/instances/{instanceId}/logs`,
      request: { params: Name.extend({ instanceId: z.string().openapi({ param: { name: 'instanceId', in: 'path' } }) }) },
      responses: { 200: { description: "the instance's recent stdout and stderr (bounded)", content: { 'text/plain': { schema: z.string() } } } },
    }),
    (c) => {
      const { name, instanceId } = c.req.valid('param');
      d.functions.get(name);
      const logs = d.pool.instanceLogs(name, instanceId);
      if (logs === undefined) throw errors.notFound(InstanceErrorCode.InstanceNotFound, `function '${name}' has no running instance '${instanceId}'`);
      return c.text(logs, 200);
    },
  );

  app.openapi(createRoute({ operationId: 'LocalfcListFaults', method: 'get', path: `${P}/faults`, responses: ok('fault rules, spent ones too') }), (c) => c.json({ rules: d.faults.list() }, 200));
  app.openapi(createRoute({ operationId: 'LocalfcFaultCapabilities', method: 'get', path: `${P}/faults/capabilities`, responses: ok('the effects each phase acts on') }), (c) =>
    c.json({ phases: FAULT_PHASES.map((phase) => ({ phase, ...PHASE_CAPABILITIES[phase] })) }, 200),
  );
  app.openapi(createRoute({ operationId: 'LocalfcAddFault', method: 'post', path: `${P}/faults`, request: jsonBody(FaultRuleBody), responses: ok('rule added') }), (c) =>
    c.json(d.faults.add(c.req.valid('json'), 'admin'), 200),
  );
  app.openapi(createRoute({ operationId: 'LocalfcResetFaults', method: 'delete', path: `${P}/faults`, responses: ok('run-time rules removed') }), (c) => {
    d.faults.reset(c.req.query('all') === 'true');
    return c.json({ rules: d.faults.list() }, 200);
  });
  app.openapi(
    createRoute({ operationId: 'LocalfcRemoveFault', method: 'delete', path: `${P}/faults/{id}`, request: { params: z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' } }) }) }, responses: ok('rule removed') }),
    (c) => {
      const { id } = c.req.valid('param');
      if (!d.faults.remove(id)) throw errors.notFound('FaultRuleNotFound', `fault rule '${id}' does not exist`);
      return c.json({ removed: id }, 200);
    },
  );

  app.openapi(createRoute({ operationId: 'LocalfcListScenarios', method: 'get', path: `${P}/scenarios`, responses: ok('named scenarios') }), (c) =>
    c.json({ scenarios: Object.entries(SCENARIOS).map(([name, s]) => ({ name, description: s.description })) }, 200),
  );
  app.openapi(
    createRoute({
      operationId: 'LocalfcStartScenario', method: 'post', path: `${P}/scenarios/{scenario}`,
      request: { params: z.object({ scenario: z.string().openapi({ param: { name: 'scenario', in: 'path' } }) }), query: z.object({ functionName: z.string().optional() }) },
      responses: ok('the fault rules the scenario added'),
    }),
    (c) => {
      const { scenario } = c.req.valid('param');
      const { functionName } = c.req.valid('query');
      const rules = scenarioRules(scenario).map((r) => d.faults.add(functionName ? { ...r, match: { ...r.match, functionName } } : r, 'admin'));
      return c.json({ scenario, rules }, 200);
    },
  );

  app.openapi(createRoute({ operationId: 'LocalfcListImages', method: 'get', path: `${P}/registry/images`, responses: ok('images') }), async (c) => c.json({ images: await registry().list() }, 200));
  app.openapi(
    createRoute({
      operationId: 'LocalfcPushImage', method: 'post', path: `${P}/registry/images`,
      request: jsonBody(z.object({ image: z.string().min(1).openapi({ example: 'registry.example.com/ns/app:v1' }), digest: z.string().optional() })),
      responses: ok('tag now points at the digest'),
    }),
    async (c) => {
      const b = c.req.valid('json');
      const ref = parseImageRef(b.image);
      if (ref.digest) throw errors.invalidArgument('push a tag (repo:tag), optionally with "digest" naming the digest it should point at');
      const pushed = registry().push(ref.repository, ref.tag ?? 'latest', b.digest);
      // Dependent functions react to the change before the caller's next GetFunction.
      await d.functions.quiesce();
      return c.json({ repository: ref.repository, tag: ref.tag ?? 'latest', ...pushed }, 200);
    },
  );
  app.openapi(
    createRoute({ operationId: 'LocalfcDeleteImage', method: 'delete', path: `${P}/registry/images`, request: { query: z.object({ image: z.string().min(1) }) }, responses: ok('image deleted') }),
    async (c) => {
      const deleted = registry().delete(parseImageRef(c.req.valid('query').image));
      await d.functions.quiesce();
      return c.json(deleted, 200);
    },
  );

  return app;
}

const entryJson = (t: TimelineEntry) => ({ time: new Date(t.at).toISOString(), ...t });

/** One function's timeline as the admin API answers it: a deleted function's says so and when. */
function timelineJson(functions: FunctionService, name: string): Record<string, unknown> {
  const timeline = functions.timeline(name).map(entryJson);
  const gone = functions.deleted(name);
  return gone ? { functionName: name, deleted: true, deletedTime: new Date(gone.deletedAt).toISOString(), timeline } : { functionName: name, timeline };
}
