/**
 * Firing each event-source trigger type through the admin API (`POST /_localfc/functions/{name}/triggers/{t}/fire?sync=true`)
 * on the simulated backend, which echoes the event it got: every type's sample event has FC's documented shape, filled in
 * from the trigger's own sourceArn and triggerConfig, and a body given to fire reaches the function byte for byte.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { $FC, localfcWithClient } from '../helpers/sdk.ts';
import { advanceClock } from '../helpers/clock.ts';

const REGION = 'cn-hangzhou';
const ACCOUNT = '1234567890123456';
const code = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, "ok")' }]).toString('base64');

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** One trigger of each type that has a sample event, with the minimal valid config (and sourceArn where required). */
const TRIGGERS: ReadonlyArray<{ triggerName: string; triggerType: string; sourceArn?: string; config: Json }> = [
  { triggerName: 'tick', triggerType: 'timer', config: { cronExpression: '0 0 2 * * *', enable: true, payload: 'nightly-payload' } },
  { triggerName: 'uploads', triggerType: 'oss', sourceArn: `acs:oss:${REGION}:${ACCOUNT}:photo-bucket`, config: { events: ['oss:ObjectCreated:*'], filter: { key: { prefix: 'in/', suffix: '.png' } } } },
  { triggerName: 'deletes', triggerType: 'oss', sourceArn: `acs:oss:${REGION}:${ACCOUNT}:other-bucket`, config: { events: ['oss:ObjectRemoved:DeleteObject'] } },
  { triggerName: 'logs', triggerType: 'log', sourceArn: `acs:log:${REGION}:${ACCOUNT}:project/my-project`, config: { sourceConfig: { logstore: 'my-store' }, functionParameter: { k: 'v' } } },
  { triggerName: 'topic-stream', triggerType: 'mns_topic', sourceArn: `acs:mns:${REGION}:${ACCOUNT}:/topics/my-topic`, config: {} },
  { triggerName: 'topic-json', triggerType: 'mns_topic', sourceArn: `acs:mns:${REGION}:${ACCOUNT}:/topics/my-topic`, config: { notifyContentFormat: 'JSON' } },
  { triggerName: 'cdn', triggerType: 'cdn_events', sourceArn: `acs:cdn:*:${ACCOUNT}`, config: { eventName: 'LogFileCreated', eventVersion: '1.0.0', filter: { domain: ['example.com'] } } },
  { triggerName: 'bus', triggerType: 'eventbridge', config: { eventSourceConfig: { eventSourceType: 'Default' } } },
  { triggerName: 'ots', triggerType: 'tablestore', sourceArn: `acs:ots:${REGION}:${ACCOUNT}:instance/inst/table/tbl`, config: {} },
];

const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

