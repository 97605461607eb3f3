/**
 * @module
 * FC 3.0's HTTP trigger contract for built-in runtimes, independent of any backend: the request becomes a JSON event
 * (version, rawPath, headers, queryParameters, body, isBase64Encoded, requestContext) for the ordinary event handler,
 * and the handler's return value becomes the response — a `{statusCode, headers, body, isBase64Encoded}` struct is
 * mapped field by field, anything else is the body of a 200.
 */
import { isUtf8 } from 'node:buffer';
import { isoSeconds } from '../clock.ts';

export interface HttpTriggerRequest {
  readonly method: string;
  /** The path after the trigger's URL, still percent-encoded, starting with `/`. */
  readonly rawPath: string;
  /** The query string without `?`. */
  readonly rawQuery: string;
  /** Lower-case names, as HTTP clients and fetch give them. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly sourceIp: string;
  readonly requestId: string;
  readonly now: number;
  readonly accountId: string;
  readonly domainName: string;
  readonly domainPrefix: string;
}

/** A header sent several times (Set-Cookie) keeps each value. */
export type ResponseHeaders = Record<string, string | readonly string[]>;

export interface HttpResponseOut {
  readonly status: number;
  readonly headers: ResponseHeaders;
  readonly body: Buffer;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']);
const TEXT_TYPES = /^\s*(text\/|application\/(json|xml|javascript|x-www-form-urlencoded|graphql)\b|[^;]*\+(json|xml)\b)/i;

/** Go's canonical header form (`content-type` → `Content-Type`): FC's front end is written in Go. */
export function canonicalHeader(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, dash: string, ch: string) => dash + ch.toUpperCase());
}

/** Whether a body travels as text in the event; binary bodies are base64-encoded. */
export function isTextBody(body: Buffer, contentType: string | undefined): boolean {
  if (body.length === 0) return true;
  return contentType ? TEXT_TYPES.test(contentType) : isUtf8(body);
}

export function toHttpEvent(req: HttpTriggerRequest): Buffer {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k.toLowerCase())) headers[canonicalHeader(k)] = v;
  const queryParameters: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(req.rawQuery)) queryParameters[k] = k in queryParameters ? `${queryParameters[k]},${v}` : v;
  const text = isTextBody(req.body, req.headers['content-type']);
  let path = req.rawPath;
  try {
    path = decodeURIComponent(req.rawPath);
  } catch {
    /* malformed escapes: keep the raw path */
  }
  const event = {
    version: 'v1',
    rawPath: req.rawPath,
    body: text ? req.body.toString('utf8') : req.body.toString('base64'),
    isBase64Encoded: !text,
    headers,
    queryParameters,
    requestContext: {
      accountId: req.accountId,
      domainName: req.domainName,
      domainPrefix: req.domainPrefix,
      http: { method: req.method, path, protocol: 'HTTP/1.1', sourceIp: req.sourceIp, userAgent: req.headers['user-agent'] ?? '' },
      requestId: req.requestId,
      time: isoSeconds(req.now),
      timeEpoch: String(req.now),
    },
  };
  return Buffer.from(JSON.stringify(event));
}

/**
 * The handler's result as the HTTP response. `contentType` and `body` are what the runtime sent back for the return
 * value (JSON for objects). A handler error is the caller's 502, with the error JSON as body.
 */
export function fromHandlerResult(result: { status: number; headers: Readonly<ResponseHeaders>; body: Buffer; errorType?: string | undefined }): HttpResponseOut {
  const type = result.headers['content-type'];
  const contentType = typeof type === 'string' ? type : type?.[0];
  if (result.errorType) {
    return { status: 502, headers: { 'content-type': contentType ?? 'application/json', 'x-fc-error-type': result.errorType }, body: result.body };
  }
  const struct = contentType?.includes('json') ? asStruct(result.body) : undefined;
  if (!struct) return { status: result.status, headers: contentType ? { 'content-type': contentType } : {}, body: result.body };
  const headers: ResponseHeaders = {};
  for (const [k, v] of Object.entries(struct.headers ?? {})) {
    if (v === undefined || v === null) continue;
    // A list is one header line per value, so several cookies stay several Set-Cookie lines.
    headers[k.toLowerCase()] = Array.isArray(v) ? v.map(String) : String(v);
  }
  let body: Buffer;
  if (struct.body === undefined || struct.body === null) body = Buffer.alloc(0);
  else if (typeof struct.body === 'string') body = Buffer.from(struct.body, struct.isBase64Encoded === true ? 'base64' : 'utf8');
  else {
    body = Buffer.from(JSON.stringify(struct.body));
    headers['content-type'] ??= 'application/json';
  }
  return { status: struct.statusCode, headers, body };
}

interface ResponseStruct {
  statusCode: number;
  headers?: Record<string, unknown>;
  body?: unknown;
  isBase64Encoded?: unknown;
}

/** A JSON object with a numeric `statusCode` is a response struct; anything else is a plain return value. */
function asStruct(body: Buffer): ResponseStruct | undefined {
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  const status = typeof o.statusCode === 'string' && /^\d{3}$/.test(o.statusCode) ? Number(o.statusCode) : o.statusCode;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) return undefined;
  const headers = o.headers && typeof o.headers === 'object' && !Array.isArray(o.headers) ? (o.headers as Record<string, unknown>) : undefined;
  return { statusCode: status, ...(headers ? { headers } : {}), body: o.body, isBase64Encoded: o.isBase64Encoded };
}
