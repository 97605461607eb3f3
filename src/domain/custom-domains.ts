/**
 * @module
 * CustomDomainService: FC 3.0's custom domains (Create/Get/Update/Delete/List) and which route of which domain a
 * request names by its Host, path and method. No HTTP here: serving a matched route lives in api/routes/http-serve.ts.
 * Rules and their sources are in docs/behaviour.md (Custom domains).
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { Clock } from '../clock.ts';
import { errors } from './errors.ts';
import { pageByKey, type PageOptions } from './paging.ts';

/** FC's route methods (PathConfig.methods: "HEAD, GET, POST, PUT, DELETE, PATCH, and OPTIONS"). */
export const ROUTE_METHODS = ['HEAD', 'GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;
export const DOMAIN_PROTOCOLS = ['HTTP', 'HTTPS', 'HTTP,HTTPS'] as const;

export interface RewriteRule {
  readonly match: string;
  readonly replacement: string;
}

export interface RewriteConfig {
  readonly equalRules?: RewriteRule[];
  readonly regexRules?: RewriteRule[];
  readonly wildcardRules?: RewriteRule[];
}

export interface PathConfig {
  readonly path: string;
  readonly functionName: string;
  /** As the caller sent it ('' and absent mean LATEST): Terraform reads it back and compares. */
  readonly qualifier?: string;
  /** Empty or absent: every method. */
  readonly methods?: string[];
  /** The path the function sees: rewritePath(). */
  readonly rewriteConfig?: RewriteConfig;
}

export interface CertConfig {
  readonly certName: string;
  readonly certificate: string;
  readonly privateKey: string;
}

/** The definition lists TLSv1.3 and TLSv1.2; its example and Terraform's validation take TLSv1.0 and TLSv1.1 too. */
export type TlsVersion = 'TLSv1.0' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

export interface TlsConfig {
  readonly cipherSuites: string[];
  readonly minVersion: TlsVersion;
  readonly maxVersion?: TlsVersion;
}

/** The parts FC stores and returns as sent (localfc does not act on them). */
export interface StoredConfigs {
  readonly authConfig?: { authType?: 'anonymous' | 'function' | 'jwt'; authInfo?: string };
  readonly corsConfig?: Record<string, unknown>;
  readonly wafConfig?: { enableWAF?: boolean };
}

export interface CustomDomainInput extends StoredConfigs {
  readonly protocol?: string;
  readonly routeConfig?: { routes?: PathConfig[] };
  readonly certConfig?: Partial<CertConfig>;
  readonly tlsConfig?: Partial<TlsConfig>;
}

export interface CreateCustomDomainInput extends CustomDomainInput {
  readonly domainName: string;
}

export interface CustomDomainRecord extends StoredConfigs {
  readonly domainName: string;
  readonly protocol: string;
  readonly routes: PathConfig[];
  readonly certConfig?: CertConfig;
  readonly tlsConfig?: TlsConfig;
  readonly createdTime: number;
  readonly lastModifiedTime: number;
}

/** What a request reaching a domain's Host is served by. */
export interface RouteMatch {
  readonly domain: CustomDomainRecord;
  readonly route: PathConfig;
  /** The version or alias that serves it (LATEST when the route names none). */
  readonly qualifier: string;
  /** The path the function sees: the request's, rewritten by the route's first matching rewrite rule. */
  readonly path: string;
}

const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}$/;
const TLD = /^[A-Za-z]{2,63}$/;
const FUNCTION_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

/**
 * FC's limits on the name (console guide "Configure a custom domain name"): at most 256 characters, labels of 1-63
 * letters, digits and hyphens not starting with a hyphen, an alphabetic top-level label of 2+; a leading `*.` for a
 * wildcard domain; no Chinese (non-ASCII) characters.
 */
