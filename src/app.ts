/**
 * @module
 * createApp(config): the one factory that wires clock, ids, registry, faults, backend, services and routes.
 * No globals, so several apps live side by side in one process.
 */
import type { RequestListener } from 'node:http';
import { OpenAPIHono } from '@hono/zod-openapi';
import { healthRoutes } from './admin/health.ts';
import type { AppEnv } from './api/context.ts';
import { renderError, validationError } from './api/errors.ts';
import { LazyRoutes, type RouteEntry } from './api/lazy-routes.ts';
import { preRouteSteps } from './api/middleware.ts';
import { mountSteps, type PreRouteStep } from './api/pre-route.ts';
import { ROUTE_TABLE } from './api/route-table.ts';
import { httpTriggerRoutes } from './api/routes/http-trigger.ts';
import { customDomainHostStep } from './api/custom-domain-host.ts';
import { CodeUrls } from './api/code-urls.ts';
import { unsupportedRoutes } from './api/routes/unsupported.ts';
import { LayerStore } from './domain/layers.ts';
import { ObjectStore, TEMP_CODE_BUCKET } from './domain/object-store.ts';
import { TempCredentials } from './domain/temp-credentials.ts';
import { ProvisioningService } from './domain/provisioning.ts';
import { TagService } from './domain/tags.ts';
import { TriggerService } from './domain/triggers.ts';
import { CustomDomainService } from './domain/custom-domains.ts';
import { VpcBindingStore } from './domain/vpc-bindings.ts';
import { TimerScheduler } from './domain/timer-scheduler.ts';
import { OssTriggers } from './domain/oss-triggers.ts';
import type { Backend } from './domain/ports/backend.ts';
import { DockerBackend } from './backends/docker/docker-backend.ts';
import { ProcessBackend } from './backends/process/index.ts';
import { SimulatedBackend } from './backends/simulated.ts';
import { type Clock, ManualClock, SystemClock } from './clock.ts';
import type { Config, StartupOrigins } from './config.ts';
import { errors } from './domain/errors.ts';
import { FaultEngine, type FaultRule, type FaultSource, seededRandom } from './domain/faults/engine.ts';
import { parseFaultSpec } from './domain/faults/rules.ts';
import { FunctionService } from './domain/functions.ts';
import { InstancePool } from './domain/instances.ts';
import { InvocationService } from './domain/invocations.ts';
import { AsyncTaskService } from './domain/async-tasks.ts';
import type { ClockAdvanced } from './domain/background-work.ts';
import { ReservedConcurrencyGuard } from './domain/concurrency-guard.ts';
import { FunctionConfigStore } from './domain/function-configs.ts';
import { scenarioRules } from './domain/faults/scenarios.ts';
import { type ImageRegistry, SimulatedRegistry } from './domain/registry.ts';
import { type IdGenerator, randomIds } from './ids.ts';
import { createServerLog } from './log.ts';
import { clockPart, functionsPart, layersPart, objectsPart, plainPart } from './persistence/parts.ts';
import { ossClaim, ossMiddleware } from './api/oss/routes.ts';
import { isOwnHost, siteGuardOptions } from './api/site-guard.ts';
import { HotRoutes } from './api/hot-routes.ts';
import { Persistence } from './persistence/persistence.ts';
import { payloadLimits } from './domain/payload-limits.ts';

export interface AppDeps {
  readonly clock?: Clock;
  readonly ids?: IdGenerator;
  readonly backend?: Backend;
  /** Replaces stderr as the log's destination (one call per line). */
  readonly logLine?: (line: string) => void;
  /** False only for `npm run routes`, which builds groups whose route tables are stale to rewrite them. */
  readonly checkRouteTables?: boolean;
  /** What environment variables or flags gave at start-up (config.ts): those start-up faults are labelled `env`. */
  readonly startupOrigins?: StartupOrigins;
}

