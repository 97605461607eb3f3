/**
 * @module
 * The floor of any forwarder at all, in a process of its own: each client connection is spliced to a connection of
 * its own to the target origin given on the command line (`node --import tsx bench/pipe-floor.ts http://host:port`)
 * with `socket.pipe()`, reading no HTTP. It can add no header, count no concurrency, time nothing out and log nothing,
 * so no stand-in can be this cheap; it shows what two sockets' worth of system calls in one Node.js event loop cost
 * on this machine beside the handler called directly. Prints `listening on …`.
 */
import net, { type AddressInfo } from 'node:net';

const target = new URL(process.argv[2] ?? 'http://127.0.0.1:9000');
const server = net.createServer((client) => {
  const upstream = net.connect(Number(target.port), target.hostname);
  client.setNoDelay(true);
  upstream.setNoDelay(true);
  client.pipe(upstream).pipe(client);
  client.on('error', () => upstream.destroy()).on('close', () => upstream.destroy());
  upstream.on('error', () => client.destroy()).on('close', () => client.destroy());
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
