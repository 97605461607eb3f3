/**
 * The x-fc-* headers an invocation carries to localfc's own nodejs and python bootstraps (http-runtime.ts
 * bootstrapHeaders): the ones they turn into the handler's context there, and only when set, while a custom runtime's
 * server gets FC's whole set (fcHeaders). test/e2e/runtime-context.test.ts checks the context a handler then sees.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { bootstrapHeaders, fcHeaders } from '../../src/backends/http-runtime.ts';
import type { FunctionConfig } from '../../src/domain/model.ts';
import type { PreparedRevision } from '../../src/domain/ports/backend.ts';
import { sampleRevision } from '../helpers/fixtures.ts';

const prepared = (config: Partial<FunctionConfig> = {}): PreparedRevision => {
  const merged = { ...sampleRevision.config, ...config } as FunctionConfig;
  return { key: 'f#1', config: merged, revision: { ...sampleRevision, config: merged }, fn: { functionName: 'f', qualifier: 'LATEST', region: 'cn-hangzhou', accountId: '1234' } } as unknown as PreparedRevision;
};

it('sends the call\'s request id, and its qualifier and version where they differ from what a bootstrap takes without them, for a function without a role or an initializer', () => {
  assert.deepEqual(bootstrapHeaders(prepared(), 'req-1'), { 'x-fc-request-id': 'req-1' }, 'LATEST: a bootstrap\'s default qualifier, and the version is the qualifier');
  assert.deepEqual(bootstrapHeaders(prepared(), 'req-2', { qualifier: 'prod', versionId: '3' }), { 'x-fc-request-id': 'req-2', 'x-fc-qualifier': 'prod', 'x-fc-version-id': '3' });
  assert.deepEqual(bootstrapHeaders(prepared(), 'req-3', { qualifier: '3', versionId: '3' }), { 'x-fc-request-id': 'req-3', 'x-fc-qualifier': '3' });
});

it('adds the credentials with a role, and the initializer\'s handler and timeout when there is one, as fcHeaders has them', () => {
  const p = prepared({ passthrough: { role: 'acs:ram::1234:role/fc' }, instanceLifecycleConfig: { initializer: { handler: 'index.init', timeout: 7 } } });
  const all = fcHeaders(p, 'req-3');
  const sent = bootstrapHeaders(p, 'req-3');
  const names = ['x-fc-request-id', 'x-fc-access-key-id', 'x-fc-access-key-secret', 'x-fc-security-token', 'x-fc-function-initializer', 'x-fc-initialization-timeout'];
  assert.deepEqual(sent, Object.fromEntries(names.map((n) => [n, all[n]])));
  assert.equal(sent['x-fc-initialization-timeout'], '7');
  assert.notEqual(sent['x-fc-access-key-id'], '');
  // An initializer without its own timeout: FC's default, which a bootstrap also takes when the header is missing.
  assert.equal(bootstrapHeaders(prepared({ instanceLifecycleConfig: { initializer: { handler: 'index.init' } } }), 'r')['x-fc-initialization-timeout'], '3');
  // Credentials turned off for the request channel are not sent.
  assert.equal(bootstrapHeaders(prepared({ passthrough: { role: 'acs:ram::1234:role/fc', disableInjectCredentials: 'Request' } }), 'r')['x-fc-access-key-id'], undefined);
});