export interface LocalfcApp {
  readonly app: OpenAPIHono<AppEnv>;
  /** The app's fetch, for in-process requests (app.request, tests); a server answers through listener(). */
  readonly fetch: (request: Request, env?: unknown) => Response | Promise<Response>;
  /** A node:http request listener: the fast routes (api/hot-routes.ts), then `fallback` (@hono/node-server's listener for fetch). */
  listener(fallback: RequestListener): RequestListener;
  readonly clock: Clock;
  readonly functions: FunctionService;
  readonly faults: FaultEngine;
  /** The engine's image store with the docker backend, else the simulated registry. */
  readonly registry: ImageRegistry;
  /** localfc's own OSS (code packages uploaded for Create/UpdateFunction and layers). */
  readonly objects: ObjectStore;
  /**
   * Manual clock only: moves time forward, firing due timers in order, and resolves (to the new now) once what they
   * started has settled: preparations, async task attempts, timer-trigger firings and instance health probes. The one
   * way to advance (POST /_localfc/clock/advance uses it), so a test sees the same state through any of them.
   */
  advanceClock(ms: number): Promise<ClockAdvanced>;
  /** Builds every route group now (they are built on their first request otherwise): before reading the OpenAPI document from `app`. */
  loadRoutes(): Promise<void>;
  /**
   * Builds what a client's first API calls need and start-up leaves to after listening (server.ts), each step its own
   * task: GetFunction's and InvokeFunction's route groups (most of the zod schemas), then hono's router (built at its
   * first match otherwise). Answers and errors are the same whenever a step runs or whether it runs at all.
   */
  readonly warmUpSteps: ReadonlyArray<() => unknown>;
  /** Each lazily built group's hono route list, for `npm run routes`. */
  routeTables(): Promise<Record<string, readonly RouteEntry[]>>;
  /** With a data directory: loads the saved state (call once, before serving). */
  restore(): Promise<void>;
  /** The backend for the start-up line: its name, and with the docker backend the engine and how containers are reached. */
  describeBackend(): Promise<string>;
  close(): Promise<void>;
}

export const OPENAPI_INFO = { title: 'localfc: Function Compute 3.0 (2023-03-30) emulator', version: '2023-03-30' } as const;

