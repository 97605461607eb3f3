/**
 * Custom domain rewrite rules against the examples of FC's "Configure a rewrite policy" page (equal, wildcard with and
 * without `^`, `$n` captures, regex), and the order localfc applies the kinds in.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rewritePath } from '../../src/domain/custom-domains.ts';

describe('custom domain rewrite rules', () => {
  it("rewrites as FC's examples do", () => {
    const cases: Array<[Parameters<typeof rewritePath>[0], string, string]> = [
      [{ equalRules: [{ match: '/old', replacement: '/new' }] }, '/old', '/new'],
      [{ equalRules: [{ match: '/old', replacement: '/new' }] }, '/test/old', '/test/old'],
      [{ equalRules: [{ match: '/serviceName.Qualifier', replacement: '/serviceA' }] }, '/serviceName.Qualifier', '/serviceA'],
      [{ wildcardRules: [{ match: '/old', replacement: '/new' }] }, '/test/old', '/new'],
      [{ wildcardRules: [{ match: '^/old', replacement: '/new' }] }, '/old', '/new'],
      [{ wildcardRules: [{ match: '^/old', replacement: '/new' }] }, '/test/old', '/test/old'],
      [{ wildcardRules: [{ match: '/api/*', replacement: '/$1' }] }, '/api/getFunctionName', '/getFunctionName'],
      [{ wildcardRules: [{ match: '/css/*', replacement: '/public/static/css/$1' }] }, '/css/style.css', '/public/static/css/style.css'],
      [{ wildcardRules: [{ match: '/ServiceName/*/FunctionName/*/Qualifier/*', replacement: '/$1.$3/$2' }] }, '/ServiceName/svc-a/FunctionName/func-a/Qualifier/1', '/svc-a.1/func-a'],
      [{ wildcardRules: [{ match: '/a.b/*', replacement: '/$1' }] }, '/aXb/c', '/aXb/c'],
      [{ regexRules: [{ match: '^/api/.+?/(.*)', replacement: '/api/v2/$1' }] }, '/api/v1/users', '/api/v2/users'],
      [{ regexRules: [{ match: '^/api/.+?/(.*)', replacement: '/api/v2/$1' }] }, '/other', '/other'],
      [{ equalRules: [{ match: '/x', replacement: '/equal' }], wildcardRules: [{ match: '/*', replacement: '/wild' }], regexRules: [{ match: '.*', replacement: '/regex' }] }, '/x', '/equal'],
      [{ wildcardRules: [{ match: '/*', replacement: '/wild' }], regexRules: [{ match: '.*', replacement: '/regex' }] }, '/y', '/wild'],
      [{ wildcardRules: [{ match: '^/z/*', replacement: '/wild' }], regexRules: [{ match: '.*', replacement: '/regex' }] }, '/y', '/regex'],
      [undefined, '/same', '/same'],
    ];
    for (const [config, path, want] of cases) assert.equal(rewritePath(config, path), want, `${JSON.stringify(config)} ${path}`);
  });
});
