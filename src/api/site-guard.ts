/**
 * @module
 * The open default must not be open to the web. A page on another site can make a browser send requests to localfc
 * (a simple cross-site POST needs no preflight), and a site whose name rebinds to 127.0.0.1 can even read answers
 * (DNS rebinding). So: the Host must be one of localfc's own names, and a browser request from another site is refused
 * on the FC API and the admin API. HTTP triggers are the function's own web endpoints and stay open to every origin,
 * as on FC (their Host is checked all the same). A custom domain's requests are served before this guard, by their
 * routes only (api/custom-domain-host.ts).
 */
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import type { MiddlewareHandler } from 'hono';
import { FcError } from '../domain/errors.ts';
import type { AppEnv } from './context.ts';
import type { RequestHead } from './pre-route.ts';

export interface SiteGuardOptions {
  /** The address localfc listens on. */
  readonly listenHost: string;
  /** More names (and their subdomains) a client may use; '*' turns the Host check off. */
  readonly allowedHosts: readonly string[];
}

/** Names that always lead to this machine, or to FC's own trigger domain (reached here through a hosts entry). */
const OWN_SUFFIXES = ['localhost', 'fcapp.run', 'host.docker.internal'];
/** Content types a cross-site page may send without a CORS preflight. */
const SIMPLE_CONTENT_TYPES = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data'];
const HTTP_TRIGGER_PREFIX = '/fcapp/';

const hostName = (host: string): string => {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']'));
  const colon = h.lastIndexOf(':');
  return (colon >= 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h).replace(/\.$/, '');
};

const under = (name: string, suffix: string): boolean => name === suffix || name.endsWith(`.${suffix}`);

/**
 * True for names that are localfc's own. An IP literal is always fine: rebinding needs a DNS name the attacker owns,
 * and a name under an IP literal (`bucket.127.0.0.1`, virtual-host addressing) cannot be registered.
 */
export function isOwnHost(host: string, opts: SiteGuardOptions): boolean {
  if (opts.allowedHosts.includes('*')) return true;
  const name = hostName(host);
  if (isIP(name)) return true;
  // No public top-level domain is numeric: a name ending in a number is under an IP literal, not a registrable name.
  if (/^\d+$/.test(name.slice(name.lastIndexOf('.') + 1))) return true;
  const own = [...OWN_SUFFIXES, hostname().toLowerCase(), hostName(opts.listenHost), ...opts.allowedHosts.map(hostName)];
  return own.some((suffix) => suffix !== '' && under(name, suffix));
}

/** The site guard's options from the config: publicUrl's host is one of localfc's names too (links printed with it must work). */
export function siteGuardOptions(config: { host: string; allowedHosts: readonly string[]; publicUrl?: string | undefined }): SiteGuardOptions {
  const publicHost = config.publicUrl ? new URL(config.publicUrl).hostname : undefined;
  return { listenHost: config.host, allowedHosts: publicHost ? [...config.allowedHosts, publicHost] : config.allowedHosts };
}

const refused = (message: string): FcError => new FcError('CrossSiteRequestRefused', 403, message);

export function siteGuard(refusal: (head: RequestHead) => FcError | undefined): MiddlewareHandler<AppEnv> {
  return (c, next) => {
    const refused = refusal(c.req);
    if (refused) throw refused;
    return next();
  };
}

/** `url` starts with `http://${host}/` (checked in place: building that string cost every request an allocation). */
function namesHost(url: string, host: string): boolean {
  return url.startsWith('http://') && url.startsWith(host, 7) && url.charCodeAt(7 + host.length) === 47; // '/'
}

/** What the site guard refuses a request with, or undefined when it passes (the fast routes ask it too: api/pre-route.ts). */
export function siteRefusal(opts: SiteGuardOptions): (head: RequestHead) => FcError | undefined {
  // A client uses a handful of Host values: remember the answers (bounded, so a flood of names cannot grow it).
  const known = new Map<string, boolean>();
  const own = (host: string): boolean => {
    let ok = known.get(host);
    if (ok === undefined) {
      ok = isOwnHost(host, opts);
      if (known.size < 1000) known.set(host, ok);
    }
    return ok;
  };
  return (head) => {
    const host = head.header('host');
    if (host !== undefined && !own(host)) {
      return new FcError('InvalidHost', 403, `Host '${host}' is not one of localfc's names (loopback, the listen address, allowedHosts / LOCALFC_ALLOWED_HOSTS)`);
    }
    // An absolute-form request line (GET http://other/... HTTP/1.1) names a host of its own: it must agree.
    if (host !== undefined && !namesHost(head.url, host)) {
      const urlHost = new URL(head.url).host;
      if (!own(urlHost)) return new FcError('InvalidHost', 403, `the request line names host '${urlHost}', not one of localfc's names`);
    }
    if (head.path.startsWith(HTTP_TRIGGER_PREFIX)) return undefined;
    if (head.header('sec-fetch-site') === 'cross-site') return refused('a browser request from another site is refused (Sec-Fetch-Site: cross-site)');
    const origin = head.header('origin');
    if (origin !== undefined && origin !== 'null') {
      let originHost: string;
      try {
        originHost = new URL(origin).host;
      } catch {
        return refused(`malformed Origin '${origin}'`);
      }
      if (!own(originHost)) return refused(`a browser request from ${origin} is refused: only localfc's own names may call it from a page`);
    } else if (origin === 'null') return refused('a browser request from an opaque origin is refused');
    const method = head.method;
    if (head.path.startsWith('/_localfc/') && method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS') {
      const type = (head.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (SIMPLE_CONTENT_TYPES.includes(type)) return refused(`Content-Type ${type} is refused on admin changes (send application/json, or application/octet-stream for raw bytes)`);
    }
    return undefined;
  };
}
