/**
 * @module
 * createApp(config): the one factory that wires clock, ids, registry, faults, backend, services and routes.
 * No globals, so several apps live side by side in one process.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { adminRoutes } from './admin/routes.ts';
import { uiRoutes } from './admin/ui.ts';
import type { AppEnv } from './api/context.ts';
import { renderError, validationError } from './api/errors.ts';
import { functionRoutes } from './api/routes/functions.ts';
import { invokeRoutes } from './api/routes/invoke.ts';
import type { Backend } from './backends/backend.ts';
import { ProcessBackend } from './backends/process/index.ts';
import { SimulatedBackend } from './backends/simulated.ts';
import { type Clock, ManualClock, SystemClock, sleep } from './clock.ts';
import type { Config } from './config.ts';
import { errors } from './domain/errors.ts';
import { FaultEngine, type FaultRule, faultError, parseFaultSpec, seededRandom } from './domain/faults.ts';
import { FunctionService } from './domain/functions.ts';
import { InstancePool } from './domain/instances.ts';
import { InvocationService } from './domain/invocations.ts';
import { scenarioRules } from './domain/scenarios.ts';
import { SimulatedRegistry } from './domain/registry.ts';
import { type IdGenerator, randomIds } from './ids.ts';

export interface AppDeps {
  readonly clock?: Clock;
  readonly ids?: IdGenerator;
  readonly backend?: Backend;
  readonly logLine?: (line: string) => void;
}

export interface LocalfcApp {
  readonly app: OpenAPIHono<AppEnv>;
  readonly clock: Clock;
  readonly functions: FunctionService;
  readonly faults: FaultEngine;
  readonly registry: SimulatedRegistry;
  close(): Promise<void>;
}

export const OPENAPI_INFO = { title: 'localfc: Function Compute 3.0 (2023-03-30) emulator', version: '2023-03-30' } as const;

export function createApp(config: Config, deps: AppDeps = {}): LocalfcApp {
  const clock = deps.clock ?? (config.clock === 'manual' ? new ManualClock() : new SystemClock(config.timeScale));
  const ids = deps.ids ?? randomIds();
  const log = deps.logLine ?? (config.log === 'silent' ? () => {} : (l: string) => process.stderr.write(`${l}\n`));
  const registry = new SimulatedRegistry(config.strictRegistry);
  const faults = new FaultEngine(seededRandom(config.faultSeed));
  for (const rule of config.faults) faults.add(rule, 'config');
  for (const spec of config.faultSpecs) faults.add(parseFaultSpec(spec), 'env');
  for (const name of config.scenarios) for (const rule of scenarioRules(name)) faults.add(rule, 'config');
  const backend = deps.backend ?? createBackend(config);
  const pool: InstancePool = new InstancePool(backend, clock, ids, {
    instanceIdleMs: config.timing.instanceIdleMs,
    maxInstancesPerFunction: config.maxInstancesPerFunction,
    fault: (prepared, phase): FaultRule | undefined => functions.takeFault(prepared.fn.functionName, phase, { qualifier: prepared.fn.qualifier }),
  });
  const functions = new FunctionService({
    clock, ids, region: config.region, accountId: config.accountId, timing: config.timing, registry, faults, backend,
    onRevisionRetired: (prepared) => pool.drain(prepared.key),
  });

  const invocations = new InvocationService({ functions, pool, clock });

  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error, result.target === 'json' ? 'request body' : result.target);
    },
  });
  app.use('*', async (c, next) => {
    c.set('requestId', ids.requestId(clock.now()));
    c.set('log', log);
    const started = Date.now();
    await next();
    c.header('x-fc-request-id', c.var.requestId);
    if (config.log !== 'silent') log(`${c.req.method} ${c.req.path} ${c.res.status} ${c.req.header('x-acs-action') ?? ''} ${Date.now() - started}ms`);
  });
  app.use('/2023-03-30/*', bodyLimit({ maxSize: config.maxBodyBytes, onError: () => { throw errors.entityTooLarge('request body', config.maxBodyBytes); } }));
  // API-level faults (LocalStack chaos style): any FC operation, matched by its SDK action name.
  app.use('/2023-03-30/*', async (c, next) => {
    const fnName = /^\/2023-03-30\/functions\/([^/]+)/.exec(c.req.path)?.[1];
    const operation = c.req.header('x-acs-action');
    const rule = faults.take({ phase: 'api', ...(operation ? { operation } : {}), ...(fnName ? { functionName: decodeURIComponent(fnName) } : {}) });
    if (rule?.effect.type === 'latency') await sleep(clock, rule.effect.ms, 'api latency fault');
    if (rule?.effect.type === 'error') throw faultError({ ...rule, effect: rule.effect }, 'API failure');
    if (rule?.effect.type === 'throttle') throw errors.throttled(`request throttled (injected by fault rule ${rule.id})`);
    await next();
  });

  app.route('/', functionRoutes(functions));
  app.route('/', invokeRoutes({ functions, invocations, maxBodyBytes: config.maxBodyBytes }));
  const reset = async () => {
    await functions.reset();
    registry.reset();
    faults.reset();
  };
  app.route('/', adminRoutes({
    functions, clock, faults, registry, reset,
    info: () => ({ clock: clock.kind, backend: backend.name, region: config.region, accountId: config.accountId }),
  }));
  app.route('/', uiRoutes({ functions, faults, clock, pool }));
  app.doc31('/openapi.json', { openapi: '3.1.0', info: OPENAPI_INFO });
  app.notFound((c) => renderError(c, errors.pathNotSupported(c.req.method, c.req.path)));
  app.onError((err, c) => renderError(c, err));

  return {
    app, clock, functions, faults, registry,
    async close() {
      await functions.close();
      await pool.drainAll();
      await backend.close();
      clock.dispose();
    },
  };
}

function createBackend(config: Config): Backend {
  switch (config.backend) {
    case 'process':
      return new ProcessBackend(config.workDir ? { workDir: config.workDir } : {});
    case 'simulated':
      return new SimulatedBackend();
  }
}