describe('fired trigger events (simulated backend echoes the event)', () => {
  // Raw bytes as application/octet-stream: admin changes refuse the content types a cross-site page may send (site-guard.ts).
  const fire = async (trigger: string, body?: string | Uint8Array): Promise<{ status: number; requestId: string; bytes: Buffer }> => {
    const res = await fetch(`${local.fc.url}/_localfc/functions/events/triggers/${trigger}/fire?sync=true`, { method: 'POST', ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/octet-stream' } }) });
    return { status: res.status, requestId: res.headers.get('x-fc-request-id') ?? '', bytes: Buffer.from(await res.arrayBuffer()) };
  };
  const fireJson = async (trigger: string): Promise<{ event: Json; requestId: string }> => {
    const r = await fire(trigger);
    assert.equal(r.status, 200, r.bytes.toString());
    assert.ok(r.requestId, 'x-fc-request-id');
    return { event: JSON.parse(r.bytes.toString('utf8')) as Json, requestId: r.requestId };
  };

  const local = localfcWithClient({ clock: 'manual' });
  before(async () => {
    await local.client.createFunction(new $FC.CreateFunctionRequest({
      body: new $FC.CreateFunctionInput({ functionName: 'events', runtime: 'nodejs20', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: code }) }),
    }));
    await advanceClock(local.fc, 1000);
    for (const t of TRIGGERS) {
      await local.client.createTrigger('events', new $FC.CreateTriggerRequest({
        body: new $FC.CreateTriggerInput({ triggerName: t.triggerName, triggerType: t.triggerType, triggerConfig: JSON.stringify(t.config), ...(t.sourceArn ? { sourceArn: t.sourceArn } : {}) }),
      }));
    }
  });

  it('timer: {triggerTime, triggerName, payload}', async () => {
    const { event } = await fireJson('tick');
    assert.deepEqual(Object.keys(event).sort(), ['payload', 'triggerName', 'triggerTime']);
    assert.equal(event.triggerName, 'tick');
    assert.equal(event.payload, 'nightly-payload');
    assert.match(event.triggerTime, ISO_SECONDS);
    assert.equal(Date.parse(event.triggerTime), Math.floor(local.fc.localfc.clock.now() / 1000) * 1000);
  });

  it('oss: events[0] with eventName from the config, bucket from sourceArn, key from the filter', async () => {
    const { event, requestId } = await fireJson('uploads');
    assert.equal(event.events.length, 1);
    const e = event.events[0];
    assert.equal(e.eventName, 'ObjectCreated:PutObject');
    assert.equal(e.eventSource, 'acs:oss');
    assert.equal(e.eventVersion, '1.0');
    assert.equal(e.region, REGION);
    assert.match(e.eventTime, ISO_SECONDS);
    assert.equal(e.oss.bucket.name, 'photo-bucket');
    assert.equal(e.oss.bucket.arn, `acs:oss:${REGION}:${ACCOUNT}:photo-bucket`);
    assert.equal(e.oss.bucket.ownerIdentity, ACCOUNT);
    assert.equal(e.oss.object.key, 'in/example.png');
    assert.equal(typeof e.oss.object.size, 'number');
    assert.equal(typeof e.oss.object.eTag, 'string');
    assert.equal(e.oss.ossSchemaVersion, '1.0');
    assert.match(e.oss.ruleId, /^[0-9a-f]{32}$/);
    assert.equal(e.responseElements.requestId, requestId);
    assert.equal(e.userIdentity.principalId, ACCOUNT);
    assert.equal(typeof e.requestParameters.sourceIPAddress, 'string');

    const del = (await fireJson('deletes')).event.events[0];
    assert.equal(del.eventName, 'ObjectRemoved:DeleteObject');
    assert.equal(del.oss.bucket.name, 'other-bucket');
    assert.equal(del.oss.object.key, 'example.txt');
  });

  it('log: {parameter, source{…}, jobName, taskId, cursorTime}', async () => {
    const { event } = await fireJson('logs');
    assert.deepEqual(event.parameter, { k: 'v' });
    assert.equal(event.source.projectName, 'my-project');
    assert.equal(event.source.logstoreName, 'my-store');
    assert.equal(event.source.endpoint, `http://${REGION}-intranet.log.aliyuncs.com`);
    assert.equal(typeof event.source.shardId, 'number');
    assert.equal(typeof event.source.beginCursor, 'string');
    assert.equal(typeof event.source.endCursor, 'string');
    assert.equal(typeof event.jobName, 'string');
    assert.equal(typeof event.taskId, 'string');
    assert.equal(event.cursorTime, Math.floor(local.fc.localfc.clock.now() / 1000));
  });

  it('mns_topic: the raw message for STREAM, the message JSON for JSON', async () => {
    const stream = await fire('topic-stream');
    assert.equal(stream.status, 200);
    assert.equal(stream.bytes.toString('utf8'), 'hello from localfc');

    const { event } = await fireJson('topic-json');
    assert.deepEqual(Object.keys(event).sort(), ['Message', 'MessageId', 'MessageMD5', 'PublishTime', 'Subscriber', 'SubscriptionName', 'TopicName', 'TopicOwner']);
    assert.equal(event.Message, 'hello from localfc');
    assert.equal(event.TopicName, 'my-topic');
    assert.equal(event.TopicOwner, ACCOUNT);
    assert.equal(event.SubscriptionName, 'topic-json');
    assert.equal(event.PublishTime, local.fc.localfc.clock.now());
  });

  it('cdn_events: events[0] with the configured eventName and eventVersion', async () => {
    const { event, requestId } = await fireJson('cdn');
    const e = event.events[0];
    assert.equal(e.eventName, 'LogFileCreated');
    assert.equal(e.eventVersion, '1.0.0');
    assert.equal(e.eventSource, 'cdn');
    assert.equal(e.region, REGION);
    assert.match(e.eventTime, ISO_SECONDS);
    assert.equal(e.traceId, requestId);
    assert.equal(typeof e.resource.domain, 'string');
    assert.equal(typeof e.eventParameter, 'object');
    assert.equal(e.userIdentity.aliUid, ACCOUNT);
  });

  it('eventbridge: a CloudEvent naming the trigger', async () => {
    const { event } = await fireJson('bus');
    assert.equal(event.specversion, '1.0');
    assert.equal(event.source, 'Default');
    assert.equal(typeof event.id, 'string');
    assert.equal(typeof event.type, 'string');
    assert.equal(event.datacontenttype, 'application/json');
    assert.equal(event.subject, `acs:fc:${REGION}:${ACCOUNT}:functions/events/triggers/bus`);
    assert.match(event.time, ISO_SECONDS);
    assert.equal(event.aliyunaccountid, ACCOUNT);
    assert.deepEqual(event.data, {});
  });

  it('tablestore: {Version, Records: []}', async () => {
    assert.deepEqual((await fireJson('ots')).event, { Version: 'Sync-v1', Records: [] });
  });

  it('a body given to fire reaches the function unchanged, for every type', async () => {
    const json = JSON.stringify({ custom: true, nested: { list: [1, 2, 3] }, text: 'ünïcødé' });
    const binary = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x0a, 0x7b, 0xc3, 0x28]);
    for (const t of TRIGGERS) {
      const r = await fire(t.triggerName, json);
      assert.equal(r.status, 200, t.triggerName);
      assert.equal(r.bytes.toString('utf8'), json, t.triggerName);
      const b = await fire(t.triggerName, binary);
      assert.equal(b.status, 200, t.triggerName);
      assert.deepEqual(b.bytes, binary, `${t.triggerName}: binary body`);
    }
  });

  it('an async fire answers 202 with the sample event it sent', async () => {
    const res = await fetch(`${local.fc.url}/_localfc/functions/events/triggers/uploads/fire`, { method: 'POST' });
    assert.equal(res.status, 202);
    const body = (await res.json()) as { requestId: string; triggerType: string; event: string };
    assert.equal(body.triggerType, 'oss');
    assert.equal(JSON.parse(body.event).events[0].oss.bucket.name, 'photo-bucket');
  });
});
