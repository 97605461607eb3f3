/**
 * @module
 * Requests to a custom domain: whatever reaches localfc's port with `Host: <domainName>` (any port) is the domain's, as
 * on FC, where a custom domain's traffic never reaches the FC API. The route its path and method match serves it with
 * its function and qualifier, as an HTTP trigger's request is served (api/http-serve.ts); a function needs no HTTP
 * trigger for it (FC 3.0: custom domains no longer depend on HTTP triggers). A step before the site guard: a domain
 * the user registered is one of localfc's names for it, and answers every origin, as HTTP triggers do.
 */
import type { CustomDomainService } from '../domain/custom-domains.ts';
import { signatureVerifier, type AccessKey } from './auth.ts';
import { requireSignedRequest, serveHttp, type HttpServeDeps } from './http-serve.ts';
import type { PreRouteStep } from './pre-route.ts';

export interface CustomDomainHostDeps extends HttpServeDeps {
  readonly domains: CustomDomainService;
  /** Configured keys verify the signature of a domain with authType 'function', as for HTTP triggers. */
  readonly accessKeys: readonly AccessKey[];
}

export function customDomainHostStep(d: CustomDomainHostDeps): PreRouteStep {
  const verify = signatureVerifier({ accessKeys: d.accessKeys, maxBodyBytes: d.maxBodyBytes });
  return {
    on: '*',
    passes: (head) => !d.domains.servesHost(head.header('host')),
    handler: async (c, next) => {
      const host = c.req.header('host');
      if (!d.domains.servesHost(host)) return next();
      const url = new URL(c.req.url);
      const match = d.domains.route(host!, url.pathname, c.req.method.toUpperCase())!;
      if (match.domain.authConfig?.authType === 'function') await requireSignedRequest(c, `the custom domain '${match.domain.domainName}'`, verify);
      const domainName = host!.replace(/:\d+$/, '').toLowerCase();
      const target = { functionName: match.route.functionName, qualifier: match.qualifier, domainName, domainPrefix: domainName.split('.')[0]! };
      return serveHttp(d, c, target, match.path, url.search.slice(1));
    },
  };
}

