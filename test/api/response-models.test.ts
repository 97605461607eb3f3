/**
 * Every answer of a Get or List operation (and the Create/Put/Update answers made on the way) walked against the
 * response model Alibaba's definition gives it (reference/fc3-definition/definition.json), at every depth: a key the
 * model does not have is an internal field leaking (provision and scaling list items carried the store's `input`
 * object). A newer definition dropped in, or a new field in an answer, shows up here.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { start, type RunningLocalfc } from '../../src/index.ts';
import { UNSUPPORTED } from '../../src/api/routes/unsupported.ts';
import { advanceClock } from '../helpers/clock.ts';
import { definition, elementType, isModel, model } from '../helpers/definition.ts';
import { TEST_CERTIFICATE, TEST_PRIVATE_KEY } from '../helpers/tls-cert.ts';

const zipFile = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, "ok")' }]).toString('base64');
const unsupported = new Set(UNSUPPORTED.map(([operation]) => operation));

/** Keys of `value` (at `path`) that the model `modelName` does not define, through nested models, arrays and maps. */
function unknownKeys(modelName: string, value: unknown, path: string): string[] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
  const fields = model(modelName);
  const out: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    const field = fields[key];
    if (!field) {
      out.push(`${path}.${key}`);
      continue;
    }
    const inner = elementType(field.type);
    if (!isModel(inner)) continue;
    if (field.type.endsWith('[]') && Array.isArray(child)) child.forEach((item, i) => out.push(...unknownKeys(inner, item, `${path}.${key}[${i}]`)));
    else if (field.type.startsWith('map<') && child && typeof child === 'object') for (const [k, v] of Object.entries(child)) out.push(...unknownKeys(inner, v, `${path}.${key}.${k}`));
    else out.push(...unknownKeys(inner, child, `${path}.${key}`));
  }
  return out;
}

