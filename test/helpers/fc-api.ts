/**
 * @module
 * Plain-HTTP calls to a started localfc's FC API for tests that do not need the SDK: a POST that must succeed, and an
 * anonymous HTTP trigger named `h`.
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