export function checkDomainName(name: string): void {
  const labels = name.split('.');
  const wildcard = labels[0] === '*';
  const rest = wildcard ? labels.slice(1) : labels;
  const ok = name.length <= 256 && rest.length >= 2 && rest.every((l) => LABEL.test(l)) && TLD.test(rest.at(-1)!);
  if (!ok) {
    throw errors.invalidArgument(
      `invalid domainName '${name.slice(0, 300)}': at most 256 characters; labels of 1-63 letters, digits and hyphens, not starting with a hyphen; an alphabetic top-level domain of at least 2 letters; '*.' in front for a wildcard domain`,
    );
  }
}

function checkProtocol(protocol: string): void {
  if (!(DOMAIN_PROTOCOLS as readonly string[]).includes(protocol)) {
    throw errors.invalidArgument(`invalid protocol '${protocol}': one of ${DOMAIN_PROTOCOLS.join(', ')}`);
  }
}

/**
 * Paths as FC's routing rules describe them: an exact path, or a prefix ending in `*` (`/login/*`, `/*`). Both start
 * with '/'; `*` only at the end.
 */
function checkRoute(route: PathConfig, i: number): void {
  const at = `routeConfig.routes[${i}]`;
  if (!route.path) throw errors.invalidArgument(`${at}.path is required`);
  if (!route.path.startsWith('/') || route.path.slice(0, -1).includes('*')) {
    throw errors.invalidArgument(`invalid ${at}.path '${route.path}': a path starting with '/', exact ('/login') or a prefix ending in '*' ('/login/*', '/*')`);
  }
  if (!route.functionName) throw errors.invalidArgument(`${at}.functionName is required`);
  if (!FUNCTION_NAME.test(route.functionName)) throw errors.invalidArgument(`invalid ${at}.functionName '${route.functionName}'`);
  for (const m of route.methods ?? []) {
    if (!(ROUTE_METHODS as readonly string[]).includes(m)) throw errors.invalidArgument(`invalid ${at}.methods '${m}': one of ${ROUTE_METHODS.join(', ')}`);
  }
  for (const kind of ['equalRules', 'wildcardRules', 'regexRules'] as const) {
    for (const [j, rule] of (route.rewriteConfig?.[kind] ?? []).entries()) {
      if (!rule.match || rule.replacement === undefined) throw errors.invalidArgument(`${at}.rewriteConfig.${kind}[${j}] needs match and replacement`);
      if (kind === 'regexRules') {
        try {
          new RegExp(rule.match);
        } catch {
          throw errors.invalidArgument(`invalid ${at}.rewriteConfig.regexRules[${j}].match '${rule.match}': not a regular expression`);
        }
      }
    }
  }
}

/** An empty object (Terraform sends `{}` for every block it is not given) is no config. */
const isEmpty = (o: object | undefined): boolean => o === undefined || Object.keys(o).length === 0;

/**
 * certName, certificate and privateKey are all required, in PEM (FC: "'private key' has to be in PEM format"). An
 * update may leave the key out when the certificate is the one stored: reads never return the key, and Serverless
 * Devs sends back the certConfig it read (devsapp/fc3 deploy/impl/custom_domain.ts).
 */
function certConfigOf(given: Partial<CertConfig> | undefined, stored: CertConfig | undefined): CertConfig | undefined {
  if (!given || isEmpty(given)) return undefined;
  const c = !given.privateKey && stored && given.certificate === stored.certificate ? { ...given, privateKey: stored.privateKey } : given;
  for (const key of ['certName', 'certificate', 'privateKey'] as const) if (!c[key]) throw errors.invalidArgument(`certConfig.${key} is required`);
  try {
    new X509Certificate(c.certificate!);
  } catch {
    throw errors.invalidArgument(`certConfig.certificate has to be in PEM format`);
  }
  try {
    createPrivateKey(c.privateKey!);
  } catch {
    throw errors.invalidArgument(`certConfig.privateKey: 'private key' has to be in PEM format`);
  }
  return { certName: c.certName!, certificate: c.certificate!, privateKey: c.privateKey! };
}

function tlsConfigOf(t: Partial<TlsConfig> | undefined): TlsConfig | undefined {
  if (!t || isEmpty(t)) return undefined;
  if (!t.minVersion) throw errors.invalidArgument('tlsConfig.minVersion is required');
  if (!t.cipherSuites) throw errors.invalidArgument('tlsConfig.cipherSuites is required');
  return { cipherSuites: t.cipherSuites, minVersion: t.minVersion, ...(t.maxVersion ? { maxVersion: t.maxVersion } : {}) };
}

