/**
 * @module
 * Code at /code and layers at /opt, where FC runs them. Each instance process enters a private mount namespace
 * (util-linux `unshare`; with a user namespace when localfc is not root) whose root is a tmpfs holding the host's
 * top-level directories (bound read-only, so interpreters and libraries stay reachable; /dev, /proc and /sys as they
 * are), the revision's code at /code and its layers at /opt (read-only, as FC mounts them), our bootstraps at
 * /.localfc, and a /tmp (and /dev/shm) of its own: a fresh tmpfs of the function's diskSize, gone with the namespace
 * when the instance's processes end (FC: "/tmp is readable and writable", every other directory is not). `mount -a` sets it all
 * up from one table in one process, the root is made read-only, then the command runs chrooted there, in /code. Every
 * step execs, so the instance's pid stays the code's own (freezing and signals reach it).
 * Hand-written rather than bubblewrap: bwrap forks, so the pid localfc holds would not be the code's.
 * Where the machine does not allow it, the code runs from its real directory and /code, /opt in its environment are
 * rewritten (runtime-env.ts).
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Where our bootstraps (workDir/.bootstrap) are inside the namespace: the host's /tmp, which holds the work dir by default, is not. */
export const BOOTSTRAP_DIR_INSIDE = '/.localfc';

/** Host directories left writable inside: kernel interfaces and devices (/dev/null, /dev/shm), not files a handler could keep. */
const WRITABLE_HOST_DIRS = new Set(['dev', 'proc', 'sys']);
/** Host directories replaced inside: the instance's own code, layers and /tmp. */
const OWN_DIRS = new Set(['code', 'opt', 'tmp']);

export type CodeMode = { readonly mounted: true } | { readonly mounted: false; readonly reason: string };

/** fstab fields escape blanks and backslashes as octal. */
const field = (path: string): string => path.replace(/[\\ \t\n]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);

export class CodeMounts {
  #mode?: Promise<CodeMode>;
  readonly #root: string;

  /** `hostPaths`: what must stay reachable inside (the interpreters): none may lie under /code, /opt or /tmp. */
  constructor(private readonly workDir: string, private readonly hostPaths: readonly string[]) {
    this.#root = join(workDir, '.root');
  }

  /** Whether instances get /code and /opt; found out once, by trying. */
  mode(): Promise<CodeMode> {
    return (this.#mode ??= this.#probe());
  }

  /** Writes the mount table for a revision's code and layer directories and its instances' /tmp of `tmpMb` MB; returns its path. */
  async writeTable(codeDir: string, optDir: string, tableDir: string, tmpMb: number): Promise<string> {
    await mkdir(this.#root, { recursive: true });
    await mkdir(optDir, { recursive: true });
    await mkdir(tableDir, { recursive: true });
    const root = this.#root;
    const lines = [`localfc-root ${field(root)} tmpfs mode=755 0 0`];
    for (const e of readdirSync('/', { withFileTypes: true })) {
      if (OWN_DIRS.has(e.name) || !(e.isDirectory() || e.isSymbolicLink())) continue;
      lines.push(`${field(`/${e.name}`)} ${field(join(root, e.name))} none rbind${WRITABLE_HOST_DIRS.has(e.name) ? '' : ',ro'},X-mount.mkdir 0 0`);
    }
    lines.push(`${field(codeDir)} ${field(join(root, 'code'))} none bind,ro,X-mount.mkdir 0 0`);
    lines.push(`${field(optDir)} ${field(join(root, 'opt'))} none bind,ro,X-mount.mkdir 0 0`);
    lines.push(`${field(join(this.workDir, '.bootstrap'))} ${field(join(root, BOOTSTRAP_DIR_INSIDE))} none bind,ro,X-mount.mkdir 0 0`);
    lines.push(`localfc-tmp ${field(join(root, 'tmp'))} tmpfs size=${tmpMb}m,mode=1777,X-mount.mkdir 0 0`);
    // The host's /dev stays (devices), but not its shared memory, which would be a /tmp shared with every process.
    if (existsSync('/dev/shm')) lines.push(`localfc-shm ${field(join(root, 'dev', 'shm'))} tmpfs mode=1777 0 0`);
    const table = join(tableDir, 'fstab');
    await writeFile(table, `${lines.join('\n')}\n`);
    return table;
  }

  /** The command that runs `cmd args` in /code of a namespace built from `table`. */
  wrap(table: string, cmd: string, args: readonly string[]): { cmd: string; args: string[] } {
    const userns = process.getuid?.() === 0 ? [] : ['--user', '--map-root-user'];
    const script = 't=$1 r=$2; shift 2; unset PWD OLDPWD; mount -a -T "$t" && mount -o remount,bind,ro "$r" && exec chroot "$r" env -C /code "$@"';
    return { cmd: 'unshare', args: [...userns, '--mount', '--propagation', 'private', 'sh', '-c', script, 'localfc-enter', table, this.#root, cmd, ...args] };
  }

  async #probe(): Promise<CodeMode> {
    if (process.platform !== 'linux') return { mounted: false, reason: 'private mount namespaces need Linux' };
    const hidden = this.hostPaths.find((p) => /^\/(code|opt|tmp)(\/|$)/.test(p));
    if (hidden) return { mounted: false, reason: `${hidden} lies under /code, /opt or /tmp, which the instance's own directories would hide` };
    const dir = await mkdtemp(join(this.workDir, '.probe-'));
    try {
      await writeFile(join(dir, 'marker'), 'ok');
      const table = await this.writeTable(dir, join(dir, '.opt'), join(dir, '.table'), 1);
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