export function createApp(config: Config, deps: AppDeps = {}): LocalfcApp {
  const clock = deps.clock ?? (config.clock === 'manual' ? new ManualClock() : new SystemClock(config.timeScale));
  const ids = deps.ids ?? randomIds();
  const serverLog = createServerLog(config.log, deps.logLine);
  const log = serverLog.log;
  const faults = new FaultEngine(seededRandom(config.faultSeed));
  // Labelled by where they were given: the config file (or start()'s options), or environment variables and flags.
  const sourceOf = (key: string, index: number): FaultSource => (index >= (deps.startupOrigins?.[key] ?? Infinity) ? 'env' : 'config');
  config.faults.forEach((rule, i) => faults.add(rule, sourceOf('faults', i)));
  config.faultSpecs.forEach((spec, i) => faults.add(parseFaultSpec(spec), sourceOf('faultSpecs', i)));
  for (const name of config.scenarios) for (const rule of scenarioRules(name)) faults.add(rule, sourceOf('scenarios', 0));
  const layers = new LayerStore({ clock, region: config.region, accountId: config.accountId });
  const objects = new ObjectStore({ clock, builtInBuckets: [TEMP_CODE_BUCKET] });
  const tempCredentials = new TempCredentials(clock);
  const backend = deps.backend ?? createBackend(config, layers, config.log === 'silent' ? undefined : log);
  // With the docker backend the engine's image store pins digests, so `docker rmi`/`docker tag` fail functions for real.
  // (`instanceof SimulatedBackend` first: the bundle loads the docker backend's module when DockerBackend is first read.)
  const docker = !(backend instanceof SimulatedBackend) && backend instanceof DockerBackend ? backend : undefined;
  const registry: ImageRegistry = docker ? docker.registry : new SimulatedRegistry(config.strictRegistry);
  /** The simulated registry, when it is the registry (admin routes, reset and persistence act on it only then). */
  const simulatedRegistry = registry instanceof SimulatedRegistry ? registry : undefined;
  const pool: InstancePool = new InstancePool(backend, clock, ids, {
    instanceIdleMs: config.timing.instanceIdleMs,
    maxInstancesPerFunction: config.maxInstancesPerFunction,
    freeze: config.freezeInstances,
    freezeGraceMs: config.timing.freezeGraceMs,
    fault: (prepared, phase, qualifier): FaultRule | undefined => functions.takeFault(prepared.fn.functionName, phase, { qualifier }),
    onInstance: (name, event, detail) => functions.note(name, 'instance', `instance.${event}`, detail),
  });
  const functions = new FunctionService({
    clock, ids, region: config.region, accountId: config.accountId, timing: config.timing, registry, faults, backend,
    // A retired revision means a new one serves (or none): provisioned instances follow it.
    onRevisionRetired: (prepared): Promise<void> => pool.drain(prepared).then(() => provisioning.reconcile(prepared.fn.functionName)),
    keepsInstances: (name) => provisioning.keepsInstances(name),
    random: seededRandom(config.faultSeed), // alias traffic split: its own stream, same seed
    // Transitions happen off any request (preparation, idle, registry): save them too, or a restart shows a stale state.
    onStateChanged: () => void persistence?.flush().catch((e: unknown) => log(`localfc: could not save state: ${e instanceof Error ? e.message : String(e)}`)),
  });

  const functionConfigs = new FunctionConfigStore({ functions, clock });
  const invocations = new InvocationService({
    functions, pool, clock,
    guard: new ReservedConcurrencyGuard((name) => functionConfigs.reserved(name)),
    ...(config.log === 'silent' ? {} : { log }),
    maxResponseBytes: payloadLimits(config.maxBodyBytes).sync,
    relaysUpgrades: backend.relaysUpgrades === true,
  });
  const asyncTasks = new AsyncTaskService({ functions, invocations, configs: functionConfigs, clock, ids });
  const timers = new TimerScheduler({ clock, functions, invocations, configs: functionConfigs, ids, region: config.region, accountId: config.accountId });
  const triggers = new TriggerService({ functions, clock, ids, listener: timers });
  const ossTriggers = new OssTriggers({ triggers, functions, invocations, configs: functionConfigs, clock, ids, region: config.region, accountId: config.accountId });
  const stopOssTriggers = objects.onChange((change) => ossTriggers.objectChanged(change));
  const provisioning: ProvisioningService = new ProvisioningService({ functions, pool, clock });
  const customDomains = new CustomDomainService({ clock });
  const vpcBindings = new VpcBindingStore({ functions });
  functions.onDeleted((name) => provisioning.forget(name));
  const codeUrls = new CodeUrls(() => ids.uuid(), () => clock.now());

  // Order matters on restore: the clock first, the registry before functions pin images, functions before what hangs off them.
  const persistence = config.dataDir
    ? new Persistence(config.dataDir, [
        clockPart(clock),
        ...(simulatedRegistry ? [plainPart('registry', simulatedRegistry)] : []),
        layersPart(layers),
        objectsPart(objects),
        functionsPart(functions),
        plainPart('triggers', triggers),
        plainPart('functionConfigs', functionConfigs),
        plainPart('provisioning', provisioning),
        plainPart('customDomains', customDomains),
        plainPart('vpcBindings', vpcBindings),
      ])
    : undefined;

  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      // zod-validator hands the hook the input as `data` too (hono/zod-openapi's type leaves it out): the message quotes it.
      if (!result.success) throw validationError(result.error, result.target === 'json' ? 'request body' : result.target, 'data' in result ? result.data : undefined);
    },
  });
  const guardOptions = siteGuardOptions(config);
  // Every step before the routes, in order: OSS requests are told apart by Host and path first, and never reach the
  // FC routes' middleware (see api/oss/addressing.ts). The fast routes read the same list (api/pre-route.ts).
  const claimedByOss = ossClaim({ objects, isOwnHost: (host) => isOwnHost(host, guardOptions) });
  const steps: PreRouteStep[] = [
    {
      on: '*',
      handler: ossMiddleware({
        objects, tempCredentials, accessKeys: config.accessKeys, clock, ids, maxObjectBytes: config.maxBodyBytes, persistence,
        log: config.log === 'silent' ? undefined : log,
        isOwnHost: (host) => isOwnHost(host, guardOptions),
      }),
      passes: (head) => claimedByOss(head) === undefined,
    },
    ...preRouteSteps({
      config, clock, ids, log, persistence, faults, functions, provisioning,
      hostSteps: [customDomainHostStep({ domains: customDomains, invocations, accountId: config.accountId, maxBodyBytes: config.maxBodyBytes, now: () => clock.now(), accessKeys: config.accessKeys })],
    }),
  ];
  const hot = new HotRoutes({ steps, ids, clock, log, silent: config.log === 'silent' });
  // The health check's fast route is registered now: a fresh server's first request is answered before any route is.
  const health = healthRoutes(() => ({ clock: clock.kind, backend: backend.name, region: config.region, accountId: config.accountId }), hot);
  const lazy = new LazyRoutes(app, { checkTables: deps.checkRouteTables });
  const reset = async () => {
    await functions.reset();
    provisioning.reset();
    customDomains.reset();
    layers.reset();
    objects.reset();
    simulatedRegistry?.reset();
    faults.reset();
  };
  const advanceClock = async (ms: number): Promise<ClockAdvanced> => {
    const nowMs = await clock.advance(ms);
    await functions.quiesce();
    const busy = await Promise.all([asyncTasks.quiesce(), timers.quiesce(), ossTriggers.quiesce(), pool.quiesce()]);
    return { nowMs, stillBusy: busy.reduce((a, b) => a + b, 0) };
  };
  /**
   * The app's middleware and routes, registered on the app's first use (its fetch, its router, `app`, the route groups)
   * rather than at start-up (issue 16): the first request of a fresh server, the health check, is answered by the fast
   * routes (api/hot-routes.ts) and needs none of them, and registering the 221 route entries and the middleware with hono
   * was ~5 M instructions and ~100 page faults of every start.
   * In the order eager mounting had, so hono matches every request as before.
   */
  let routed = false;
  const routes = (): OpenAPIHono<AppEnv> => {
    if (routed) return app;
    routed = true;
    mountSteps(app, steps);
    // Every group is built on its first request (api/lazy-routes.ts), GetFunction's and InvokeFunction's too (they
    // register their fast routes when built; server.ts builds them after the first answer), but the HTTP trigger's,
    // whose host middleware sees every request, and health, which answers liveness probes: mounted at once.
    lazy.mount('function', ROUTE_TABLE.function, async () => (await import('./api/routes/functions.ts')).functionRoutes(functions, layers, objects, triggers, provisioning, hot));
    lazy.mount('version', ROUTE_TABLE.version, async () => (await import('./api/routes/versions.ts')).versionRoutes(functions));
    lazy.mount('alias', ROUTE_TABLE.alias, async () => (await import('./api/routes/aliases.ts')).aliasRoutes(functions));
    lazy.mount('invoke', ROUTE_TABLE.invoke, async () => (await import('./api/routes/invoke.ts')).invokeRoutes({ functions, invocations, maxBodyBytes: config.maxBodyBytes, asyncTasks }, hot));
    lazy.mount('asyncTask', ROUTE_TABLE.asyncTask, async () => (await import('./api/routes/async-tasks.ts')).asyncTaskRoutes(asyncTasks));
    lazy.mount('functionConfig', ROUTE_TABLE.functionConfig, async () => (await import('./api/routes/function-configs.ts')).functionConfigRoutes(functionConfigs));
    lazy.mount('invocationRestriction', ROUTE_TABLE.invocationRestriction, async () => (await import('./api/routes/invocation-restriction.ts')).invocationRestrictionRoutes({ functions, clock }));
    lazy.mount('trigger', ROUTE_TABLE.trigger, async () => (await import('./api/routes/triggers.ts')).triggerRoutes(triggers));
    app.route('/', httpTriggerRoutes({ triggers, invocations, region: config.region, accountId: config.accountId, maxBodyBytes: config.maxBodyBytes, now: () => clock.now(), accessKeys: config.accessKeys }));
    lazy.mount('customDomain', ROUTE_TABLE.customDomain, async () => (await import('./api/routes/custom-domains.ts')).customDomainRoutes(customDomains, config.accountId));
    lazy.mount('vpcBinding', ROUTE_TABLE.vpcBinding, async () => (await import('./api/routes/vpc-bindings.ts')).vpcBindingRoutes(vpcBindings));
    lazy.mount('provision', ROUTE_TABLE.provision, async () => (await import('./api/routes/provision.ts')).provisionRoutes(provisioning));
    lazy.mount('instance', ROUTE_TABLE.instance, async () => (await import('./api/routes/instances.ts')).instanceRoutes({ functions, pool, provisioning }));
    lazy.mount('tag', ROUTE_TABLE.tag, async () => (await import('./api/routes/tags.ts')).tagRoutes(new TagService(functions)));
    lazy.mount('code', ROUTE_TABLE.code, async () => (await import('./api/routes/code.ts')).codeRoutes({ functions, layers, urls: codeUrls }));
    lazy.mount('layer', ROUTE_TABLE.layer, async () => (await import('./api/routes/layers.ts')).layerRoutes({ layers, urls: codeUrls, objects }));
    lazy.mount('region', ROUTE_TABLE.region, async () => (await import('./api/routes/regions.ts')).regionRoutes(config.region));
    lazy.mount('tempBucketToken', ROUTE_TABLE.tempBucketToken, async () => (await import('./api/routes/temp-bucket-token.ts')).tempBucketTokenRoutes({ credentials: tempCredentials, bucket: TEMP_CODE_BUCKET, region: config.region, accessKeys: config.accessKeys, clock, ids }));
    app.route('/', health);
    lazy.mount('admin', ROUTE_TABLE.admin, async () => (await import('./admin/routes.ts')).adminRoutes({ functions, clock, faults, registry: simulatedRegistry, reset, pool, advanceClock }));
    lazy.mount('ui', ROUTE_TABLE.ui, async () => (await import('./admin/ui.ts')).uiRoutes({
      functions, faults, clock, pool, invocations, triggers, customDomains, asyncTasks, maxBodyBytes: config.maxBodyBytes,
      registry: simulatedRegistry,
    }));
    lazy.mount('triggerAdmin', ROUTE_TABLE.triggerAdmin, async () => (await import('./admin/trigger-routes.ts')).triggerAdminRoutes({ triggers, invocations, functions, clock, ids, region: config.region, accountId: config.accountId, maxBodyBytes: config.maxBodyBytes }));
    // The document lists every group's routes: build them first.
    app.get('/openapi.json', async (_c, next) => {
      await lazy.loadAll();
      await next();
    });
    app.doc31('/openapi.json', { openapi: '3.1.0', info: OPENAPI_INFO });
    app.route('/', unsupportedRoutes());
    app.notFound((c) => renderError(c, errors.pathNotSupported(c.req.method, c.req.path)));
    app.onError((err, c) => renderError(c, err));
    return app;
  };

  return {
    get app() {
      return routes();
    },
    fetch: (request, env) => routes().fetch(request, env as never),
    listener: (fallback) => hot.listener(fallback), clock, functions, faults, registry, objects, advanceClock,
    loadRoutes: () => (routes(), lazy.loadAll()),
    warmUpSteps: [routes, () => lazy.load('function'), () => lazy.load('invoke'), () => app.router.match('GET', '/')],
    routeTables: () => (routes(), lazy.tables()),
    async describeBackend() {
      if (!docker) return backend.name;
      const e = docker.engine;
      const where = `docker engine ${e.local ? `unix://${e.address}` : e.address} (${e.source})`;
      const reach = await docker.reach().then(
        (r) => (r.reach === 'bridge' ? `containers reached at their bridge IPs (${r.why})` : `containers reached through ports published on ${e.engineHost} (${r.why})`),
        (err: unknown) => `not answering yet: ${err instanceof Error ? err.message : String(err)}`,
      );
      return `${where}, ${reach}`;
    },
    async restore() {
      if (persistence && (await persistence.restore())) log(`localfc: restored state from ${config.dataDir}`);
    },
    async close() {
      await persistence?.close();
      timers.close(); // before functions go, so no firing starts on a closing app
      stopOssTriggers();
      await provisioning.close();
      await functions.close();
      await pool.drainAll();
      await backend.close();
      clock.dispose();
      serverLog.flush();
    },
  };
}

function createBackend(config: Config, layers: LayerStore, log: ((line: string) => void) | undefined): Backend {
  const processOptions = { ...(config.workDir ? { workDir: config.workDir } : {}), layers, ...(log ? { log } : {}) };
  switch (config.backend) {
    case 'process':
      return new ProcessBackend(processOptions);
    case 'docker':
      // Code-package functions run as processes beside the containers, with the same layers.
      return new DockerBackend({ ...(config.dockerHost ? { dockerHost: config.dockerHost } : {}), networking: config.dockerNetworking, processOptions });
    case 'simulated':
      return new SimulatedBackend();
  }
}
