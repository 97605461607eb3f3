/**
 * @module
 * Imported first by a test file: Node.js's own fetch() runs before any import of the undici package, so undici's
 * process-wide global dispatcher is the Agent of the older undici built into Node.js, as in the bundled server
 * (`npm start`), where the first outbound request is Node's fetch. Code that hands undici's current handler API to the
 * global dispatcher then fails ("invalid onError method"), as it did for container invocations.
 */
await fetch('data:,first').then((r) => r.arrayBuffer());
const dispatcher = (globalThis as Record<symbol, unknown>)[Symbol.for('undici.globalDispatcher.1')];
if (!dispatcher) throw new Error('Node.js fetch() set no global dispatcher: this Node.js version works otherwise');
