/**
 * @module
 * A second Docker engine the tests start themselves, as a remote engine looks from localfc: dockerd in a network
 * namespace of its own (so its containers' bridge IPs are out of this host's reach and only published ports work),
 * listening on TCP with TLS and client certificates of its own (openssl). Its own data root, exec root, pid file and
 * socket; torn down by the test that started it. Never touches the main engine.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageEngine } from './image-engine.ts';
import { resolveEngineAddress } from '../../src/backends/docker/engine-address.ts';
import { has, unmountUnder } from './host-commands.ts';
import { waitFor } from './wait.ts';

export interface TlsEngine {
  /** DOCKER_HOST / DOCKER_TLS_VERIFY / DOCKER_CERT_PATH for a client of this engine. */
  readonly env: Record<string, string>;
  readonly host: string;
  readonly engine: ImageEngine;
  /** The network namespace the engine runs in, its address there, and its unix socket (reachable from any namespace). */
  readonly netns: string;
  readonly ip: string;
  readonly socket: string;
  stop(): Promise<void>;
}

/** Why this machine cannot run the engine, or undefined. */
export function tlsEngineUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root (ip netns and dockerd need it)';
  for (const cmd of ['dockerd', 'ip', 'nsenter', 'openssl', 'iptables']) if (!has(cmd)) return `${cmd} is not installed`;
  return undefined;
}

const run = (cmd: string, args: string[], cwd?: string): void => {
  execFileSync(cmd, args, { stdio: 'pipe', ...(cwd ? { cwd } : {}) });
};

/** CA, server certificate for `ip`, client certificate: the files DOCKER_CERT_PATH and dockerd --tls* expect. */
function makeCerts(dir: string, ip: string): void {
  const ssl = (...args: string[]) => run('openssl', args, dir);
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localfc-test-ca', '-keyout', 'ca-key.pem', '-out', 'ca.pem');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localfc-test-engine', '-keyout', 'server-key.pem', '-out', 'server.csr');
  writeFileSync(join(dir, 'server.ext'), `subjectAltName=IP:${ip}\nextendedKeyUsage=serverAuth\n`);
  ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-days', '2', '-extfile', 'server.ext', '-out', 'server-cert.pem');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localfc-test-client', '-keyout', 'key.pem', '-out', 'client.csr');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  ssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-days', '2', '-extfile', 'client.ext', '-out', 'cert.pem');
}

/** Starts the engine (about 1-3 s) and waits for its /_ping over TLS. */
export async function startTlsEngine(): Promise<TlsEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'localfc-tls-engine-'));
  // Names and a /30 of our own, from the pid: parallel test runs do not collide.
  const n = process.pid % 250;
  const ns = `lfc-tls-${process.pid}`;
  const [hostIf, nsIf] = [`lfch${process.pid}`.slice(0, 15), `lfcn${process.pid}`.slice(0, 15)];
  const [hostIp, engineIp] = [`10.251.${n}.1`, `10.251.${n}.2`];
  let dockerd: ChildProcess | undefined;
  const teardown = async (): Promise<void> => {
    if (dockerd && dockerd.exitCode === null && dockerd.signalCode === null) {
      const exited = once(dockerd, 'exit');
      dockerd.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
      if (dockerd.exitCode === null && dockerd.signalCode === null) dockerd.kill('SIGKILL');
    }
    // dockerd leaves mounts under its roots behind (netns files, the data root bind): unmount before deleting.
    unmountUnder(dir);
    for (const [cmd, args] of [['ip', ['link', 'del', hostIf]], ['ip', ['netns', 'del', ns]]] as const) try { run(cmd, [...args]); } catch { /* not created */ }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    makeCerts(dir, engineIp);
    run('ip', ['netns', 'add', ns]);
    run('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf]);
    run('ip', ['link', 'set', nsIf, 'netns', ns]);
    run('ip', ['addr', 'add', `${hostIp}/30`, 'dev', hostIf]);
    run('ip', ['link', 'set', hostIf, 'up']);
    for (const args of [['addr', 'add', `${engineIp}/30`, 'dev', nsIf], ['link', 'set', nsIf, 'up'], ['link', 'set', 'lo', 'up']]) run('ip', ['netns', 'exec', ns, 'ip', ...args]);
    // nsenter --net, not `ip netns exec`: that also remounts /sys, hiding the cgroup mounts dockerd needs.
    dockerd = spawn('nsenter', [
      `--net=/var/run/netns/${ns}`, 'dockerd', '--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'), '--pidfile', join(dir, 'dockerd.pid'),
      '-H', `tcp://${engineIp}:2376`, '-H', `unix://${join(dir, 'docker.sock')}`, '--tlsverify', '--tlscacert', join(dir, 'ca.pem'),
      '--tlscert', join(dir, 'server-cert.pem'), '--tlskey', join(dir, 'server-key.pem'), '--storage-driver', 'overlay2',
      // A bridge subnet of its own: its containers' IPs must not alias the main engine's 172.17/16 ones.
      '--bip', `10.252.${n}.1/24`, '--cgroup-parent', `localfc-tls-${process.pid}`, '--userland-proxy=true',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    dockerd.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
    const env = { DOCKER_HOST: `tcp://${engineIp}:2376`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir };
    const engine = new ImageEngine({ address: resolveEngineAddress(env.DOCKER_HOST, env) });
    const started = dockerd;
    await waitFor('the TLS engine to answer', async () => {
      if (started.exitCode !== null) throw new Error(`dockerd exited: ${log}`);
      return engine.ping().then(() => true, () => undefined);
    }, 60_000);
    return {
      env, host: env.DOCKER_HOST, engine, netns: ns, ip: engineIp, socket: join(dir, 'docker.sock'),
      async stop() {
        await engine.close();
        await teardown();
      },
    };
  } catch (e) {
    await teardown();
    throw e;
  }
}
