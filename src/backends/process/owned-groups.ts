/**
 * @module
 * What a localfc's process backend has running, recorded outside the process so a localfc killed with SIGKILL does not
 * leave its instances running (idle ones SIGSTOPped) forever: one small file per instance process group in a directory
 * every localfc of this user on this machine shares, whatever its --data-dir. Each names the owner (pid + start time)
 * and the group (pgid + its leader's start time). At start-up a backend reaps the groups whose owner is dead; a live
 * localfc's are never touched, and start times keep a process that reused a pid safe.
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { groupMembers, procStat } from '../../os/proc-stat.ts';
import { signalGroup } from './process-group.ts';

interface OwnedRecord {
  readonly owner: { readonly pid: number; readonly start: string };
  readonly pgid: number;
  readonly start: string;
  /** Pids and start times mean something only on this machine since this boot. */
  readonly host: string;
  readonly boot: string;
}

function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

/** The shared directory: per user, mode 0700; undefined (records off) where it is not safely ours, e.g. a link someone else made in /tmp. */
function ownedDir(): string | undefined {
  const uid = process.getuid?.();
  if (uid === undefined || process.platform !== 'linux') return undefined;
  const dir = join(tmpdir(), `localfc-owned-${uid}`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    return st.isDirectory() && st.uid === uid && (st.mode & 0o022) === 0 ? dir : undefined;
  } catch {
    return undefined;
  }
}

export class OwnedGroups {
  readonly #dir = ownedDir();
  readonly #owner = { pid: process.pid, start: procStat(process.pid)?.start ?? '' };
  readonly #host = hostname();
  readonly #boot = bootId();

  #file(pgid: number): string {
    return join(this.#dir!, `${this.#owner.pid}-${this.#owner.start}-${pgid}.json`);
  }

  /** Records a group just spawned (its leader's pid is the pgid). */
  add(pgid: number): void {
    const start = procStat(pgid)?.start;
    if (!this.#dir || !start || !this.#owner.start) return;
    const record: OwnedRecord = { owner: this.#owner, pgid, start, host: this.#host, boot: this.#boot };
    try {
      writeFileSync(this.#file(pgid), JSON.stringify(record));
    } catch {
      /* no record: only a crash of this localfc would leave the group behind */
    }
  }

  /** The group has ended. */
  remove(pgid: number): void {
    if (this.#dir) rmSync(this.#file(pgid), { force: true });
  }

  /** Kills the groups of localfcs that died (SIGCONT + SIGKILL, so a frozen group dies too); returns the pids killed. */
  async reapOrphans(): Promise<number[]> {
    const dir = this.#dir;
    if (!dir) return [];
    const killed: number[] = [];
    for (const name of readdirSync(dir)) {
      const file = join(dir, name);
      let r: OwnedRecord;
      try {
        r = JSON.parse(readFileSync(file, 'utf8')) as OwnedRecord;
      } catch {
        continue; // being written by a live localfc, or not ours to judge
      }
      if (r.host !== this.#host || r.boot !== this.#boot) {
        if (r.boot !== this.#boot) rmSync(file, { force: true }); // from before a reboot: nothing of it runs
        continue;
      }
      const owner = procStat(r.owner.pid);
      if (owner && owner.start === r.owner.start && owner.state !== 'Z') continue; // a live localfc's
      const members = this.#members(r);
      if (members.length) {
        signalGroup(r.pgid, 'SIGKILL');
        signalGroup(r.pgid, 'SIGCONT');
        killed.push(...members);
        for (let i = 0; i < 80 && this.#members(r).length; i++) await sleep(25);
      }
      rmSync(file, { force: true });
    }
    return killed;
  }

  /** The group's processes now, if it is still the recorded one: its leader unchanged (or gone, members started after it). */
  #members(r: OwnedRecord): number[] {
    const leader = procStat(r.pgid);
    if (leader && leader.start !== r.start) return []; // the pid was reused: not ours
    return groupMembers(r.pgid).filter((m) => BigInt(m.start) >= BigInt(r.start)).map((m) => m.pid);
  }
}
