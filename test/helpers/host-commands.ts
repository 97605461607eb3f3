/**
 * @module
 * What the tests' own engines (tls-engine.ts, podman-engine.ts, ssh-engine.ts) ask of this machine: whether a command is installed,
 * and unmounting what an engine left mounted under its temp dir before the dir is deleted.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Where `cmd` is on PATH, or undefined. */
export const which = (cmd: string): string | undefined => {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
};

export const has = (cmd: string): boolean => which(cmd) !== undefined;

/** Lazily unmounts every mount at or under `dir`, deepest first (engines leave their storage and netns mounts). */
export function unmountUnder(dir: string): void {
  const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(dir)).reverse();
  for (const m of mounts) try { execFileSync('umount', ['-l', m], { stdio: 'ignore' }); } catch { /* already gone */ }
}
