/**
 * @module
 * Command line: flags + env + config file → start(); prints the endpoint; SIGTERM/SIGINT stop it cleanly.
 */
import { readFileSync } from 'node:fs';
import { gatherConfig } from './config.ts';
import { start } from './server.ts';

const USAGE = `Usage: localfc [--flag value ...]
A local stand-in for Alibaba Cloud Function Compute 3.0: point the official SDK at the printed endpoint.

Common flags (each also has a LOCALFC_* environment variable and a config-file key; see the README's Settings):
  --port 9000               port to listen on (0 picks a free one)
  --host 127.0.0.1          address to listen on (0.0.0.0 in a container; then set --admin-token)
  --backend simulated       simulated | process (run handlers as local processes) | docker (custom containers)
  --clock real              real | manual (time moves only through POST /_localfc/clock/advance)
  --time-scale 1            scale every realistic delay (0.01 = a hundred times faster)
  --data-dir DIR            keep functions, versions, triggers, configs and code across restarts
  --config FILE             JSON config file (faults, scenarios, timing, ...)
  --scenario NAME           turn on a named fault scenario (see GET /_localfc/scenarios)
  --fault phase=effect      a start-up fault, e.g. preparation=error:ImageAccessDenied
  --access-keys id:secret   verify ACS3 signatures against these keys
  --admin-token TOKEN       require it on /_localfc/*
  --log text                text | json | silent
  --version                 print localfc's version
`;

/** package.json sits one level above both src/ (tsx) and dist/ (the build). */
function localfcVersion(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

async function main(): Promise<void> {
  if (process.argv.includes('--version') || process.argv.includes('-v')) {
    process.stdout.write(`${localfcVersion()}\n`);
    return;
  }
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(USAGE);
    return;
  }
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
  const dashboard = `${running.url}/_localfc/ui${raw.adminToken ? '?token=<admin token>' : ''}`;
  process.stdout.write(`localfc listening on ${running.url} (SDK endpoint: ${running.endpoint}, protocol: http; clock: ${cfg.clock.kind}; dashboard: ${dashboard})\n`);
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
