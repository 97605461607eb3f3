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

export interface Interpreter {
  /** The real executable (symlinks and shims resolved where the interpreter reports it). */
  readonly path: string;
  readonly version: string;
}

/** The machine's Node.js (the one running localfc) and Python (the configured command, asked once). */
export class HostInterpreters {
  #python?: Promise<Interpreter | undefined>;

  constructor(private readonly pythonCommand: string) {}

  node(): Interpreter {
    return { path: process.execPath, version: process.versions.node };
  }

  python(): Promise<Interpreter | undefined> {
    return (this.#python ??= new Promise((resolve) => {
      execFile(this.pythonCommand, ['-c', 'import sys, platform; print(sys.executable); print(platform.python_version())'], { timeout: 60_000 }, (err, stdout) => {
        const [path, version] = stdout.trim().split('\n');
        resolve(err || !path || !version ? undefined : { path, version });
      });
    }));
  }
}

/** How the timeline names the interpreter standing in for a runtime: `Python 3.11.7 (/usr/bin/python3.11)`. */
export const describe = (language: 'nodejs' | 'python', i: Interpreter): string => `${language === 'nodejs' ? 'Node.js' : 'Python'} ${i.version} (${i.path})`;
