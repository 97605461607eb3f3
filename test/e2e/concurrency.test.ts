/**
 * Many clients at once against one server on the manual clock: creates, updates, sync and async invocations and
 * deletes race on a few shared names. Each round gives every name a plan (which operations race on it); between
 * rounds the clock moves so every accepted change settles. Afterwards every accepted change is visible, refused calls
 * got the cloud's errors, and no accepted invocation is missing from the function's timeline. Every accepted async
 * invocation is a task: at the end each task of a function that still exists is in a final status, and the tasks of a
 * function deleted meanwhile went with it (GetAsyncTask answers 404).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Pool } from 'undici';
import { createZip } from '../helpers/zip.ts';
import { seededRandom } from '../../src/domain/faults/engine.ts';
import { start, type RunningLocalfc } from '../../src/index.ts';

const CLIENTS = 20;
const ROUNDS = 10;
const CALLS_PER_CLIENT = 4;
const NAMES = ['race_0', 'race_1', 'race_2', 'race_3', 'race_4', 'race_5'];
const zip = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, e)' }]).toString('base64');

type Kind = 'create' | 'update' | 'delete' | 'invoke' | 'invokeAsync';
/** What may race on one name in one round. */
const PLANS: readonly (readonly Kind[])[] = [
  ['create'], ['create', 'invoke'], ['create', 'invokeAsync'], ['update'], ['update', 'invoke'], ['update', 'invokeAsync'],
  ['delete'], ['delete', 'invoke'], ['invoke', 'invokeAsync'], ['invokeAsync'],
];

interface Call { kind: Kind; client: number; status: number; code?: string; description?: string; env?: Record<string, string>; sent?: string; echoed?: string; taskId?: string }
/** `gen` counts accepted creates and deletes: a task lives as long as the generation it was accepted on. */
interface Model { exists: boolean; description: string; env: Record<string, string>; invocations: number; gen: number; updates?: Call[] }
interface TaskRecord { name: string; taskId: string; gen: number; where: string }
/** FC's final AsyncTask statuses (src/domain/async-tasks.ts); nothing moves a task out of these. */
const FINAL_TASK_STATUSES = ['Succeeded', 'Failed', 'Stopped', 'Expired', 'Invalid'];

