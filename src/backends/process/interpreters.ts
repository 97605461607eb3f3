/**
 * @module
 * The host interpreters that stand in for FC's runtimes (the process backend runs nodejs* on localfc's own Node.js and
 * python* on the host's python3): where they are, and which version each is, so the timeline can say so.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/** `cmd` as the shell would find it on localfc's PATH; undefined when it is nowhere. */
export function resolveOnPath(cmd: string): string | undefined {
  const candidates = isAbsolute(cmd) ? [cmd] : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, cmd));
  return candidates.find((p) => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** `Python 3.11.7` from `python3 --version`; undefined when it cannot be run. */
export function pythonVersion(python: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(python, ['--version'], { timeout: 30_000 }, (err, stdout, stderr) => resolve(err ? undefined : `${stdout}${stderr}`.trim() || undefined));
  });
}
