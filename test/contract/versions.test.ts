/**
 * Versions and aliases through the official SDK on the manual clock: publish, invoke by qualifier, a blue/green
 * release with a weighted canary, refusals, pagination, GetFunction with a qualifier, and real handlers per version.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { $FC, event, readBody, sdkError, localfcWithClient, withLocalfcClient } from '../helpers/sdk.ts';
import { advanceClock } from '../helpers/clock.ts';

const handler = (out: string) => createZip([{ path: 'index.js', data: `exports.handler = (e, c, cb) => cb(null, ${JSON.stringify(out)})` }]).toString('base64');

function harness(opts: Parameters<typeof localfcWithClient>[0]) {
  // Publishing during an update's InProgress window needs that window (off by default for code packages).
  const local = localfcWithClient({ clock: 'manual', timing: { codePreparationMs: 1000 }, ...opts });
  const h = {
    get fc() {
      return local.fc;
    },
    get client() {
      return local.client;
    },
    advance: (ms: number) => advanceClock(h.fc, ms),
    async create(name: string, zip: string) {
      await h.client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName: name, runtime: 'nodejs20', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: zip }) }) }));
      await h.advance(1000);
    },
    async update(name: string, body: ConstructorParameters<typeof $FC.UpdateFunctionInput>[0]) {
      await h.client.updateFunction(name, new $FC.UpdateFunctionRequest({ body: new $FC.UpdateFunctionInput(body) }));
    },
    publish: (name: string, description?: string) =>
      h.client.publishFunctionVersion(name, new $FC.PublishFunctionVersionRequest({ body: new $FC.PublishVersionInput(description === undefined ? {} : { description }) })).then((r) => r.body!),
    invoke: (name: string, qualifier?: string, body = 'x') =>
      h.client.invokeFunction(name, new $FC.InvokeFunctionRequest({ body: event(body), ...(qualifier ? { qualifier } : {}) })),
    get: (name: string, qualifier?: string) => h.client.getFunction(name, new $FC.GetFunctionRequest(qualifier ? { qualifier } : {})).then((r) => r.body!),
  };
  return h;
}

describe('versions and aliases through the official SDK (simulated backend)', () => {
  const h = harness({});
  const checksums: Record<string, string> = {};

  it('publishes v1, refuses an unchanged publish and a publish during InProgress, publishes v2 after the update', async () => {
    await h.create('svc', handler('A'));
    checksums.A = (await h.get('svc')).codeChecksum!;
    const v1 = await h.publish('svc', 'first');
    assert.equal(v1.versionId, '1');
    assert.equal(v1.description, 'first');
    assert.match(v1.createdTime!, /^2024-01-01T00:00:01/);

    const same = await sdkError(h.publish('svc'));
    assert.equal(same.statusCode, 400);
    assert.equal(same.code, 'VersionPublishError');
    assert.match(same.data.Message, /No changes were made since last publish/);

    await h.update('svc', { code: new $FC.InputCodeLocation({ zipFile: handler('B') }), timeout: 9 });
    const busy = await sdkError(h.publish('svc'));
    assert.equal(busy.statusCode, 409);
    assert.equal(busy.code, 'ConcurrentUpdateError');

    await h.advance(1000);
    checksums.B = (await h.get('svc')).codeChecksum!;
    assert.notEqual(checksums.A, checksums.B);
    const v2 = await h.publish('svc', 'second');
    assert.equal(v2.versionId, '2');
  });

  it('invokes each qualifier with its own code: 1, 2 and LATEST; unknown version/alias are 404', async () => {
    await h.update('svc', { code: new $FC.InputCodeLocation({ zipFile: handler('C') }) });
    await h.advance(1000);
    const latest = (await h.get('svc')).codeChecksum!;
    const r1 = await h.invoke('svc', '1', 'one');
    assert.equal(r1.headers!['x-fc-code-checksum'], checksums.A);
    assert.equal(await readBody(r1.body!), 'one');
    assert.equal((await h.invoke('svc', '2')).headers!['x-fc-code-checksum'], checksums.B);
    assert.equal((await h.invoke('svc')).headers!['x-fc-code-checksum'], latest);
    assert.equal((await h.invoke('svc', 'LATEST')).headers!['x-fc-code-checksum'], latest);
    // x-fc-invocation-service-version names the version that served (Serverless Devs' `s invoke` prints it).
    assert.deepEqual([r1, await h.invoke('svc', '2'), await h.invoke('svc')].map((r) => r.headers!['x-fc-invocation-service-version']), ['1', '2', 'LATEST']);

    const noVersion = await sdkError(h.invoke('svc', '42'));
    assert.equal(noVersion.statusCode, 404);
    assert.equal(noVersion.code, 'VersionNotFound');
    const noAlias = await sdkError(h.invoke('svc', 'nope'));
    assert.equal(noAlias.statusCode, 404);
    assert.equal(noAlias.code, 'AliasNotFound');
  });

  it('GetFunction with a qualifier shows that version’s configuration', async () => {
    const v1 = await h.get('svc', '1');
    assert.equal(v1.codeChecksum, checksums.A);
    assert.equal(v1.timeout, 3);
    const v2 = await h.get('svc', '2');
    assert.equal(v2.codeChecksum, checksums.B);
    assert.equal(v2.timeout, 9);
    assert.equal((await h.get('svc', 'LATEST')).timeout, 9);
    assert.equal((await sdkError(h.get('svc', '7'))).code, 'VersionNotFound');
  });

  it('blue/green: alias prod → 1, canary 0.2 to 2 over 500 invocations, shift to 2, roll back to 1', async () => {
    const created = await h.client.createAlias('svc', new $FC.CreateAliasRequest({ body: new $FC.CreateAliasInput({ aliasName: 'prod', versionId: '1', description: 'production' }) }));
    assert.equal(created.body!.aliasName, 'prod');
    assert.equal(created.body!.versionId, '1');
    assert.deepEqual(created.body!.additionalVersionWeight, {});
    const viaAlias = await h.invoke('svc', 'prod');
    assert.deepEqual([viaAlias.headers!['x-fc-code-checksum'], viaAlias.headers!['x-fc-invocation-service-version']], [checksums.A, '1'], 'an alias names the version it routed to');

    const canary = await h.client.updateAlias('svc', 'prod', new $FC.UpdateAliasRequest({ body: new $FC.UpdateAliasInput({ additionalVersionWeight: { '2': 0.2 } }) }));
    assert.deepEqual(canary.body!.additionalVersionWeight, { '2': 0.2 });
    assert.equal(canary.body!.versionId, '1');
    assert.equal(canary.body!.description, 'production');
    let toV2 = 0;
    const N = 500;
    for (let i = 0; i < N; i++) if ((await h.invoke('svc', 'prod')).headers!['x-fc-code-checksum'] === checksums.B) toV2++;
    assert.ok(Math.abs(toV2 / N - 0.2) < 0.05, `canary share ${toV2 / N} should be about 0.2`);

    await h.client.updateAlias('svc', 'prod', new $FC.UpdateAliasRequest({ body: new $FC.UpdateAliasInput({ versionId: '2', additionalVersionWeight: {} }) }));
    for (let i = 0; i < 20; i++) assert.equal((await h.invoke('svc', 'prod')).headers!['x-fc-code-checksum'], checksums.B);
    assert.equal((await h.get('svc', 'prod')).codeChecksum, checksums.B);

    await h.client.updateAlias('svc', 'prod', new $FC.UpdateAliasRequest({ body: new $FC.UpdateAliasInput({ versionId: '1' }) }));
    for (let i = 0; i < 20; i++) assert.equal((await h.invoke('svc', 'prod')).headers!['x-fc-code-checksum'], checksums.A);
    const got = await h.client.getAlias('svc', 'prod');
    assert.equal(got.body!.versionId, '1');
  });

  it('the split is deterministic for a seed', async () => {
    const split = async () => {
      return withLocalfcClient({ clock: 'manual', faultSeed: 7 }, async ({ fc, client: c }) => {
        const adv = (ms: number) => advanceClock(fc, ms);
        await c.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName: 'd', runtime: 'nodejs20', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: handler('A') }) }) }));
        await adv(1000);
        await c.publishFunctionVersion('d', new $FC.PublishFunctionVersionRequest({ body: new $FC.PublishVersionInput({}) }));
        await c.updateFunction('d', new $FC.UpdateFunctionRequest({ body: new $FC.UpdateFunctionInput({ description: 'v2' }) }));
        await adv(1000);
        await c.publishFunctionVersion('d', new $FC.PublishFunctionVersionRequest({ body: new $FC.PublishVersionInput({}) }));
        await c.createAlias('d', new $FC.CreateAliasRequest({ body: new $FC.CreateAliasInput({ aliasName: 'a', versionId: '1', additionalVersionWeight: { '2': 0.5 } }) }));
        for (let i = 0; i < 30; i++) await readBody((await c.invokeFunction('d', new $FC.InvokeFunctionRequest({ body: event('x'), qualifier: 'a' }))).body!);
        return fc.localfc.functions.timeline('d').filter((t) => t.event === 'invoked').map((t) => t.detail?.qualifier).join(',');
      });
    };
    const a = await split();
    assert.equal(a, await split());
    assert.match(a, /1/);
    assert.match(a, /2/);
  });

  it('alias validation: unknown version, weights out of range or over 1, LATEST with weights, duplicates', async () => {
    const create = (body: ConstructorParameters<typeof $FC.CreateAliasInput>[0]) => h.client.createAlias('svc', new $FC.CreateAliasRequest({ body: new $FC.CreateAliasInput(body) }));
    assert.equal((await sdkError(create({ aliasName: 'x', versionId: '9' }))).code, 'VersionNotFound');
    assert.equal((await sdkError(create({ aliasName: 'x', versionId: '1', additionalVersionWeight: { '2': 1.5 } }))).code, 'InvalidArgument');
    assert.equal((await sdkError(create({ aliasName: 'x', versionId: '1', additionalVersionWeight: { '9': 0.1 } }))).code, 'VersionNotFound');
    assert.equal((await sdkError(create({ aliasName: 'x', versionId: 'LATEST', additionalVersionWeight: { '2': 0.1 } }))).code, 'InvalidArgument');
    assert.equal((await sdkError(create({ aliasName: '12', versionId: '1' }))).code, 'InvalidArgument');
    const dup = await sdkError(create({ aliasName: 'prod', versionId: '2' }));
    assert.equal(dup.statusCode, 409);
    assert.equal(dup.code, 'AliasAlreadyExists');
    assert.equal((await sdkError(h.client.getAlias('svc', 'ghost'))).code, 'AliasNotFound');
  });

  it('deleting a version an alias points at (directly or as a canary) is refused; otherwise it goes and ids are not reused', async () => {
    await h.client.createAlias('svc', new $FC.CreateAliasRequest({ body: new $FC.CreateAliasInput({ aliasName: 'staging', versionId: '1', additionalVersionWeight: { '2': 0.1 } }) }));
    const inUse = await sdkError(h.client.deleteFunctionVersion('svc', '2'));
    assert.equal(inUse.statusCode, 409);
    assert.equal(inUse.code, 'VersionInUse');
    assert.match(inUse.data.Message, /staging/);
    assert.equal((await sdkError(h.client.deleteFunctionVersion('svc', '1'))).code, 'VersionInUse');
    await h.client.deleteAlias('svc', 'staging');
    await h.client.updateAlias('svc', 'prod', new $FC.UpdateAliasRequest({ body: new $FC.UpdateAliasInput({ versionId: '1' }) }));
    await h.client.deleteFunctionVersion('svc', '2');
    assert.equal((await sdkError(h.invoke('svc', '2'))).code, 'VersionNotFound');
    assert.equal((await sdkError(h.client.deleteFunctionVersion('svc', '2'))).code, 'VersionNotFound');
    // LATEST (code C) differs from version 1: the next version is 3, never 2 again.
    assert.equal((await h.publish('svc')).versionId, '3');
    assert.equal((await h.invoke('svc', '1')).headers!['x-fc-code-checksum'], checksums.A, 'version 1 still runs its own code');
  });

  it('pagination: ListFunctionVersions both directions and ListAliases to the last page', async () => {
    await h.create('pages', handler('P0'));
    for (let i = 1; i <= 5; i++) {
      await h.publish('pages');
      await h.update('pages', { description: `d${i}` });
      await h.advance(1000);
    }
    const walk = async (direction?: string) => {
      const ids: string[] = [];
      let nextToken: string | undefined;
      let pages = 0;
      do {
        const body = (await h.client.listFunctionVersions('pages', new $FC.ListFunctionVersionsRequest({ limit: 2, ...(direction ? { direction } : {}), ...(nextToken ? { nextToken } : {}) }))).body!;
        ids.push(...body.versions!.map((v) => v.versionId!));
        assert.equal(body.direction, direction ?? 'BACKWARD');
        nextToken = body.nextToken;
        pages++;
      } while (nextToken);
      return { ids, pages };
    };
    assert.deepEqual(await walk('FORWARD'), { ids: ['1', '2', '3', '4', '5'], pages: 3 });
    assert.deepEqual(await walk('BACKWARD'), { ids: ['5', '4', '3', '2', '1'], pages: 3 });
    assert.deepEqual((await walk()).ids, ['5', '4', '3', '2', '1']);

    for (const a of ['blue', 'green', 'canary', 'beta']) {
      await h.client.createAlias('pages', new $FC.CreateAliasRequest({ body: new $FC.CreateAliasInput({ aliasName: a, versionId: '1' }) }));
    }
    const names: string[] = [];
    let nextToken: string | undefined;
    let last: unknown;
    do {
      const body = (await h.client.listAliases('pages', new $FC.ListAliasesRequest({ limit: 3, ...(nextToken ? { nextToken } : {}) }))).body!;
      names.push(...body.aliases!.map((a) => a.aliasName!));
      nextToken = body.nextToken;
      last = body;
    } while (nextToken);
    assert.deepEqual(names, ['beta', 'blue', 'canary', 'green']);
    assert.equal((last as { nextToken?: string }).nextToken, undefined);
    const prefixed = (await h.client.listAliases('pages', new $FC.ListAliasesRequest({ prefix: 'b' }))).body!;
    assert.deepEqual(prefixed.aliases!.map((a) => a.aliasName), ['beta', 'blue']);
  });

  it('Inactive: invoking a version fails 412 and wakes the function; then the version runs its own code', async () => {
    h.fc.localfc.functions.force('svc', { type: 'idle' });
    const err = await sdkError(h.invoke('svc', '1'));
    assert.equal(err.statusCode, 412);
    assert.equal((await h.get('svc')).state, 'Pending');
    await h.advance(1000);
    assert.equal((await h.invoke('svc', 'prod')).headers!['x-fc-code-checksum'], checksums.A);
  });

  it('deleting the function removes its versions and aliases', async () => {
    await h.client.deleteFunction('pages');
    await h.create('pages', handler('Q'));
    const body = (await h.client.listFunctionVersions('pages', new $FC.ListFunctionVersionsRequest({}))).body!;
    assert.deepEqual(body.versions, []);
    assert.equal((await h.publish('pages')).versionId, '1');
    assert.deepEqual((await h.client.listAliases('pages', new $FC.ListAliasesRequest({}))).body!.aliases, []);
  });
});

describe('versions with real handlers (process backend)', () => {
  const h = harness({ backend: 'process' });

  it('each version runs its own code', async () => {
    await h.create('real', handler('one'));
    await h.publish('real');
    await h.update('real', { code: new $FC.InputCodeLocation({ zipFile: handler('two') }) });
    await h.advance(1000);
    await h.publish('real');
    await h.update('real', { code: new $FC.InputCodeLocation({ zipFile: handler('three') }) });
    await h.advance(1000);
    assert.equal(await readBody((await h.invoke('real', '1')).body!), 'one');
    assert.equal(await readBody((await h.invoke('real', '2')).body!), 'two');
    assert.equal(await readBody((await h.invoke('real')).body!), 'three');
    await h.client.createAlias('real', new $FC.CreateAliasRequest({ body: new $FC.CreateAliasInput({ aliasName: 'live', versionId: '2' }) }));
    assert.equal(await readBody((await h.invoke('real', 'live')).body!), 'two');
  });
});