describe('20 clients racing creates, updates, invocations and deletes', () => {
  let fc: RunningLocalfc;
  let admin: Pool;
  const clients: Pool[] = [];

  before(async () => {
    // The race's rules reason about the Pending window after a create (off by default for code packages).
    fc = await start({ clock: 'manual', timing: { codePreparationMs: 1000 } });
    admin = new Pool(fc.url, { connections: 2 });
    for (let i = 0; i < CLIENTS; i++) clients.push(new Pool(fc.url, { connections: 2 }));
  });
  after(async () => {
    await Promise.all([admin, ...clients].map((p) => p.close()));
    await fc.stop();
  });

  const call = async (pool: Pool, method: string, path: string, body?: string, headers: Record<string, string> = {}) => {
    const res = await pool.request({ method: method as 'GET', path, headers: { 'content-type': 'application/json', ...headers }, ...(body !== undefined ? { body } : {}) });
    const text = await res.body.text();
    return { status: res.statusCode, text, headers: res.headers };
  };
  const errorCode = (status: number, text: string) => {
    if (status < 400) return undefined;
    const e = JSON.parse(text) as { Code: string; Message: string; RequestId: string };
    assert.ok(typeof e.Message === 'string' && typeof e.RequestId === 'string', text);
    return e.Code;
  };

  async function perform(client: number, round: number, seq: number, name: string, kind: Kind): Promise<Call> {
    const pool = clients[client]!;
    const tag = `c${client}-r${round}-s${seq}`;
    const env = { CLIENT: String(client), ROUND: String(round), SEQ: String(seq) };
    switch (kind) {
      case 'create': {
        const r = await call(pool, 'POST', '/2023-03-30/functions', JSON.stringify({ functionName: name, runtime: 'nodejs20', handler: 'index.handler', description: tag, environmentVariables: env, code: { zipFile: zip } }));
        return { kind, client, status: r.status, ...code(r), description: tag, env };
      }
      case 'update': {
        const r = await call(pool, 'PUT', `/2023-03-30/functions/${name}`, JSON.stringify({ description: tag, environmentVariables: env }));
        return { kind, client, status: r.status, ...code(r), description: tag, env };
      }
      case 'delete': {
        const r = await call(pool, 'DELETE', `/2023-03-30/functions/${name}`);
        return { kind, client, status: r.status, ...code(r) };
      }
      case 'invoke':
      case 'invokeAsync': {
        const sent = JSON.stringify({ tag });
        // The 202 carries x-fc-async-task-id only for a named task (or an asyncTask config): name each one, tags are unique.
        const r = await call(pool, 'POST', `/2023-03-30/functions/${name}/invocations`, sent, kind === 'invokeAsync' ? { 'x-fc-invocation-type': 'Async', 'x-fc-async-task-id': tag } : {});
        const taskId = r.headers['x-fc-async-task-id'];
        return { kind, client, status: r.status, ...code(r), sent, ...(r.status === 200 ? { echoed: r.text } : {}), ...(typeof taskId === 'string' ? { taskId } : {}) };
      }
    }
    function code(r: { status: number; text: string }) {
      const c = errorCode(r.status, r.text);
      return c ? { code: c } : {};
    }
  }

  /** Checks one name's calls of one round against the model, and moves the model on. */
  function settle(name: string, plan: readonly Kind[], calls: Call[], m: Model, tasks: TaskRecord[]): void {
    const where = `${name} plan ${plan.join('+')}: ${JSON.stringify(calls.map((c) => `${c.kind}:${c.status}${c.code ? `:${c.code}` : ''}`))}`;
    const of = (k: Kind) => calls.filter((c) => c.kind === k);
    const ok = (c: Call) => c.status < 300;
    const wasThere = m.exists;
    const genBefore = m.gen;
    const creates = of('create');
    const updates = of('update');
    const deletes = of('delete');
    if (creates.length) {
      const won = creates.filter(ok);
      assert.equal(won.length, wasThere ? 0 : 1, `exactly one create wins on a free name: ${where}`);
      for (const c of creates.filter((c) => !ok(c))) assert.deepEqual([c.status, c.code], [409, 'FunctionAlreadyExists'], where);
      if (won[0]) Object.assign(m, { exists: true, description: won[0].description!, env: won[0].env!, invocations: 0, gen: m.gen + 1 });
    }
    if (updates.length) {
      // Each update supersedes the one in progress: all are accepted on a function that is there, the last one
      // dispatched shows (which one that is, the server decides: checked against these once the round settled).
      const won = updates.filter(ok);
      assert.equal(won.length, wasThere ? updates.length : 0, `every update is accepted on a function that is there: ${where}`);
      for (const c of updates.filter((c) => !ok(c))) assert.deepEqual([c.status, c.code], [404, 'FunctionNotFound'], where);
      if (won.length) m.updates = won;
    }
    if (deletes.length) {
      const won = deletes.filter(ok);
      assert.equal(won.length, wasThere ? 1 : 0, `exactly one delete wins: ${where}`);
      for (const c of won) assert.equal(c.status, 204, where);
      for (const c of deletes.filter((c) => !ok(c))) assert.deepEqual([c.status, c.code], [404, 'FunctionNotFound'], where);
      if (won[0]) Object.assign(m, { exists: false, gen: m.gen + 1 });
    }
    for (const c of [...of('invoke'), ...of('invokeAsync')]) {
      const accepted = c.kind === 'invoke' ? 200 : 202;
      // before the create lands: 404; after it, while Pending: 412; racing a delete: accepted or 404
      const allowed = !wasThere ? [[404, 'FunctionNotFound'], [412, 'FunctionNotActive']] : deletes.length ? [[accepted, undefined], [404, 'FunctionNotFound']] : [[accepted, undefined]];
      assert.ok(allowed.some(([s, code]) => s === c.status && code === c.code), `${c.kind} got ${c.status} ${c.code}: ${where}`);
      if (c.status === 200) assert.equal(c.echoed, c.sent, 'the simulated backend echoes the event');
      if (ok(c) && m.exists) m.invocations++;
      if (c.status === 202) {
        assert.ok(c.taskId, `a 202 names its task: ${where}`);
        // accepted only on a function that was there when the round began (a create in the same round meets 404/412)
        tasks.push({ name, taskId: c.taskId, gen: genBefore, where });
      }
    }
  }

  it('every accepted change is visible, refusals are the cloud errors, nothing is lost', async () => {
    const rand = seededRandom(Number(process.env.CONCURRENCY_SEED ?? 42));
    const models = new Map<string, Model>(NAMES.map((n) => [n, { exists: false, description: '', env: {}, invocations: 0, gen: 0 }]));
    const tasks: TaskRecord[] = [];
    const counts = new Map<string, number>();
    for (let round = 0; round < ROUNDS; round++) {
      // the first round creates everything, so later rounds have something to race on
      const plans = new Map(NAMES.map((n) => [n, round === 0 ? PLANS[1]! : PLANS[Math.floor(rand() * PLANS.length)]!]));
      const script = Array.from({ length: CLIENTS }, () =>
        Array.from({ length: CALLS_PER_CLIENT }, () => {
          const name = NAMES[Math.floor(rand() * NAMES.length)]!;
          const plan = plans.get(name)!;
          return { name, kind: plan[Math.floor(rand() * plan.length)]! };
        }),
      );
      const calls = new Map<string, Call[]>(NAMES.map((n) => [n, []]));
      await Promise.all(
        script.map(async (steps, client) => {
          // each client runs its calls one after another; the clients run at once
          for (const [seq, s] of steps.entries()) calls.get(s.name)!.push(await perform(client, round, seq, s.name, s.kind));
        }),
      );
      for (const name of NAMES) {
        if (calls.get(name)!.length) settle(name, plans.get(name)!, calls.get(name)!, models.get(name)!, tasks);
        for (const c of calls.get(name)!) counts.set(`${c.kind} ${c.status}`, (counts.get(`${c.kind} ${c.status}`) ?? 0) + 1);
      }

      // let every preparation and update finish, then compare the server with the model
      assert.equal((await call(admin, 'POST', '/_localfc/clock/advance', JSON.stringify({ ms: 2000 }))).status, 200);
      for (const name of NAMES) {
        const m = models.get(name)!;
        const got = await call(admin, 'GET', `/2023-03-30/functions/${name}`);
        if (!m.exists) {
          assert.deepEqual([got.status, errorCode(got.status, got.text)], [404, 'FunctionNotFound'], `round ${round}: ${name} should be gone`);
          continue;
        }
        assert.equal(got.status, 200, `round ${round}: ${name} should exist: ${got.text}`);
        const fn = JSON.parse(got.text) as { description: string; environmentVariables: Record<string, string>; state: string; lastUpdateStatus: string };
        if (m.updates) {
          const shown = m.updates.find((u) => u.description === fn.description);
          assert.ok(shown, `round ${round}: ${name} shows one of the updates accepted this round, got ${fn.description}`);
          Object.assign(m, { description: shown.description!, env: shown.env!, updates: undefined });
        }
        assert.equal(fn.description, m.description, `round ${round}: ${name} shows the last accepted change`);
        assert.deepEqual(fn.environmentVariables, m.env, `round ${round}: ${name}`);
        assert.deepEqual([fn.state, fn.lastUpdateStatus], ['Active', 'Successful'], `round ${round}: ${name}`);
        // async invocations finish on their own: wait (without timers) until the timeline has them all
        let invoked = -1;
        for (let spin = 0; spin < 500; spin++) {
          const tl = JSON.parse((await call(admin, 'GET', `/_localfc/functions/${name}/timeline`)).text) as { timeline: Array<{ kind: string; event: string }> };
          invoked = tl.timeline.filter((t) => t.kind === 'invocation' && t.event === 'invoked').length;
          if (invoked >= m.invocations) break;
          await new Promise((r) => setImmediate(r));
        }
        assert.equal(invoked, m.invocations, `round ${round}: ${name}'s timeline has an 'invoked' entry for every accepted invocation`);
      }
      const list = JSON.parse((await call(admin, 'GET', '/2023-03-30/functions?limit=100')).text) as { functions: Array<{ functionName: string }> };
      assert.deepEqual(list.functions.map((f) => f.functionName).sort(), NAMES.filter((n) => models.get(n)!.exists).sort(), `round ${round}: ListFunctions`);
    }
    // Every accepted async invocation reached a final status. A minute of clock covers FC's 3 retries (0.5 s + 1 s + 2 s)
    // and stays far below maxAsyncEventAgeInSeconds; clock/advance fires the retry timers in order, then quiesces.
    assert.equal((await call(admin, 'POST', '/_localfc/clock/advance', JSON.stringify({ ms: 60_000 }))).status, 200);
    const statuses = new Map<string, number>();
    for (const t of tasks) {
      const m = models.get(t.name)!;
      const got = await call(admin, 'GET', `/2023-03-30/functions/${t.name}/async-tasks/${t.taskId}`);
      const what = `task ${t.taskId} of ${t.name} (gen ${t.gen}, now ${m.exists ? `gen ${m.gen}` : 'deleted'}) from ${t.where}`;
      if (m.exists && m.gen === t.gen) {
        assert.equal(got.status, 200, `${what}: ${got.text}`);
        const task = JSON.parse(got.text) as { taskId: string; status: string; events: Array<{ status: string }> };
        assert.equal(task.taskId, t.taskId, what);
        assert.ok(FINAL_TASK_STATUSES.includes(task.status), `${what} is ${task.status}, not final: ${got.text}`);
        assert.equal(task.events.at(-1)?.status, task.status, `${what}: the last event is the final status`);
        statuses.set(task.status, (statuses.get(task.status) ?? 0) + 1);
      } else {
        // deleted with its function: the function is gone (FunctionNotFound), or a later create under the same name
        // started with no tasks (AsyncTaskNotFound)
        const gone = m.exists ? 'AsyncTaskNotFound' : 'FunctionNotFound';
        assert.deepEqual([got.status, errorCode(got.status, got.text)], [404, gone], `${what}: ${got.text}`);
        statuses.set(`404 ${gone}`, (statuses.get(`404 ${gone}`) ?? 0) + 1);
      }
    }
    // ListAsyncTasks agrees: a live function lists exactly the tasks accepted on its current generation
    for (const name of NAMES) {
      const m = models.get(name)!;
      if (!m.exists) continue;
      const listed: string[] = [];
      let token: string | undefined;
      do {
        const page = JSON.parse((await call(admin, 'GET', `/2023-03-30/functions/${name}/async-tasks?limit=100${token ? `&nextToken=${token}` : ''}`)).text) as { tasks: Array<{ taskId: string; status: string }>; nextToken?: string };
        for (const t of page.tasks) assert.ok(FINAL_TASK_STATUSES.includes(t.status), `${name}: listed ${t.taskId} is ${t.status}`);
        listed.push(...page.tasks.map((t) => t.taskId));
        token = page.nextToken;
      } while (token);
      assert.deepEqual(listed.sort(), tasks.filter((t) => t.name === name && t.gen === m.gen).map((t) => t.taskId).sort(), `${name}: ListAsyncTasks`);
    }
    process.stdout.write(`# async tasks by final status: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}\n`);
    assert.ok(statuses.get('Succeeded') && [...statuses.keys()].some((k) => k.startsWith('404')), `both live and deleted functions' tasks were checked: ${JSON.stringify(Object.fromEntries(statuses))}`);

    // the races really happened: each kind was both accepted and refused at some point
    process.stdout.write(`# calls by kind and status: ${JSON.stringify(Object.fromEntries([...counts].sort()))}\n`);
    for (const k of ['create 200', 'create 409', 'update 200', 'update 404', 'delete 204', 'delete 404', 'invoke 200', 'invokeAsync 202', 'invoke 412']) assert.ok(counts.get(k), `no '${k}' in ${JSON.stringify(Object.fromEntries(counts))}`);
  });
});
