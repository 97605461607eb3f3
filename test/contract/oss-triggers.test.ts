/**
 * OSS triggers fire on their own: an object put into (or deleted from) localfc's OSS with ali-oss, as an app or a
 * template's upload step does, invokes every OSS trigger whose bucket, event names and key filter match, with FC's
 * OSS event for that object (key, size, eTag, deltaSize). Driven through the official SDK and ali-oss.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { advanceClock } from '../helpers/clock.ts';
import { $FC, localfcWithClient } from '../helpers/sdk.ts';
import { ossClient } from '../helpers/serverless-devs.ts';
import { createZip } from '../helpers/zip.ts';

const zip = createZip([{ path: 'index.js', data: 'exports.handler = (event) => event' }]).toString('base64');

interface OssEventRecord {
  eventName: string;
  eventSource: string;
  region: string;
  oss: { bucket: { name: string; arn: string }; object: { key: string; size: number; deltaSize: number; eTag: string } };
}

describe('OSS triggers fire on objects put into and deleted from localfc\'s OSS', () => {
  const fired = async (name: string): Promise<Array<{ triggerName: string; event: OssEventRecord }>> => {
    await advanceClock(local.fc, 0); // waits for the firings under way
    const { timeline } = (await (await fetch(`${local.fc.url}/_localfc/functions/${name}/timeline`)).json()) as { timeline: Array<{ event: string; detail: { triggerName: string; event: string } }> };
    return timeline.filter((t) => t.event === 'trigger.fired').map((t) => ({ triggerName: t.detail.triggerName, event: (JSON.parse(t.detail.event) as { events: OssEventRecord[] }).events[0]! }));
  };
  const trigger = (functionName: string, triggerName: string, bucket: string, config: unknown) =>
    local.client.createTrigger(functionName, new $FC.CreateTriggerRequest({
      body: new $FC.CreateTriggerInput({ triggerName, triggerType: 'oss', sourceArn: `acs:oss:cn-hangzhou:1234567890123456:${bucket}`, invocationRole: 'acs:ram::1234567890123456:role/fc-oss', triggerConfig: JSON.stringify(config) }),
    }));

  const local = localfcWithClient({ clock: 'manual' });

  it('a put matching the events and the key filter invokes the function with the object in FC\'s event; others do not', async () => {
    await local.client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName: 'thumbs', runtime: 'nodejs20', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: zip }) }) }));
    await trigger('thumbs', 'images', 'photos', { events: ['oss:ObjectCreated:*'], filter: { key: { prefix: 'uploads/', suffix: '.jpg' } } });
    await trigger('thumbs', 'removals', 'photos', { events: ['oss:ObjectRemoved:DeleteObject'] });
    await trigger('thumbs', 'elsewhere', 'other-bucket', { events: ['oss:ObjectCreated:PutObject'] });
    const oss = ossClient({ endpoint: local.fc.url, accessKeyId: 'any', accessKeySecret: 'any', bucket: 'photos' });
    await oss.putBucket('photos');

    const body = Buffer.from('not really a jpeg');
    await oss.put('uploads/cat.jpg', body);
    await oss.put('uploads/notes.txt', Buffer.from('no'));
    await oss.put('archive/dog.jpg', Buffer.from('no'));
    const afterPuts = await fired('thumbs');
    assert.deepEqual(afterPuts.map((f) => f.triggerName), ['images'], 'only the put under uploads/ ending .jpg');
    const { event } = afterPuts[0]!;
    assert.equal(event.eventName, 'ObjectCreated:PutObject');
    assert.equal(event.eventSource, 'acs:oss');
    assert.equal(event.region, 'cn-hangzhou');
    assert.deepEqual(event.oss.bucket, { arn: 'acs:oss:cn-hangzhou:1234567890123456:photos', name: 'photos', ownerIdentity: '1234567890123456' });
    assert.deepEqual(event.oss.object, { deltaSize: body.length, eTag: createHash('md5').update(body).digest('hex').toUpperCase(), key: 'uploads/cat.jpg', size: body.length });

    await oss.put('uploads/cat.jpg', Buffer.from('shorter'));
    await oss.delete('uploads/cat.jpg');
    await oss.delete('uploads/never-there.jpg');
    const later = (await fired('thumbs')).slice(1);
    assert.deepEqual(later.map((f) => [f.triggerName, f.event.eventName, f.event.oss.object.size, f.event.oss.object.deltaSize]), [
      ['images', 'ObjectCreated:PutObject', 7, 7 - body.length],
      ['removals', 'ObjectRemoved:DeleteObject', 0, -7],
    ], 'an overwrite and a delete of an object that was there; a delete of none fires nothing');
  });
});