/** A request path against a route path: exact, or a prefix for a path ending in '*'. */
function pathMatches(pattern: string, path: string): boolean {
  return pattern.endsWith('*') ? path.startsWith(pattern.slice(0, -1)) : path === pattern;
}

/**
 * FC's order (routing rules of the custom domain guide): an exact match wins over a prefix match, and among prefix
 * matches the longest prefix wins. A route whose methods leave the request's out does not match it.
 */
export function matchRoute(routes: readonly PathConfig[], path: string, method: string): PathConfig | undefined {
  let best: PathConfig | undefined;
  for (const r of routes) {
    if (r.methods?.length && !r.methods.includes(method)) continue;
    if (!pathMatches(r.path, path)) continue;
    if (!r.path.endsWith('*')) return r;
    if (!best || r.path.length > best.path.length) best = r;
  }
  return best;
}

/**
 * FC's rewrite policy ("Configure a rewrite policy"): an equal rule replaces a path it equals; a wildcard rule's `*`
 * matches any string (its captures are `$1`, `$2` … in the replacement), a leading `^` anchors it at the start and it
 * always runs to the end (`/old` rewrites `/test/old`, `^/old` does not); a regex rule is a regular expression whose
 * groups the replacement names the same way. The whole path becomes the replacement. Rules are tried equal, then
 * wildcard, then regex, each list in order, and the first that matches applies (the order between kinds is localfc's
 * choice, docs/behaviour.md).
 */
export function rewritePath(config: RewriteConfig | undefined, path: string): string {
  if (!config) return path;
  for (const rule of config.equalRules ?? []) if (rule.match === path) return rule.replacement;
  for (const rule of config.wildcardRules ?? []) {
    const m = wildcardRegExp(rule.match).exec(path);
    if (m) return expand(rule.replacement, m);
  }
  for (const rule of config.regexRules ?? []) {
    const m = new RegExp(rule.match).exec(path);
    if (m) return expand(rule.replacement, m);
  }
  return path;
}

function wildcardRegExp(match: string): RegExp {
  const anchored = match.startsWith('^');
  const body = (anchored ? match.slice(1) : match).split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('(.*)');
  return new RegExp(`${anchored ? '^' : ''}${body}$`);
}

/** `$1` … `$9` in a replacement, from the match's groups (a group that did not take part is empty). */
function expand(replacement: string, m: RegExpExecArray): string {
  return replacement.replace(/\$(\d)/g, (_, n: string) => m[Number(n)] ?? '');
}

export interface CustomDomainServiceDeps {
  readonly clock: Clock;
}

export class CustomDomainService {
  readonly #byName = new Map<string, CustomDomainRecord>();

  constructor(private readonly deps: CustomDomainServiceDeps) {}

