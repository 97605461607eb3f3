/**
 * @module
 * An ssh:// engine for the tests: an sshd of our own (Debian's openssh-server) with a generated host key, in front of
 * a Docker engine's unix socket, so that `ssh … docker system dial-stdio` reaches that engine. Either inside the TLS
 * test engine's network namespace (only the remote path works) or on 127.0.0.1 in front of a local socket. Client
 * keys: one that logs in, one whose session has no docker on PATH, one the server does not know. The client side is
 * an ssh_config file (`-F`) naming the server as a Host alias, with its own known_hosts and no agent.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { which } from './host-commands.ts';
import { waitFor } from './wait.ts';
import { unclaimedPort } from './ports.ts';

export interface SshGate {
  /** The Host alias of the ssh_config (its HostName is the sshd's address). */
  readonly alias: string;
  /** Where sshd listens. */
  readonly ip: string;
  readonly port: number;
  /** ssh options for a client logging in with `key` ('ok' by default); `knownHosts: false` leaves the host key unknown. */
  options(key?: 'ok' | 'nodocker' | 'stranger', knownHosts?: boolean): string[];
  stop(): Promise<void>;
}

/** Pids of this process's `ssh` children: one per open connection. */
export function sshChildren(): number[] {
  const pids: number[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const ppid = Number(stat.slice(close + 2).split(' ')[1]);
    if (comm === 'ssh' && ppid === process.pid) pids.push(Number(pid));
  }
  return pids.sort();
}

/** Why this machine cannot run the gate, or undefined. */
export function sshGateUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root (sshd logs in as root)';
  for (const cmd of ['sshd', 'ssh', 'ssh-keygen', 'docker']) if (!which(cmd)) return `${cmd} is not installed (openssh-server, openssh-client, docker CLI)`;
  try {
    execFileSync('docker', ['system', 'dial-stdio', '--help'], { stdio: 'ignore' });
  } catch {
    return 'the docker CLI has no `system dial-stdio`';
  }
  return undefined;
}

/**
 * Starts sshd (well under a second) in front of `dockerSocket`. `netns`: run it in that network namespace, listening
 * on `ip` there; otherwise on 127.0.0.1.
 */
export async function startSshGate(dockerSocket: string, at: { netns: string; ip: string } | undefined = undefined, opts = { maxStartups: 10 }): Promise<SshGate> {
  const dir = mkdtempSync(join(tmpdir(), 'localfc-sshd-'));
  const ip = at?.ip ?? '127.0.0.1';
  // sshd binds it later: a port below the ephemeral range, which other test files' servers on port 0 cannot take meanwhile.
  const port = at ? 22 : await unclaimedPort();
  const alias = `localfc-engine-${process.pid}`;
  const keygen = (file: string): string => {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', file, '-f', join(dir, file)]);
    return readFileSync(join(dir, `${file}.pub`), 'utf8').trim();
  };
  let sshd: ChildProcess | undefined;
  const stop = async (): Promise<void> => {
    if (sshd && sshd.exitCode === null && sshd.signalCode === null) {
      const exited = once(sshd, 'exit');
      sshd.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const hostKey = keygen('host_key');
    const dockerBin = dirname(which('docker')!);
    // The session's environment comes from the key's line (PermitUserEnvironment): the engine's socket, and a PATH
    // with or without the docker CLI.
    writeFileSync(join(dir, 'authorized_keys'), [
      `environment="DOCKER_HOST=unix://${dockerSocket}",environment="PATH=${dockerBin}:/usr/bin:/bin" ${keygen('id_ok')}`,
      `environment="PATH=/nonexistent" ${keygen('id_nodocker')}`,
    ].join('\n') + '\n');
    keygen('id_stranger');
    writeFileSync(join(dir, 'sshd_config'), [
      `Port ${port}`, `ListenAddress ${ip}`, `HostKey ${join(dir, 'host_key')}`, `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`, 'PermitRootLogin prohibit-password', 'PasswordAuthentication no',
      'KbdInteractiveAuthentication no', 'UsePAM no', 'StrictModes no', 'PermitUserEnvironment yes', 'PrintMotd no', 'X11Forwarding no',
      // Refuses every connection beyond `maxStartups` unauthenticated ones (the default, 10:30:100, refuses at random
      // beyond 10): what a client that does not hold back its handshakes runs into, every time.
      `MaxStartups ${opts.maxStartups}:100:${opts.maxStartups}`,
    ].join('\n') + '\n');
    writeFileSync(join(dir, 'known_hosts'), `${port === 22 ? ip : `[${ip}]:${port}`} ${hostKey}\n`);
    writeFileSync(join(dir, 'no_known_hosts'), '');
    writeFileSync(join(dir, 'ssh_config'), [
      `Host ${alias}`, `  HostName ${ip}`, `  Port ${port}`, '  User root',
      'Host *', '  IdentitiesOnly yes', '  IdentityAgent none', '  StrictHostKeyChecking yes', '  GlobalKnownHostsFile /dev/null', '  ControlMaster no',
    ].join('\n') + '\n');
    mkdirSync('/run/sshd', { recursive: true }); // sshd's privilege separation directory
    const argv = ['-D', '-e', '-f', join(dir, 'sshd_config')];
    const sshdPath = which('sshd')!;
    sshd = at ? spawn('nsenter', [`--net=/var/run/netns/${at.netns}`, sshdPath, ...argv], { stdio: ['ignore', 'ignore', 'pipe'] }) : spawn(sshdPath, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    sshd.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
    const started = sshd;
    await waitFor('sshd to listen', async () => {
      if (started.exitCode !== null) throw new Error(`sshd exited: ${log}`);
      return new Promise<true | undefined>((resolve) => {
        const s = createConnection({ host: ip, port }, () => (s.destroy(), resolve(true)));
        s.on('error', () => resolve(undefined));
      });
    }, 20_000);
    return {
      alias, ip, port, stop,
      options: (key = 'ok', knownHosts = true) => [
        '-F', join(dir, 'ssh_config'), '-i', join(dir, `id_${key}`), '-o', `UserKnownHostsFile=${join(dir, knownHosts ? 'known_hosts' : 'no_known_hosts')}`,
      ],
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
