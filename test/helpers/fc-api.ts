/**
 * @module
 * Plain-HTTP calls to a started localfc's FC API for tests that do not need the SDK: a POST that must succeed, an
 * anonymous HTTP trigger named `h`, and its admin API.
 */
import assert from 'node:assert/strict';

/** POSTs JSON to `/2023-03-30<path>` and fails the test unless it answers 200. */
export async function postOk(baseUrl: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${baseUrl}/2023-03-30${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200, await res.clone().text());
}

/** An anonymous GET/POST HTTP trigger `h` on the function: served at `/fcapp/<fn>/h/…`. */
export function createHttpTrigger(baseUrl: string, functionName: string): Promise<void> {
  return postOk(baseUrl, `/functions/${functionName}/triggers`, { triggerName: 'h', triggerType: 'http', triggerConfig: JSON.stringify({ authType: 'anonymous', methods: ['GET', 'POST'] }) });
}

/** A call to localfc's admin API (`/_localfc<path>`) that fails the test unless it answers 2xx; the JSON it answers. */
export function adminApi(url: () => string): (method: string, path: string, body?: unknown) => Promise<Record<string, unknown>> {
  return async (method, path, body) => {
    const res = await fetch(`${url()}/_localfc${path}`, { method, ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.clone().text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
}
