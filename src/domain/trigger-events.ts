/**
 * @module
 * Sample events for firing a trigger by hand (and the timer event the TimerScheduler sends), shaped as FC delivers them for each trigger type and filled in from the
 * trigger's own configuration (bucket from sourceArn, key from the OSS filter, timer payload …).
 */
import { isoSeconds } from '../clock.ts';
import type { TriggerRecord } from './triggers.ts';

export interface EventContext {
  readonly now: number;
  readonly region: string;
  readonly accountId: string;
  readonly requestId: string;
  /** Injected so tests can pin event ids. */
  readonly uuid: () => string;
}

/** `acs:oss:cn-hangzhou:123:my-bucket` → `my-bucket`; `acs:log:…:project/p` → `p`. */
function arnResource(arn: string | undefined, fallback: string): string {
  const last = arn?.split(':').pop();
  return last ? (last.split('/').pop() ?? last) : fallback;
}

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const str = (v: unknown, fallback: string): string => (typeof v === 'string' && v ? v : fallback);

export function defaultEvent(t: TriggerRecord, ctx: EventContext): unknown {
  const cfg = t.config;
  const time = isoSeconds(ctx.now);
  switch (t.triggerType) {
    case 'timer':
      return { triggerTime: time, triggerName: t.triggerName, payload: str(cfg.payload, '') };
    case 'oss': {
      const key = obj(obj(cfg.filter).key);
      const first = Array.isArray(cfg.events) ? String(cfg.events[0] ?? '') : '';
      // `oss:ObjectCreated:*` fires as a concrete event; PutObject is the common one.
      const eventName = first.replace(/^oss:/, '').replace(/\*$/, 'PutObject') || 'ObjectCreated:PutObject';
      const object = { key: `${str(key.prefix, '')}example${str(key.suffix, '.txt')}`, size: 1024, deltaSize: 1024, eTag: '0123456789ABCDEF0123456789ABCDEF' };
      return ossEvent({ eventName, bucket: arnResource(t.sourceArn, 'bucket'), object }, ctx);
    }
    case 'log': {
      const logConfig = obj(cfg.sourceConfig);
      return {
        parameter: obj(cfg.functionParameter),
        source: {
          endpoint: `http://${ctx.region}-intranet.log.aliyuncs.com`,
          projectName: arnResource(t.sourceArn, 'project'),
          logstoreName: str(logConfig.logstore, 'logstore'),
          shardId: 0,
          beginCursor: 'MTUyNDc1OTYwNzc1MjE4MDEwMQ==',
          endCursor: 'MTUyNDc1OTYwNzc1MjE4MDEwMg==',
        },
        jobName: ctx.uuid().replace(/-/g, ''),
        taskId: ctx.uuid(),
        cursorTime: Math.floor(ctx.now / 1000),
      };
    }
    case 'mns_topic': {
      const message = 'hello from localfc';
      if (cfg.notifyContentFormat !== 'JSON') return message;
      return {
        TopicOwner: ctx.accountId,
        Message: message,
        Subscriber: ctx.accountId,
        PublishTime: ctx.now,
        SubscriptionName: t.triggerName,
        MessageMD5: 'A1B2C3D4E5F60718293A4B5C6D7E8F90',
        TopicName: arnResource(t.sourceArn, 'topic'),
        MessageId: ctx.uuid().replace(/-/g, '').toUpperCase(),
      };
    }
    case 'cdn_events':
      return {
        events: [
          {
            eventName: str(cfg.eventName, 'CachedObjectsRefreshed'),
            eventVersion: str(cfg.eventVersion, '1.0.0'),
            eventSource: 'cdn',
            region: ctx.region,
            eventTime: time,
            traceId: ctx.requestId,
            resource: { domain: 'example.com' },
            eventParameter: { domain: 'example.com', endTime: Math.floor(ctx.now / 1000), fileSize: 1024, filePath: 'http://example.com/index.html', startTime: Math.floor(ctx.now / 1000) },
            userIdentity: { aliUid: ctx.accountId },
          },
        ],
      };
    case 'eventbridge':
      return {
        id: ctx.uuid(),
        source: str(obj(cfg.eventSourceConfig).eventSourceType, 'acs.localfc'),
        specversion: '1.0',
        type: 'localfc:Trigger:Fired',
        datacontenttype: 'application/json',
        subject: `acs:fc:${ctx.region}:${ctx.accountId}:functions/${t.functionName}/triggers/${t.triggerName}`,
        time,
        aliyunaccountid: ctx.accountId,
        aliyunpublishtime: time,
        aliyuneventbusname: 'default',
        data: {},
      };
    case 'tablestore':
      // FC delivers Tablestore streams as CBOR; a JSON object of the same shape is the closest plain stand-in.
      return { Version: 'Sync-v1', Records: [] };
    case 'http':
      return {};
  }
}

/** The event's bytes: strings go as they are (an MNS STREAM message), everything else as JSON. */
export function eventBytes(event: unknown): Buffer {
  return Buffer.from(typeof event === 'string' ? event : JSON.stringify(event));
}

/** What happened to an object of localfc's OSS (or a sample of it), as an OSS trigger's event names it. */
export interface OssChange {
  /** Without the `oss:` prefix: `ObjectCreated:PutObject`, `ObjectRemoved:DeleteObject`. */
  readonly eventName: string;
  readonly bucket: string;
  readonly object: { readonly key: string; readonly size: number; readonly deltaSize: number; readonly eTag: string };
}

/** FC's OSS trigger event: one record in `events`. */
export function ossEvent(change: OssChange, ctx: EventContext): unknown {
  const { eventName, bucket, object } = change;
  return {
    events: [
      {
        eventName,
        eventSource: 'acs:oss',
        eventTime: isoSeconds(ctx.now),
        eventVersion: '1.0',
        oss: {
          bucket: { arn: `acs:oss:${ctx.region}:${ctx.accountId}:${bucket}`, name: bucket, ownerIdentity: ctx.accountId },
          object: { deltaSize: object.deltaSize, eTag: object.eTag, key: object.key, size: object.size },
          ossSchemaVersion: '1.0',
          ruleId: ctx.uuid().replace(/-/g, ''),
        },
        region: ctx.region,
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { requestId: ctx.requestId },
        userIdentity: { principalId: ctx.accountId },
      },
    ],
  };
}
