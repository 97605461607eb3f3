/**
 * @module
 * CreateCustomDomain, GetCustomDomain, UpdateCustomDomain, DeleteCustomDomain, ListCustomDomains: parse, call the
 * service, render. Serving requests that reach a domain's Host is api/routes/custom-domain-host.ts.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { isoSeconds } from '../../clock.ts';
import type { CustomDomainRecord, CustomDomainService } from '../../domain/custom-domains.ts';
import type { AppEnv } from '../context.ts';
import { jsonBody } from '../json-body.ts';
import { ErrorSchema } from '../schemas/function.ts';
import { CreateCustomDomainInputSchema, type CustomDomainBody, CustomDomainSchema, ListCustomDomainOutputSchema, UpdateCustomDomainInputSchema } from '../schemas/custom-domains.ts';

const BASE = '/2023-03-30/custom-domains';
const DomainParam = z.object({ domainName: z.string().openapi({ param: { name: 'domainName', in: 'path' } }) });
const errorResponses = {
  400: { description: 'InvalidArgument', content: { 'application/json': { schema: ErrorSchema } } },
  404: { description: 'DomainNameNotFound', content: { 'application/json': { schema: ErrorSchema } } },
  409: { description: 'DomainNameAlreadyExists', content: { 'application/json': { schema: ErrorSchema } } },
} as const;
const domainResponse = { 200: { description: 'the custom domain', content: { 'application/json': { schema: CustomDomainSchema } } }, ...errorResponses };

const createDomain = createRoute({ operationId: 'CreateCustomDomain', method: 'post', path: BASE, request: jsonBody(CreateCustomDomainInputSchema), responses: domainResponse });
const getDomain = createRoute({ operationId: 'GetCustomDomain', method: 'get', path: `${BASE}/{domainName}`, request: { params: DomainParam }, responses: domainResponse });
const updateDomain = createRoute({
  operationId: 'UpdateCustomDomain', method: 'put', path: `${BASE}/{domainName}`,
  request: { params: DomainParam, ...jsonBody(UpdateCustomDomainInputSchema) },
  responses: domainResponse,
});
const deleteDomain = createRoute({
  operationId: 'DeleteCustomDomain', method: 'delete', path: `${BASE}/{domainName}`, request: { params: DomainParam },
  responses: { 204: { description: 'deleted' }, ...errorResponses },
});
const listDomains = createRoute({
  operationId: 'ListCustomDomains', method: 'get', path: BASE,
  request: { query: z.object({ prefix: z.string().optional(), limit: z.coerce.number().int().min(1).max(100).optional(), nextToken: z.string().optional() }) },
  responses: { 200: { description: 'a page of custom domains', content: { 'application/json': { schema: ListCustomDomainOutputSchema } } }, ...errorResponses },
});

/** The wire shape: the private key is never returned (as on FC). */
function renderDomain(d: CustomDomainRecord, accountId: string): CustomDomainBody {
  return {
    accountId,
    apiVersion: '2023-03-30',
    domainName: d.domainName,
    protocol: d.protocol,
    subdomainCount: '1',
    createdTime: isoSeconds(d.createdTime),
    lastModifiedTime: isoSeconds(d.lastModifiedTime),
    routeConfig: { routes: d.routes },
    ...(d.authConfig ? { authConfig: d.authConfig } : {}),
    ...(d.certConfig ? { certConfig: { certName: d.certConfig.certName, certificate: d.certConfig.certificate } } : {}),
    ...(d.corsConfig ? { corsConfig: d.corsConfig } : {}),
    ...(d.tlsConfig ? { tlsConfig: d.tlsConfig } : {}),
    ...(d.wafConfig ? { wafConfig: d.wafConfig } : {}),
  };
}

export function customDomainRoutes(domains: CustomDomainService, accountId: string): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(createDomain, (c) => c.json(renderDomain(domains.create(c.req.valid('json')), accountId), 200));

  app.openapi(getDomain, (c) => c.json(renderDomain(domains.get(c.req.valid('param').domainName), accountId), 200));

  app.openapi(updateDomain, (c) => c.json(renderDomain(domains.update(c.req.valid('param').domainName, c.req.valid('json')), accountId), 200));

  app.openapi(deleteDomain, (c) => {
    domains.delete(c.req.valid('param').domainName);
    return c.body(null, 204);
  });

  app.openapi(listDomains, (c) => {
    const page = domains.list(c.req.valid('query'));
    return c.json({ customDomains: page.domains.map((d) => renderDomain(d, accountId)), ...(page.nextToken ? { nextToken: page.nextToken } : {}) }, 200);
  });

  return app;
}
