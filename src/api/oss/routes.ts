/**
 * @module
 * localfc's minimal OSS on its own port: the object calls a code upload and download need (PutObject, GetObject,
 * HeadObject, DeleteObject, plus PutBucket, DeleteBucket and ListObjects), in path and virtual-host style
 * (see addressing.ts), with OSS's XML errors. One middleware mounted before every other: a request it does not claim
 * goes on to the FC routes untouched. Signatures are checked as on the FC routes: only when access keys are configured,
 * and then against those keys and the temporary credentials GetTempBucketToken handed out.
 */
import { createHash } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { type OssCredentialLookup, verifyOss } from '../../auth/oss-signature.ts';
import type { Clock } from '../../clock.ts';
import type { Config } from '../../config.ts';
import { type ObjectStore, OssError, ossErrors, type StoredObject } from '../../domain/object-store.ts';
import type { TempCredentials } from '../../domain/temp-credentials.ts';
import type { IdGenerator } from '../../ids.ts';
import type { LogFn } from '../../log.ts';
import type { Persistence } from '../../persistence/persistence.ts';
import { signatureTime } from '../auth.ts';
import type { AppEnv } from '../context.ts';
import type { RequestHead } from '../pre-route.ts';
import { readLimited } from '../read-limited.ts';
import { type OssAddress, isSignedForOss, ossAddress, underOwnPrefix, virtualHostTest } from './addressing.ts';
import { errorXml, listObjectsXml } from './xml.ts';

export interface OssRouteDeps {
  readonly objects: ObjectStore;
  readonly tempCredentials: TempCredentials;
  readonly accessKeys: Config['accessKeys'];
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** Largest object accepted; a body is read no further than this. */
  readonly maxObjectBytes: number;
  readonly persistence: Persistence | undefined;
  readonly log: LogFn | undefined;
  /** The FC routes' Host rule (api/site-guard.ts), applied here to path-style requests. */
  readonly isOwnHost: (host: string) => boolean;
}

interface OssRequest {
  readonly method: string;
  readonly address: OssAddress & { key: string };
  readonly rawQuery: string;
  readonly headers: Record<string, string>;
  readonly body: ReadableStream<Uint8Array> | null;
}

export function ossMiddleware(deps: OssRouteDeps): MiddlewareHandler<AppEnv> {
  const authorize = authorizer(deps);
  const claim = ossClaim(deps);
  // Not async: every FC request passes through here, and a pass-through should not cost it another promise.
  return (c, next) => {
    const claimed = claim(c.req);
    return claimed ? serveOss(c, claimed.address, claimed.rawPath, claimed.rawQuery) : next();
  };

  async function serveOss(c: Context<AppEnv>, address: OssAddress, rawPath: string, rawQuery: string): Promise<Response> {
    const headers = c.req.header();
    const started = Date.now();
    const requestId = deps.ids.uuid().replace(/-/g, '').slice(0, 24).toUpperCase();
    const method = c.req.method;
    let res: Response;
    try {
      if (address.key === undefined) throw new OssError('InvalidURI', 400, 'Could not parse the specified URI.');
      const req: OssRequest = { method, address: { ...address, key: address.key }, rawQuery, headers, body: c.req.raw.body };
      authorize(req);
      res = await handle(req, deps);
      if ((method === 'PUT' || method === 'DELETE') && deps.persistence) await deps.persistence.flush();
    } catch (e) {
      res = errorResponse(e, method, requestId, headers.host ?? '', deps.log);
    }
    res.headers.set('x-oss-request-id', requestId);
    res.headers.set('server', 'AliyunOSS');
    const ms = Date.now() - started;
    const path = `${address.style === 'path' ? '' : `${address.bucket}.`}${rawPath}`;
    deps.log?.(`OSS ${method} ${path} ${res.status} ${ms}ms`, { service: 'oss', requestId, method, bucket: address.bucket, path: rawPath, status: res.status, ms });
    return res;
  }
}