  /** Persistence: every domain as stored. */
  exportState(): CustomDomainRecord[] {
    return [...this.#byName.values()];
  }

  importState(records: readonly CustomDomainRecord[]): void {
    for (const d of records) this.#byName.set(d.domainName, d);
  }

  /** The admin reset: no domains. */
  reset(): void {
    this.#byName.clear();
  }

  create(input: CreateCustomDomainInput): CustomDomainRecord {
    checkDomainName(input.domainName);
    if (this.#byName.has(input.domainName)) throw errors.domainNameAlreadyExists(input.domainName);
    const now = this.deps.clock.now();
    const record = this.#build(input.domainName, input, undefined, now);
    this.#byName.set(record.domainName, record);
    return record;
  }

  get(domainName: string): CustomDomainRecord {
    const record = this.#byName.get(domainName);
    if (!record) throw errors.domainNameNotFound(domainName);
    return record;
  }

  /** Fields given replace what was set; absent ones (and `protocol: ''`, which Terraform sends when unset) keep it. */
  update(domainName: string, input: CustomDomainInput): CustomDomainRecord {
    const current = this.get(domainName);
    const next = this.#build(domainName, input, current, this.deps.clock.now());
    this.#byName.set(domainName, next);
    return next;
  }

  delete(domainName: string): void {
    this.get(domainName);
    this.#byName.delete(domainName);
  }

  /** Sorted by name; `nextToken` is the next page's first name and is absent on the last page. */
  list(opts: PageOptions): { domains: CustomDomainRecord[]; nextToken?: string } {
    const { items, nextToken } = pageByKey(this.#byName.values(), (d) => d.domainName, opts);
    return nextToken ? { domains: items, nextToken } : { domains: items };
  }

  /** Every route that names the function, with its domain (the dashboard's function detail). */
  routesTo(functionName: string): Array<{ domainName: string; route: PathConfig }> {
    return [...this.#byName.values()].flatMap((d) => d.routes.filter((r) => r.functionName === functionName).map((route) => ({ domainName: d.domainName, route })));
  }

  /** True when some domain answers to this Host (a name, with or without a port). */
  servesHost(host: string | undefined): boolean {
    return this.#byName.size > 0 && host !== undefined && this.#forHost(host) !== undefined;
  }

  /**
   * The route a request to `host` is served by: undefined when no domain has that name, 404 DomainRouteNotFound when
   * the domain has no route for the path and method.
   */
  route(host: string, path: string, method: string): RouteMatch | undefined {
    const domain = this.#forHost(host);
    if (!domain) return undefined;
    const route = matchRoute(domain.routes, path, method);
    if (!route) throw errors.domainRouteNotFound(domain.domainName, path, method);
    return { domain, route, qualifier: route.qualifier || 'LATEST', path: rewritePath(route.rewriteConfig, path) };
  }

  /** The domain named exactly (case-insensitively, as DNS names are), else the closest wildcard domain above it. */
  #forHost(host: string): CustomDomainRecord | undefined {
    const name = hostName(host);
    let wildcard: CustomDomainRecord | undefined;
    for (const d of this.#byName.values()) {
      const own = d.domainName.toLowerCase();
      if (own === name) return d;
      if (own.startsWith('*.') && name.endsWith(own.slice(1)) && (!wildcard || own.length > wildcard.domainName.length)) wildcard = d;
    }
    return wildcard;
  }

  #build(domainName: string, input: CustomDomainInput, current: CustomDomainRecord | undefined, now: number): CustomDomainRecord {
    if (input.protocol) checkProtocol(input.protocol);
    const routes = input.routeConfig ? (input.routeConfig.routes ?? []) : (current?.routes ?? []);
    routes.forEach(checkRoute);
    const certConfig = input.certConfig !== undefined ? certConfigOf(input.certConfig, current?.certConfig) : current?.certConfig;
    const tlsConfig = input.tlsConfig !== undefined ? tlsConfigOf(input.tlsConfig) : current?.tlsConfig;
    const protocol = input.protocol || current?.protocol || 'HTTP';
    if (protocol.includes('HTTPS') && !certConfig) throw errors.invalidArgument(`protocol '${protocol}' needs a certConfig (certName, certificate, privateKey)`);
    const kept = <K extends keyof StoredConfigs>(key: K): Partial<Pick<StoredConfigs, K>> => {
      const value = input[key] !== undefined ? input[key] : current?.[key];
      return value === undefined || isEmpty(value) ? {} : ({ [key]: value } as Pick<StoredConfigs, K>);
    };
    return {
      domainName,
      protocol,
      routes,
      ...kept('authConfig'),
      ...kept('corsConfig'),
      ...kept('wafConfig'),
      ...(certConfig ? { certConfig } : {}),
      ...(tlsConfig ? { tlsConfig } : {}),
      createdTime: current?.createdTime ?? now,
      lastModifiedTime: now,
    };
  }
}

/** The name part of a Host header, lower-cased, without a port or a trailing dot. */
function hostName(host: string): string {
  const h = host.trim().toLowerCase();
  const colon = h.lastIndexOf(':');
  return (colon >= 0 && !h.startsWith('[') ? h.slice(0, colon) : h).replace(/\.$/, '');
}
