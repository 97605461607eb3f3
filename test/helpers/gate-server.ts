/**
 * @module
 * A test's hold on a handler, so a test drives it step by step without sleeps: the handler asks
 * `GET http://127.0.0.1:PORT/wait/<name>` and gets its answer only once the test opened that gate (`open(name)`);
 * `GET /note/<what>` is answered at once and resolves `noted(what)`, so the test can wait for something the handler saw.
 */
import { createServer } from 'node:http';

export interface GateServer {
  readonly port: number;
  /** Lets every handler waiting at (or later asking for) gate `name` go on. */
  open(name: string): void;
  /** Resolves once the handler has noted `what`. */
  noted(what: string): Promise<void>;
  close(): Promise<void>;
}

export async function gateServer(): Promise<GateServer> {
  const gates = new Map<string, { opened: Promise<void>; open: () => void }>();
  const gate = (name: string) => {
    let g = gates.get(name);
    if (!g) {
      let open!: () => void;
      const opened = new Promise<void>((r) => (open = r));
      g = { opened, open };
      gates.set(name, g);
    }
    return g;
  };
  const server = createServer((req, res) => {
    const [, verb = '', name = ''] = (req.url ?? '/').split('/');
    if (verb === 'note') {
      gate(`note:${name}`).open();
      return res.end('ok');
    }
    void gate(name).opened.then(() => res.end('open'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    open: (name) => gate(name).open(),
    noted: (what) => gate(`note:${what}`).opened,
    close: () => new Promise<void>((r) => (server.close(() => r()), server.closeAllConnections())),
  };
}
