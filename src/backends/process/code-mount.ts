/**
 * @module
 * Code at /code and layers at /opt, where FC runs them. Each instance process enters a private mount namespace
 * (util-linux `unshare`; with a user namespace when localfc is not root) whose root is a tmpfs holding the host's
 * top-level directories (bound, so interpreters and libraries stay reachable) plus the revision's code at /code and
 * its layers at /opt; `mount -a` sets it all up from one table in one process, then the command runs chrooted there,
 * in /code. Every step execs, so the instance's pid stays the code's own (freezing and signals reach it).
 * Hand-written rather than bubblewrap: bwrap forks, so the pid localfc holds would not be the code's.
 * Where the machine does not allow it, the code runs from its real directory and /code, /opt in its environment are
 * rewritten (runtime-env.ts).
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export type CodeMode = { readonly mounted: true } | { readonly mounted: false; readonly reason: string };

/** fstab fields escape blanks and backslashes as octal. */
const field = (path: string): string => path.replace(/[\\ \t\n]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);

export class CodeMounts {
  #mode?: Promise<CodeMode>;
  readonly #root: string;

  /** `hostPaths`: what must stay reachable inside (interpreters, the bootstraps): none may lie under /code or /opt. */
  constructor(private readonly workDir: string, private readonly hostPaths: readonly string[]) {
    this.#root = join(workDir, '.root');
  }

  /** Whether instances get /code and /opt; found out once, by trying. */
  mode(): Promise<CodeMode> {
    return (this.#mode ??= this.#probe());
  }

  /** Writes the mount table for a revision's code and layer directories; returns its path. */
  async writeTable(codeDir: string, optDir: string, tableDir: string): Promise<string> {
    await mkdir(this.#root, { recursive: true });
    await mkdir(optDir, { recursive: true });
    await mkdir(tableDir, { recursive: true });
    const root = this.#root;
    const lines = [`localfc-root ${field(root)} tmpfs mode=755 0 0`];
    for (const e of readdirSync('/', { withFileTypes: true })) {
      if (e.name === 'code' || e.name === 'opt' || !(e.isDirectory() || e.isSymbolicLink())) continue;
      lines.push(`${field(`/${e.name}`)} ${field(join(root, e.name))} none rbind,X-mount.mkdir 0 0`);
    }
    lines.push(`${field(codeDir)} ${field(join(root, 'code'))} none bind,X-mount.mkdir 0 0`);
    lines.push(`${field(optDir)} ${field(join(root, 'opt'))} none bind,X-mount.mkdir 0 0`);
    const table = join(tableDir, 'fstab');
    await writeFile(table, `${lines.join('\n')}\n`);
    return table;
  }

  /** The command that runs `cmd args` in /code of a namespace built from `table`. */
  wrap(table: string, cmd: string, args: readonly string[]): { cmd: string; args: string[] } {
    const userns = process.getuid?.() === 0 ? [] : ['--user', '--map-root-user'];
    const script = 't=$1 r=$2; shift 2; unset PWD OLDPWD; mount -a -T "$t" && exec chroot "$r" env -C /code "$@"';
    return { cmd: 'unshare', args: [...userns, '--mount', '--propagation', 'private', 'sh', '-c', script, 'localfc-enter', table, this.#root, cmd, ...args] };
  }

  async #probe(): Promise<CodeMode> {
    if (process.platform !== 'linux') return { mounted: false, reason: 'private mount namespaces need Linux' };
    const hidden = this.hostPaths.find((p) => /^\/(code|opt)(\/|$)/.test(p));
    if (hidden) return { mounted: false, reason: `${hidden} lies under /code or /opt, which the instance's own directories would hide` };
    const dir = await mkdtemp(join(this.workDir, '.probe-'));
    try {
      await writeFile(join(dir, 'marker'), 'ok');
      const table = await this.writeTable(dir, join(dir, '.opt'), join(dir, '.table'));
      const { cmd, args } = this.wrap(table, 'cat', ['/code/marker']);
      const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c: Buffer) => (stdout += c));
        child.stderr.on('data', (c: Buffer) => (stderr += c));
        child.on('error', (e) => resolve({ code: null, stdout, stderr: e.message }));
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
      return out.code === 0 && out.stdout === 'ok' ? { mounted: true } : { mounted: false, reason: `no private mount namespace here (${(out.stderr.trim().split('\n').pop() || `exit ${out.code}`).slice(0, 200)})` };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
