/**
 * @module
 * Whether a process id names a running process on this host, for lock files and container owner labels.
 */

/** Signal 0 probes without signalling; EPERM means the process exists but belongs to another user. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