/** The OSS address of a request localfc's OSS serves, or undefined for one that goes on to the FC routes (the fast routes ask too: api/pre-route.ts). */
export function ossClaim(deps: Pick<OssRouteDeps, 'objects' | 'isOwnHost'>): (head: RequestHead) => { address: OssAddress; rawPath: string; rawQuery: string } | undefined {
  const namesBucket = virtualHostTest();
  return (head) => {
    const host = head.header('host');
    // Every FC API request: ossAddress would find no address (its path is not a bucket's, its Host names none).
    if (underOwnPrefix(head.url) && !namesBucket(host)) return undefined;
    const { rawPath, rawQuery } = splitUrl(head.url);
    const address = ossAddress({ host, rawPath, signedForOss: () => isSignedForOss(head.header('authorization'), rawQuery) }, (b) => deps.objects.hasBucket(b));
    // Path style on a name that is not localfc's own: left to the FC routes' Host check (DNS rebinding). Virtual-host
    // names are under aliyuncs.com, localhost or an IP literal, which a rebinding site cannot own.
    if (!address || (address.style === 'path' && host !== undefined && !deps.isOwnHost(host))) return undefined;
    return { address, rawPath, rawQuery };
  };
}

/** Path and query exactly as sent (URL() would normalise dot segments and encodings that keys and signatures keep). */
function splitUrl(url: string): { rawPath: string; rawQuery: string } {
  const pathStart = url.indexOf('/', url.indexOf('//') + 2);
  const q = url.indexOf('?', pathStart);
  return q < 0 ? { rawPath: url.slice(pathStart), rawQuery: '' } : { rawPath: url.slice(pathStart, q), rawQuery: url.slice(q + 1) };
}

/** No access keys configured: every request passes, as on the FC routes. Otherwise a valid signature of a configured key or a live temporary credential. */
function authorizer(deps: OssRouteDeps): (req: OssRequest) => void {
  if (deps.accessKeys.length === 0) return () => {};
  const secrets = new Map(deps.accessKeys.map((k) => [k.accessKeyId, k.accessKeySecret]));
  const now = signatureTime();
  return (req) => {
    const lookup: OssCredentialLookup = {
      now: now(),
      find(id) {
        const secret = secrets.get(id);
        if (secret !== undefined) return { secret };
        const temp = deps.tempCredentials.find(id);
        return temp && { secret: temp.accessKeySecret, securityToken: temp.securityToken, expired: deps.tempCredentials.isExpired(temp) };
      },
    };
    const verdict = verifyOss({ method: req.method, bucket: req.address.bucket, key: req.address.key, rawQuery: req.rawQuery, headers: req.headers }, lookup);
    if (!verdict.ok) throw verdict.code === 'InvalidAccessKeyId' ? ossErrors.invalidAccessKeyId(verdict.accessKeyId ?? '') : new OssError(verdict.code, 403, verdict.message);
    const temp = deps.tempCredentials.find(verdict.accessKeyId);
    if (temp && temp.bucket !== req.address.bucket) throw ossErrors.accessDenied(`The temporary credentials from GetTempBucketToken open bucket '${temp.bucket}' only.`);
  };
}

async function handle(req: OssRequest, deps: OssRouteDeps): Promise<Response> {
  const { objects } = deps;
  const { bucket, key } = req.address;
  // Sub-resources (?acl, ?append, ?uploads, ?tagging …) are other OSS APIs; plain query parameters of ListObjects are fine.
  const subresource = [...new URLSearchParams(req.rawQuery).keys()].find((k) => !LIST_PARAMS.has(k) && !k.startsWith('response-'));
  if (subresource) throw ossErrors.notImplemented(`the '${subresource}' sub-resource`);
  if (key === '') {
    switch (req.method) {
      case 'PUT':
        await drain(req.body);
        objects.createBucket(bucket);
        return new Response(null, { status: 200, headers: { location: `/${bucket}` } });
      case 'DELETE':
        objects.deleteBucket(bucket);
        return new Response(null, { status: 204 });
      case 'GET':
        return listObjects(req, objects);
      default:
        throw ossErrors.methodNotAllowed(req.method);
    }
  }
  switch (req.method) {
    case 'PUT': {
      if (req.headers['x-oss-copy-source']) throw ossErrors.notImplemented('CopyObject');
      if (!objects.hasBucket(bucket)) throw ossErrors.noSuchBucket(bucket);
      if (req.headers['x-oss-forbid-overwrite'] === 'true' && objects.find(bucket, key)) {
        throw new OssError('FileAlreadyExists', 409, 'The object you specified already exists and can not be overwritten.', { BucketName: bucket, Key: key });
      }
      const body = await readObjectBody(req, deps.maxObjectBytes);
      const stored = objects.put(bucket, key, body, { contentType: req.headers['content-type'], meta: metaOf(req.headers) });
      return new Response(null, { status: 200, headers: { etag: stored.etag, 'x-oss-hash-crc64ecma': stored.crc64, 'content-md5': createHash('md5').update(body).digest('base64') } });
    }
    case 'GET':
    case 'HEAD': {
      const object = objects.get(bucket, key);
      return new Response(req.method === 'GET' ? new Uint8Array(object.body) : null, { status: 200, headers: objectHeaders(object) });
    }
    case 'DELETE':
      objects.delete(bucket, key);
      return new Response(null, { status: 204 });
    case 'POST':
      throw ossErrors.notImplemented('PostObject, AppendObject and multipart uploads');
    default:
      throw ossErrors.methodNotAllowed(req.method);
  }
}

