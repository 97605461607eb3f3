/**
 * @module
 * zod models of FC 3.0's custom domain shapes, named as the SDK names them. Types and enums here; the rules that
 * need the whole input (a path's form, PEM certificates, HTTPS needing a certificate) in domain/custom-domains.ts.
 */
import { z } from '@hono/zod-openapi';

const strings = z.array(z.string());

export const AuthConfigSchema = z
  .object({ authType: z.enum(['anonymous', 'function', 'jwt']).optional(), authInfo: z.string().optional() })
  .openapi('AuthConfig');

/** Input: every field optional here, because Terraform sends `{}` for a block it is not given (the domain checks a filled one). */
export const CertConfigInputSchema = z
  .object({ certName: z.string().optional(), certificate: z.string().optional(), privateKey: z.string().optional() })
  .openapi('CertConfig');

/** Output: FC does not return the private key (the Terraform provider reads it back from its own state). */
export const CertConfigOutputSchema = z.object({ certName: z.string(), certificate: z.string() });

export const CORSConfigSchema = z
  .object({
    allowCredentials: z.boolean().optional(),
    allowHeaders: strings.optional(),
    allowMethods: strings.optional(),
    allowOrigins: strings.optional(),
    exposeHeaders: strings.optional(),
    maxAge: z.number().int().optional(),
  })
  .openapi('CORSConfig');

const TLS_VERSION = z.enum(['TLSv1.3', 'TLSv1.2', 'TLSv1.1', 'TLSv1.0']);
export const TLSConfigSchema = z
  .object({ cipherSuites: strings.optional(), minVersion: TLS_VERSION.optional(), maxVersion: TLS_VERSION.optional() })
  .openapi('TLSConfig');

export const WAFConfigSchema = z.object({ enableWAF: z.boolean().optional() }).openapi('WAFConfig');

const RewriteRuleSchema = z.object({ match: z.string(), replacement: z.string() });
export const RewriteConfigSchema = z
  .object({ equalRules: z.array(RewriteRuleSchema).optional(), regexRules: z.array(RewriteRuleSchema).optional(), wildcardRules: z.array(RewriteRuleSchema).optional() })
  .openapi('RewriteConfig');

export const PathConfigSchema = z
  .object({
    path: z.string().openapi({ example: '/api/*' }),
    functionName: z.string().openapi({ example: 'myFunction' }),
    qualifier: z.string().optional().openapi({ description: "version or alias; absent or '' is LATEST" }),
    methods: strings.optional().openapi({ description: 'HEAD, GET, POST, PUT, DELETE, PATCH, OPTIONS; empty or absent: all' }),
    rewriteConfig: RewriteConfigSchema.optional(),
  })
  .openapi('PathConfig');

export const RouteConfigSchema = z.object({ routes: z.array(PathConfigSchema).optional() }).openapi('RouteConfig');

const PROTOCOL = z.string().openapi({ description: 'HTTP, HTTPS or HTTP,HTTPS', example: 'HTTP' });

const configs = {
  authConfig: AuthConfigSchema.optional(),
  certConfig: CertConfigInputSchema.optional(),
  corsConfig: CORSConfigSchema.optional(),
  routeConfig: RouteConfigSchema.optional(),
  tlsConfig: TLSConfigSchema.optional(),
  wafConfig: WAFConfigSchema.optional(),
};

export const CreateCustomDomainInputSchema = z
  .object({ domainName: z.string().min(1).openapi({ example: 'example.com' }), protocol: PROTOCOL.optional(), isE2B: z.boolean().optional(), ...configs })
  .openapi('CreateCustomDomainInput');

export const UpdateCustomDomainInputSchema = z
  .object({ protocol: PROTOCOL.optional(), ...configs })
  .openapi('UpdateCustomDomainInput');

export const CustomDomainSchema = z
  .object({
    accountId: z.string(),
    apiVersion: z.string(),
    domainName: z.string(),
    protocol: z.string(),
    subdomainCount: z.string(),
    createdTime: z.string(),
    lastModifiedTime: z.string(),
    routeConfig: RouteConfigSchema,
    authConfig: AuthConfigSchema.optional(),
    certConfig: CertConfigOutputSchema.optional(),
    corsConfig: CORSConfigSchema.optional(),
    tlsConfig: TLSConfigSchema.optional(),
    wafConfig: WAFConfigSchema.optional(),
  })
  .openapi('CustomDomain', {
    example: {
      accountId: '1234567890123456', apiVersion: '2023-03-30', domainName: 'example.com', protocol: 'HTTP', subdomainCount: '1',
      createdTime: '2024-01-01T00:00:00Z', lastModifiedTime: '2024-01-01T00:00:00Z',
      routeConfig: { routes: [{ path: '/*', functionName: 'hello', qualifier: 'LATEST', methods: ['GET', 'POST'] }] },
    },
  });

export const ListCustomDomainOutputSchema = z
  .object({ customDomains: z.array(CustomDomainSchema), nextToken: z.string().optional().openapi({ description: 'absent on the last page' }) })
  .openapi('ListCustomDomainOutput');

export type CustomDomainBody = z.infer<typeof CustomDomainSchema>;
