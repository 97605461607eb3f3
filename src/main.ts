/**
 * @module
 * Command line: flags + env + config file → start(); prints the endpoint; SIGTERM/SIGINT stop it cleanly.
 */
import { gatherConfig } from './config.ts';
import { start } from './server.ts';

async function main(): Promise<void> {
  let raw: Record<string, unknown>;
  try {
    raw = gatherConfig(process.argv.slice(2), process.env);
  } catch (e) {
    process.stderr.write(`localfc: ${(e as Error).message}\n`);
    process.exit(2);
  }
  const running = await start({ port: 9000, log: 'text', ...raw }).catch((e: unknown) => {
    process.stderr.write(`localfc: ${(e as Error).message}\n`);
    process.exit(1);
  });
  const cfg = running.localfc;
  process.stdout.write(`localfc listening on ${running.url} (SDK endpoint: ${running.endpoint}, protocol: http; clock: ${cfg.clock.kind})\n`);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`localfc: ${signal} received, stopping\n`);
    running.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`localfc: error while stopping: ${String(e)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main();
