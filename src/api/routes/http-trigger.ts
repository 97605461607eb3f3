/**
 * @module
 * Serving HTTP triggers: `/fcapp/<functionName>/<triggerName>/<path…>` on localfc, or any path on a host named like
 * the cloud's `<domainPrefix>.<region>.fcapp.run` (e.g. via curl --resolve or a hosts entry). The trigger's methods
 * and authType are enforced (authType 'function': the ACS3 signature is verified when access keys are configured, else
 * only its presence is checked), then the function serves it with the trigger's qualifier (api/http-serve.ts).
 */
import { Hono, type Context } from 'hono';
import { errors } from '../../domain/errors.ts';
import type { InvocationService } from '../../domain/invocations.ts';
import type { HttpTriggerConfig } from '../../domain/trigger-config.ts';
import type { TriggerRecord, TriggerService } from '../../domain/triggers.ts';
import { signatureVerifier, type AccessKey } from '../auth.ts';
import type { AppEnv } from '../context.ts';
import { requireSignedRequest, serveHttp } from '../http-serve.ts';
import { safeDecode } from '../path-segment.ts';
import { ownOrigin } from '../own-origin.ts';

/** Outside /_localfc (which an admin token guards) and /2023-03-30 (which signatures guard): trigger URLs are public unless authType is 'function'. */
export const HTTP_TRIGGER_PREFIX = '/fcapp';

const FCAPP_HOST = /^([a-z0-9-]+)\.[a-z0-9-]+\.fcapp\.run(?::\d+)?$/i;

export interface HttpTriggerDeps {
  readonly triggers: TriggerService;
  readonly invocations: InvocationService;
  readonly region: string;
  readonly accountId: string;
  readonly maxBodyBytes: number;
  readonly now: () => number;
  /** Configured keys turn on signature verification for authType 'function' triggers, as for the FC API. */
  readonly accessKeys?: readonly AccessKey[];
}

/** The URL shown in `httpTrigger.urlInternet`/`urlIntranet`: the address the caller's connection reached, not its Host header. */
export function httpTriggerUrl(c: Context<AppEnv>, t: TriggerRecord): string {
  return `${ownOrigin(c)}${HTTP_TRIGGER_PREFIX}/${encodeURIComponent(t.functionName)}/${encodeURIComponent(t.triggerName)}`;
}

export function httpTriggerRoutes(d: HttpTriggerDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const verify = d.accessKeys ? signatureVerifier({ accessKeys: d.accessKeys, maxBodyBytes: d.maxBodyBytes }) : undefined;

  const byPath = async (c: Context<AppEnv>) => {
    const url = new URL(c.req.url);
    // Split the raw (still encoded) path so the function sees exactly what the client sent after the trigger prefix.
    const [, , fn = '', trigger = '', ...rest] = url.pathname.split('/');
    const t = d.triggers.get(safeDecode(fn), safeDecode(trigger));
    if (t.triggerType !== 'http') throw errors.notFound('TriggerNotFound', `trigger '${t.triggerName}' of function '${t.functionName}' is a ${t.triggerType} trigger, not an HTTP trigger`);
    return serve(c, t, `/${rest.join('/')}`, url.search.slice(1));
  };
  app.all(`${HTTP_TRIGGER_PREFIX}/:functionName/:triggerName`, byPath);
  app.all(`${HTTP_TRIGGER_PREFIX}/:functionName/:triggerName/*`, byPath);

  // FC-style host: any path on `<domainPrefix>.<region>.fcapp.run` (paths under /2023-03-30 and /_localfc excepted).
  app.use('*', async (c, next) => {
    const prefix = FCAPP_HOST.exec(c.req.header('host') ?? '')?.[1];
    const t = prefix ? d.triggers.byDomainPrefix(prefix) : undefined;
    if (!t) return next();
    const url = new URL(c.req.url);
    return serve(c, t, url.pathname, url.search.slice(1));
  });

  async function serve(c: Context<AppEnv>, t: TriggerRecord, rawPath: string, rawQuery: string): Promise<Response> {
    const method = c.req.method.toUpperCase();
    const cfg = t.config as HttpTriggerConfig;
    const allowed = cfg.methods ?? [];
    if (!allowed.includes(method)) throw errors.methodNotAllowed(method, allowed);
    if (cfg.authType === 'function') await requireSignedRequest(c, `the HTTP trigger '${t.triggerName}'`, verify);
    const domainPrefix = t.domainPrefix ?? t.functionName;
    return serveHttp(d, c, { functionName: t.functionName, qualifier: t.qualifier, domainName: `${domainPrefix}.${d.region}.fcapp.run`, domainPrefix }, rawPath, rawQuery);
  }

  return app;
}
