/**
 * @module
 * Route groups built on the first request that reaches one of their routes, not at start-up (issue 16): the modules of
 * most groups build hundreds of zod schemas when they are evaluated, most of localfc's own start-up. A group's modules
 * are imported dynamically (the bundle evaluates them on that import), and its routes are registered on the app at
 * once, in their place and order, from the group's route table (route-table.ts), each handler a stand-in that builds the
 * group and calls the group's own handler at the same position. So hono routes every request as if the group had been
 * mounted eagerly (same matches, order, 404s and 405s), and the group's handlers run in the app's context and chain.
 *
 * A group is mounted the way `app.route('/', group)` would: into a holder app with the app's default validation hook,
 * whose route list (wrapped handlers, merged paths) and OpenAPI definitions are the ones the app would have received.
 * The OpenAPI document needs every group: `loadAll()` builds them and puts their definitions where eager mounting put
 * them. A route table that no longer matches its group is a programming error, reported when the group is built
 * (test/api/route-table.test.ts builds every group; `npm run routes` rewrites the tables).
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Hono } from 'hono';
import type { AppEnv } from './context.ts';

/** One entry of hono's route list for a group: its method and path, once per handler (validators, then the handler). */
export type RouteEntry = readonly [method: string, path: string];

type Group = Hono<AppEnv> | OpenAPIHono<AppEnv>;
type Handler = (c: never, next: never) => unknown;

interface Mounted {
  readonly name: string;
  readonly table: readonly RouteEntry[];
  /** Where the group's OpenAPI definitions go in the app's registry. */
  readonly at: number;
  readonly load: () => Promise<Built>;
}

interface Built {
  readonly handlers: readonly Handler[];
  readonly definitions: OpenAPIHono<AppEnv>['openAPIRegistry']['definitions'];
  readonly routes: readonly RouteEntry[];
}

export class LazyRoutes {
  readonly #app: OpenAPIHono<AppEnv>;
  readonly #mounted: Mounted[] = [];
  #documented: Promise<void> | undefined;
  /** When false, a group whose table does not match is built anyway (for `npm run routes`, which rewrites the tables). */
  readonly #checkTables: boolean;

  constructor(app: OpenAPIHono<AppEnv>, options: { checkTables?: boolean } = {}) {
    this.#app = app;
    this.#checkTables = options.checkTables ?? true;
  }

  /** Registers `table`'s routes on the app now; `build` makes the group on the first request one of them gets. */
  mount(name: string, table: readonly RouteEntry[], build: () => Promise<Group>): void {
    let built: Built | undefined;
    let loading: Promise<Built> | undefined;
    const load = (): Promise<Built> =>
      (loading ??= build().then((group) => {
        const holder = new OpenAPIHono<AppEnv>({ defaultHook: this.#app.defaultHook });
        holder.route('/', group);
        const routes = holder.routes.map((r): RouteEntry => [r.method, r.path]);
        if (this.#checkTables && JSON.stringify(routes) !== JSON.stringify(table)) throw new Error(`the route table of '${name}' does not match its routes: run npm run routes`);
        built = { handlers: holder.routes.map((r) => r.handler as Handler), definitions: holder.openAPIRegistry.definitions, routes };
        return built;
      }));
    this.#mounted.push({ name, table, at: this.#definitions().length, load });
    table.forEach(([method, path], i) => {
      this.#app.on(method, path, (c, next) => (built ? built.handlers[i]!(c as never, next as never) : load().then((b) => b.handlers[i]!(c as never, next as never))) as Response);
    });
  }

  /** Builds the group named `name` now (as its first request would): what start-up leaves to after listening (server.ts). */
  async load(name: string): Promise<void> {
    const group = this.#mounted.find((m) => m.name === name);
    if (!group) throw new Error(`no route group '${name}'`);
    await group.load();
  }

  /** Builds every group and puts their OpenAPI definitions where mounting them eagerly would have (once). */
  loadAll(): Promise<void> {
    return (this.#documented ??= Promise.all(this.#mounted.map((m) => m.load())).then((built) => {
      const definitions = this.#definitions();
      // From the last: a group's position counts the definitions registered before it, not those of earlier groups.
      for (let i = built.length - 1; i >= 0; i--) definitions.splice(this.#mounted[i]!.at, 0, ...built[i]!.definitions);
    }));
  }

  /**
   * The registry's own list (zod-to-openapi's `definitions` getter returns a copy, and the registry has no way to put a
   * definition anywhere but at the end): the committed document's test and GET /openapi.json's pin what it gives.
   */
  #definitions(): unknown[] {
    return (this.#app.openAPIRegistry as unknown as { _definitions: unknown[] })._definitions;
  }

  /** Each group's routes as built (building every group): what `npm run routes` writes into route-table.ts. */
  async tables(): Promise<Record<string, readonly RouteEntry[]>> {
    const built = await Promise.all(this.#mounted.map((m) => m.load()));
    return Object.fromEntries(this.#mounted.map((m, i) => [m.name, built[i]!.routes]));
  }
}
