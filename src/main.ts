/**
 * @module
 * Command line: flags + env + config file → start(); prints the endpoint; SIGTERM/SIGINT stop it cleanly.
 */
import { readFileSync } from 'node:fs';
import { cliDefaults, gatherConfig, type StartupOrigins } from './config.ts';
import { CONFIG_FILE, SETTING_LIST } from './settings.ts';
import { type HeapTrim, startHeapTrim } from './heap-trim.ts';
import { start } from './server.ts';

/** `--help`: every flag of the settings table, with its variable. */
function usage(): string {
  const rows: Array<[string, string]> = [CONFIG_FILE, ...SETTING_LIST.filter((s) => s.flag), { flag: 'version', help: "print localfc's version" }, { flag: 'help', help: 'print this' }].map(
    (s: { flag?: string; arg?: string; help: string; env?: string }) => [`--${s.flag}${s.arg ? ` ${s.arg}` : ''}`, `${s.help}${s.env ? ` [${s.env}]` : ''}`],
  );
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  return `Usage: localfc [--flag value ...]
A local stand-in for Alibaba Cloud Function Compute 3.0: point the official SDK at the printed endpoint.

Flags ([environment variable]; each setting is also a config-file key, see the README's Settings):
${rows.map(([flag, help]) => `  ${flag.padEnd(width)}${help}\n`).join('')}`;
}

/** package.json sits one level above both src/ (tsx) and dist/ (the build). */
function localfcVersion(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** heap-trim.ts's first look at a quiet process comes 1 s after start-up's last collection anyway. */
const HEAP_TRIM_START_MS = 1000;

async function main(): Promise<void> {
  if (process.argv.includes('--version') || process.argv.includes('-v')) {
    process.stdout.write(`${localfcVersion()}\n`);
    return;
  }
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(usage());
    return;
  }
  let raw: Record<string, unknown>;
  const startupOrigins: StartupOrigins = {};
  try {
    raw = gatherConfig(process.argv.slice(2), process.env, startupOrigins);
  } catch (e) {
    process.stderr.write(`localfc: ${(e as Error).message}\n`);
    process.exit(2);
  }
  const running = await start({ ...cliDefaults(), ...raw }, { startupOrigins }).catch((e: unknown) => {
    process.stderr.write(`localfc: ${(e as Error).message}\n`);
    process.exit(1);
  });
  const cfg = running.localfc;
  // With publicUrl (a mapped port: `docker run -p 9537:9000`) clients reach localfc there, not at the address it listens
  // on: the endpoint and dashboard printed are the ones to copy (start() has validated it).
  const reachedAt = typeof raw.publicUrl === 'string' ? new URL(raw.publicUrl).origin : running.url;
  const dashboard = `${reachedAt}/_localfc/ui${raw.adminToken ? '?token=<admin token>' : ''}`;
  const endpoint = reachedAt === running.url ? running.endpoint : new URL(reachedAt).host;
  // The listening URL is followed by a space, as before: scripts read it with /listening on (http:\/\/\S+)/.
  process.stdout.write(`localfc listening on ${running.url} (${reachedAt === running.url ? '' : `reached at ${reachedAt}; `}SDK endpoint: ${endpoint}, protocol: http; clock: ${cfg.clock.kind}; backend: ${await cfg.describeBackend()}; dashboard: ${dashboard})\n`);
  // This process is localfc's own: give the heap back once a burst is over (heap-trim.ts). Started a second later, when
  // its first look would come anyway: its modules (node:v8, node:perf_hooks) are no part of answering the first request.
  let heapTrim: HeapTrim | undefined;
  const trimStart = setTimeout(() => (heapTrim = startHeapTrim()), HEAP_TRIM_START_MS).unref();
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`localfc: ${signal} received, stopping\n`);
    clearTimeout(trimStart);
    heapTrim?.stop();
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
