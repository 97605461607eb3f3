/**
 * @module
 * The host interpreters that stand in for FC's runtimes (the process backend runs nodejs* on localfc's own Node.js and
 * python* on the host's python3): where they are, and which version each is, so the timeline can say so.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
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

/** Asks a Python command for its real executable and version; undefined when it does not run (a pyenv shim of a version not selected, say). */
function askPython(command: string): Promise<Interpreter | undefined> {
  return new Promise((resolve) => {
    execFile(command, ['-c', 'import sys, platform; print(sys.executable); print(platform.python_version())'], { timeout: 60_000 }, (err, stdout) => {
      const [path, version] = stdout.trim().split('\n');
      resolve(err || !path || !version ? undefined : { path, version });
    });
  });
}

/** Where a Python `3.X` may be besides PATH: pyenv's installed versions (`$PYENV_ROOT`, else ~/.pyenv), newest patch first. */
function pyenvCandidates(minor: string): string[] {
  const root = process.env.PYENV_ROOT || join(homedir(), '.pyenv');
  let versions: string[];
  try {
    versions = readdirSync(join(root, 'versions'));
  } catch {
    return [];
  }
  const patch = (v: string) => Number(v.slice(minor.length + 1));
  return versions.filter((v) => new RegExp(`^${minor.replace('.', '\\.')}\\.\\d+$`).test(v)).sort((a, b) => patch(b) - patch(a)).map((v) => join(root, 'versions', v, 'bin', `python${minor}`));
}

/** The machine's Node.js (the one running localfc) and Pythons (per runtime's minor version, else the configured command), each asked once. */
export class HostInterpreters {
  #python?: Promise<Interpreter | undefined>;
  readonly #byMinor = new Map<string, Promise<Interpreter | undefined>>();

  constructor(private readonly pythonCommand: string) {}

  node(): Interpreter {
    return { path: process.execPath, version: process.versions.node };
  }

  /** The configured Python command (default `python3`). */
  python(): Promise<Interpreter | undefined> {
    return (this.#python ??= askPython(this.pythonCommand));
  }

  /**
   * The Python of runtime `python3.X`'s own minor version when the machine has one (`python3.X` on PATH, then pyenv's
   * versions), else undefined: FC runs the exact version, and a 3.11 would take syntax a 3.9 refuses.
   */
  pythonFor(runtime: string): Promise<Interpreter | undefined> {
    const minor = /^python(3\.\d+)$/.exec(runtime)?.[1];
    if (!minor) return Promise.resolve(undefined);
    let found = this.#byMinor.get(minor);
    if (!found) {
      found = (async () => {
        for (const candidate of [resolveOnPath(`python${minor}`), ...pyenvCandidates(minor)]) {
          if (!candidate || /^\/(code|opt|tmp)(\/|$)/.test(candidate)) continue;
          const i = await askPython(candidate);
          if (i && (i.version === minor || i.version.startsWith(`${minor}.`))) return i;
        }
        return undefined;
      })();
      this.#byMinor.set(minor, found);
    }
    return found;
  }
}

/** How the timeline names the interpreter standing in for a runtime: `Python 3.11.7 (/usr/bin/python3.11)`. */
export const describe = (language: 'nodejs' | 'python', i: Interpreter): string => `${language === 'nodejs' ? 'Node.js' : 'Python'} ${i.version} (${i.path})`;