describe('answers carry only what the definition defines', () => {
  let fc: RunningLocalfc;
  const leaks: string[] = [];
  const answered = new Set<string>();

  /** A call whose answer is walked against the operation's response model. */
  const call = async (operation: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${fc.url}/2023-03-30${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    assert.ok(res.status < 300, `${operation} ${method} ${path} → ${res.status} ${text}`);
    const response = definition.operations[operation]?.response;
    assert.ok(response, `no operation ${operation} in the definition`);
    if (text && isModel(response)) {
      leaks.push(...unknownKeys(response, JSON.parse(text), `${operation}(${path})`));
      answered.add(operation);
    }
    return (text ? JSON.parse(text) : {}) as Record<string, unknown>;
  };

  before(async () => {
    fc = await start({ clock: 'manual' });
    const layer = await call('CreateLayerVersion', 'POST', '/layers/lib/versions', { code: { zipFile }, compatibleRuntime: ['nodejs20'], description: 'lib' });
    const fn = await call('CreateFunction', 'POST', '/functions', {
      functionName: 'walk', runtime: 'nodejs20', handler: 'index.handler', code: { zipFile }, environmentVariables: { A: '1' },
      layers: [layer.layerVersionArn], tags: [{ Key: 'team', Value: 'walk' }], instanceConcurrency: 2,
      instanceLifecycleConfig: { initializer: { handler: 'index.init', timeout: 3 }, preStop: { handler: 'index.stop', timeout: 3 } },
      logConfig: { project: 'p', logstore: 's', enableInstanceMetrics: true }, // its provision config has a target-tracking policy vpcConfig: { vpcId: 'vpc-1', vSwitchIds: ['vsw-1'], securityGroupId: 'sg-1' },
    });
    await call('CreateFunction', 'POST', '/functions', { functionName: 'walk-box', runtime: 'custom-container', customContainerConfig: { image: 'registry.example.com/ns/app:v1', port: 9000, healthCheckConfig: { httpGetUrl: '/ready' } } });
    await advanceClock(fc, 10_000);
    await call('PublishFunctionVersion', 'POST', '/functions/walk/versions', { description: 'v1' });
    await call('UpdateFunction', 'PUT', '/functions/walk', { description: 'second' });
    await call('PublishFunctionVersion', 'POST', '/functions/walk/versions', { description: 'v2' });
    await call('CreateAlias', 'POST', '/functions/walk/aliases', { aliasName: 'prod', versionId: '2', additionalVersionWeight: { '1': 0.1 } });
    await call('CreateTrigger', 'POST', '/functions/walk/triggers', { triggerName: 'web', triggerType: 'http', triggerConfig: '{"authType":"anonymous","methods":["GET"]}' });
    await call('CreateTrigger', 'POST', '/functions/walk/triggers', { triggerName: 'tick', triggerType: 'timer', triggerConfig: '{"cronExpression":"@every 1h","enable":true}' });
    await call('PutAsyncInvokeConfig', 'PUT', '/functions/walk/async-invoke-config', { asyncTask: true, maxAsyncRetryAttempts: 1, destinationConfig: { onFailure: { destination: `${String(fn.functionArn)}` } } });
    await call('PutConcurrencyConfig', 'PUT', '/functions/walk/concurrency', { reservedConcurrency: 10 });
    await call('PutProvisionConfig', 'PUT', '/functions/walk/provision-config', {
      defaultTarget: 1, alwaysAllocateCPU: true,
      scheduledActions: [{ name: 'peak', scheduleExpression: 'cron(0 0 9 * * *)', target: 2 }],
      targetTrackingPolicies: [{ name: 'cpu', metricType: 'CPUUtilization', metricTarget: 0.6, minCapacity: 1, maxCapacity: 3 }],
    });
    await call('PutScalingConfig', 'PUT', '/functions/walk/scaling-config?qualifier=prod', {
      minInstances: 1, scheduledPolicies: [{ name: 'night', scheduleExpression: 'cron(0 0 22 * * *)', target: 1 }],
      horizontalScalingPolicies: [{ name: 'cpu', metricType: 'CPUUtilization', metricTarget: 0.6, minInstances: 1, maxInstances: 3 }],
    });
    const res = await fetch(`${fc.url}/2023-03-30/functions/walk/invocations`, { method: 'POST', headers: { 'x-fc-invocation-type': 'Async', 'x-fc-async-task-id': 'task-1' }, body: 'x' });
    assert.equal(res.status, 202);
    await advanceClock(fc, 1000);
    await call('CreateCustomDomain', 'POST', '/custom-domains', {
      domainName: 'walk.example.com', protocol: 'HTTP,HTTPS',
      routeConfig: { routes: [{ path: '/*', functionName: 'walk', qualifier: 'prod', methods: ['GET'], rewriteConfig: { equalRules: [{ match: '/a', replacement: '/b' }] } }] },
      certConfig: { certName: 'c', certificate: TEST_CERTIFICATE, privateKey: TEST_PRIVATE_KEY }, authConfig: { authType: 'anonymous' },
      corsConfig: { allowOrigins: ['*'], maxAge: 60 }, tlsConfig: { minVersion: 'TLSv1.2', cipherSuites: ['TLS_RSA_WITH_AES_128_CBC_SHA'] }, wafConfig: { enableWAF: false },
    });
    await call('CreateVpcBinding', 'POST', '/functions/walk/vpc-bindings', { vpcId: 'vpc-walk' });
    await call('DisableFunctionInvocation', 'POST', '/functions/walk/invoke/disable', { reason: 'walk' });
    await call('EnableFunctionInvocation', 'POST', '/functions/walk/invoke/enable');
  });
  after(() => fc.stop());

  it('every emulated Get and List answer, at every depth, has only keys of its definition model', async () => {
    const layerArn = String((await call('GetLayerVersion', 'GET', '/layers/lib/versions/1')).layerVersionArn);
    const functionArn = String((await call('GetFunction', 'GET', '/functions/walk')).functionArn);
    const reads: Record<string, string[]> = {
      DescribeRegions: ['/regions'],
      GetAlias: ['/functions/walk/aliases/prod'],
      GetAsyncInvokeConfig: ['/functions/walk/async-invoke-config'],
      GetAsyncTask: ['/functions/walk/async-tasks/task-1'],
      GetConcurrencyConfig: ['/functions/walk/concurrency'],
      GetCustomDomain: ['/custom-domains/walk.example.com'],
      GetFunction: ['/functions/walk', '/functions/walk?qualifier=1', '/functions/walk?qualifier=prod', '/functions/walk-box'],
      GetFunctionCode: ['/functions/walk/code'],
      GetLayerVersion: ['/layers/lib/versions/1'],
      GetLayerVersionByArn: [`/layerarn/${encodeURIComponent(layerArn)}`],
      GetProvisionConfig: ['/functions/walk/provision-config', '/functions/walk-box/provision-config'],
      GetScalingConfig: ['/functions/walk/scaling-config?qualifier=prod'],
      GetTrigger: ['/functions/walk/triggers/web', '/functions/walk/triggers/tick'],
      ListAliases: ['/functions/walk/aliases'],
      ListAsyncInvokeConfigs: ['/async-invoke-configs'],
      ListAsyncTasks: ['/functions/walk/async-tasks?includePayload=true'],
      ListConcurrencyConfigs: ['/concurrency-configs'],
      ListCustomDomains: ['/custom-domains'],
      ListFunctionVersions: ['/functions/walk/versions'],
      ListFunctions: ['/functions', '/functions?limit=1'],
      ListInstances: ['/functions/walk/instances', '/functions/walk/instances?qualifier=prod'],
      ListLayerVersions: ['/layers/lib/versions'],
      ListLayers: ['/layers'],
      ListProvisionConfigs: ['/provision-configs'],
      ListScalingConfigs: ['/scaling-configs'],
      ListTagResources: [`/tags-v2?ResourceType=function&ResourceId=${encodeURIComponent(JSON.stringify([functionArn]))}`, '/tags-v2?ResourceType=function'],
      ListTriggers: ['/functions/walk/triggers'],
      ListVpcBindings: ['/functions/walk/vpc-bindings'],
    };
    const readOps = Object.entries(definition.operations).filter(([name, op]) => op.method === 'GET' && !unsupported.has(name)).map(([name]) => name);
    assert.deepEqual(readOps.filter((name) => !reads[name]), [], 'a read operation of the definition without a case here');
    for (const [operation, paths] of Object.entries(reads)) for (const path of paths) await call(operation, 'GET', path);
    for (const operation of ['ListVpcBindings', 'ListCustomDomains', 'ListProvisionConfigs', 'ListScalingConfigs', 'ListTriggers', 'ListAsyncTasks', 'ListFunctionVersions', 'ListInstances']) {
      assert.ok(answered.has(operation), `${operation} answered`);
    }
    assert.deepEqual(leaks, []);
  });
});
