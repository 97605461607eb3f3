/**
 * @module
 * Podman's Docker-compatible API service as an engine the tests start themselves: `podman system service` on a
 * private socket, with a containers.conf and storage.conf written into its own temp dir (CONTAINERS_CONF,
 * CONTAINERS_STORAGE_CONF), so nothing under /etc or /var/lib/containers is read or changed. Its storage, run state,
 * events log and network config live in that dir; its default network gets a bridge name and subnet of its own, so
 * parallel runs (and the Docker engines) do not collide. Torn down by the test that started it: its containers are
 * removed through the API (netavark then removes their iptables rules and the bridge), the service is stopped by pid.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageEngine } from './image-engine.ts';
import { has, unmountUnder } from './host-commands.ts';
import { waitFor } from './wait.ts';

export interface PodmanEngine {
  /** DOCKER_HOST for a client of this engine. */
  readonly env: Record<string, string>;
  readonly host: string;
  readonly engine: ImageEngine;
  /** `podman` with this engine's configuration (for the steps a user would do with the CLI). */
  podman(args: string[]): string;
  stop(): Promise<void>;
}

/** Why this machine cannot run the engine, or undefined. */
export function podmanUnavailable(): string | undefined {
  if (!has('podman')) return 'podman not installed: apt-get install -y podman netavark';
  if (process.getuid?.() !== 0) return 'not root (a rootful podman service with a bridge network of its own needs it)';
  return undefined;
}

/** This process's hard limit named `name` in /proc/self/limits ("Max open files"); undefined when unlimited. */
function hardLimit(name: string): number | undefined {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith(name));
  const hard = line?.slice(name.length).trim().split(/\s+/)[1];
  return hard && /^\d+$/.test(hard) ? Number(hard) : undefined;
}

/**
 * containers.conf for this service. Each setting is one this machine needs (a container without systemd, cgroups v1,
 * no CAP_SYS_RESOURCE) or one that keeps the service's state in `dir`:
 * - default_ulimits: podman raises a rootful container's RLIMIT_NOFILE and RLIMIT_NPROC to the kernel's maximum,
 *   which needs CAP_SYS_RESOURCE; without it every container fails ("error setting rlimit type 6/7: operation not
 *   permitted"). The limits this process has are allowed (nproc capped at 32768: the service lowers its own to that).
 * - cgroup_manager cgroupfs and events_logger file: there is no systemd (the defaults, systemd and journald, need it).
 */
function containersConf(dir: string, network: string): string {
  const nofile = Math.min(hardLimit('Max open files') ?? 1_048_576, 1_048_576);
  const nproc = Math.min(hardLimit('Max processes') ?? 32_768, 32_768);
  return [
    '[containers]',
    `default_ulimits = ["nofile=${nofile}:${nofile}", "nproc=${nproc}:${nproc}"]`,
    '[engine]',
    'cgroup_manager = "cgroupfs"',
    'events_logger = "file"',
    `events_logfile_path = "${join(dir, 'events.log')}"`,
    `tmp_dir = "${join(dir, 'tmp')}"`,
    `volume_path = "${join(dir, 'volumes')}"`,
    '[network]',
    'network_backend = "netavark"',
    `network_config_dir = "${join(dir, 'networks')}"`,
    `default_network = "${network}"`,
    '',
  ].join('\n');
}

/** Starts the service (about 1 s) and waits for its /_ping. */
export async function startPodmanEngine(): Promise<PodmanEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'localfc-podman-'));
  const n = process.pid % 250;
  // Its own name too: netavark names its firewall chains after the network, and a second service's teardown would
  // remove the chains of a network both call "podman".
  const network = `localfc-${process.pid}`;
  const bridge = `lfcpm${process.pid}`.slice(0, 15);
  const env = { ...process.env, CONTAINERS_CONF: join(dir, 'containers.conf'), CONTAINERS_STORAGE_CONF: join(dir, 'storage.conf') };
  writeFileSync(env.CONTAINERS_CONF, containersConf(dir, network));
  writeFileSync(env.CONTAINERS_STORAGE_CONF, ['[storage]', 'driver = "overlay"', `runroot = "${join(dir, 'run')}"`, `graphroot = "${join(dir, 'storage')}"`, ''].join('\n'));
  // The default network, as a config file: podman's built-in one is always the bridge podman0 on 10.88.0.0/16,
  // which a second service (another test run) would share. A bridge and a /24 of our own instead (10.253/16 is used
  // by no other engine of the tests).
  mkdirSync(join(dir, 'networks'));
  writeFileSync(join(dir, 'networks', `${network}.json`), JSON.stringify({
    name: network, id: randomBytes(32).toString('hex'), driver: 'bridge', network_interface: bridge, created: new Date().toISOString(),
    subnets: [{ subnet: `10.253.${n}.0/24`, gateway: `10.253.${n}.1` }], ipv6_enabled: false, internal: false, dns_enabled: false,
    ipam_options: { driver: 'host-local' },
  }));
  const socket = join(dir, 'podman.sock');
  let service: ChildProcess | undefined;
  const engine = new ImageEngine({ host: `unix://${socket}` });
  const teardown = async (): Promise<void> => {
    if (service && service.exitCode === null && service.signalCode === null) {
      // Its containers first, through the API: netavark removes their firewall rules and the bridge with the last one.
      const left = await engine.listContainers({ all: true }).catch(() => []);
      await Promise.all(left.map((c) => engine.removeContainer(c.id, { force: true }).catch(() => undefined)));
      const exited = once(service, 'exit');
      service.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
      if (service.exitCode === null && service.signalCode === null) service.kill('SIGKILL');
    }
    await engine.close();
    // The overlay driver mounts its layers (and its home, privately) under the dir: unmount before deleting.
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // Its output to a file, not a pipe: the containers' conmon processes inherit it and would hold a pipe open.
    const log = openSync(join(dir, 'service.log'), 'w');
    service = spawn('podman', ['system', 'service', '--time=0', `unix://${socket}`], { env, stdio: ['ignore', log, log] });
    closeSync(log);
    const started = service;
    await waitFor('the podman service to answer', async () => {
      if (started.exitCode !== null) throw new Error(`podman system service exited: ${readFileSync(join(dir, 'service.log'), 'utf8').slice(-4000)}`);
      return engine.ping().then(() => true, () => undefined);
    }, 60_000);
    return {
      env: { DOCKER_HOST: `unix://${socket}` }, host: `unix://${socket}`, engine,
      podman: (args) => execFileSync('podman', args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
      stop: teardown,
    };
  } catch (e) {
    await teardown();
    throw e;
  }
}