const LIST_PARAMS = new Set(['prefix', 'marker', 'max-keys', 'delimiter', 'encoding-type']);

function listObjects(req: OssRequest, objects: ObjectStore): Response {
  const q = new URLSearchParams(req.rawQuery);
  const prefix = q.get('prefix') ?? '';
  const marker = q.get('marker') ?? '';
  const maxKeys = Math.min(Math.max(Number.parseInt(q.get('max-keys') ?? '100', 10) || 100, 1), 1000);
  const after = objects.list(req.address.bucket, prefix).filter((o) => o.key > marker);
  const page = after.slice(0, maxKeys);
  const xml = listObjectsXml({ bucket: req.address.bucket, prefix, marker, maxKeys, objects: page, nextMarker: after.length > maxKeys ? page.at(-1)?.key : undefined });
  return new Response(xml, { status: 200, headers: { 'content-type': 'application/xml' } });
}

function objectHeaders(o: StoredObject): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': o.contentType,
    'content-length': String(o.body.length),
    etag: o.etag,
    'last-modified': new Date(o.lastModified).toUTCString(),
    'x-oss-object-type': 'Normal',
    'x-oss-storage-class': 'Standard',
    'x-oss-hash-crc64ecma': o.crc64,
  };
  for (const [name, value] of Object.entries(o.meta)) headers[`x-oss-meta-${name}`] = value;
  return headers;
}

function metaOf(headers: Record<string, string>): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (name.startsWith('x-oss-meta-')) meta[name.slice('x-oss-meta-'.length)] = value;
  return meta;
}

/** The body, read chunk by chunk and given up as soon as it passes the limit; Content-MD5 checked when sent. */
async function readObjectBody(req: OssRequest, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) throw ossErrors.entityTooLarge(limit);
  const md5 = req.headers['content-md5'];
  if (md5 !== undefined && Buffer.from(md5, 'base64').length !== 16) throw ossErrors.invalidDigest();
  const body = await readLimited(req.body, limit, () => ossErrors.entityTooLarge(limit));
  if (md5 !== undefined && createHash('md5').update(body).digest('base64') !== md5) throw ossErrors.badDigest();
  return body;
}

async function drain(body: ReadableStream<Uint8Array> | null): Promise<void> {
  if (body) await body.cancel();
}

function errorResponse(e: unknown, method: string, requestId: string, host: string, log: LogFn | undefined): Response {
  const err = e instanceof OssError ? e : new OssError('InternalError', 500, 'We encountered an internal error. Please try again.');
  if (!(e instanceof OssError)) log?.(`OSS internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  const xml = errorXml(err, requestId, host.replace(/:\d+$/, ''));
  // A HEAD answer has no body: OSS carries the error document base64-encoded in x-oss-err instead (ali-oss reads it).
  const headers: Record<string, string> = { 'content-type': 'application/xml' };
  if (method === 'HEAD') headers['x-oss-err'] = Buffer.from(xml).toString('base64');
  return new Response(method === 'HEAD' ? null : xml, { status: err.status, headers });
}
