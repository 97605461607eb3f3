/**
 * @module
 * FC's instance health check, all on localfc's clock: the start-up probe (after the initializer, once
 * `initialDelaySeconds` have passed since the start; it decides whether the instance started), then one probe every
 * `periodSeconds`; `failureThreshold` failures in a row make it unhealthy (the pool routes requests around it), then
 * `successThreshold` passes in a row make it healthy again. Each probe is bounded by `timeoutSeconds` of clock time.
 * The probe itself (one GET) is the backend's.
 */
import { type Clock, sleep } from '../clock.ts';
import type { BackgroundWork } from './background-work.ts';
import type { HealthCheckConfig } from './model.ts';

/**
 * How long an instance's server may take to listen on its port: FC's documented 120 s ("the HTTP server must be ready
 * within 120 seconds", custom runtimes and containers alike), on localfc's clock.
 */
export const STARTUP_TIMEOUT_MS = 120_000;

/** A probe given a signal that is aborted after `timeoutSeconds`: undefined when it passed, else why it failed. */
export type Probe = (signal: AbortSignal) => Promise<string | undefined>;

/** One probe bounded by the health check's `timeoutSeconds` (default 1) of clock time. */
export async function probeOnClock(clock: Clock, hc: HealthCheckConfig, probe: Probe, label: string): Promise<string | undefined> {
  const ac = new AbortController();
  const timer = clock.setDeadline((hc.timeoutSeconds ?? 1) * 1000, `health probe timeout ${label}`, () => ac.abort());
  try {
    return await probe(ac.signal).catch((e: unknown) => (e instanceof Error ? e.message : String(e)));
  } finally {
    clock.clearTimer(timer);
  }
}

/**
 * The start-up check, as FC documents it: one probe once `initialDelaySeconds` (default 0) have passed since the
 * instance started; it passing starts the periodic cycle, it failing means the instance failed to start.
 */
export async function startupProbe(hc: HealthCheckConfig, deps: { clock: Clock; startedAt: number; label: string; probe: Probe }): Promise<string | undefined> {
  const { clock, startedAt, label } = deps;
  const wait = startedAt + (hc.initialDelaySeconds ?? 0) * 1000 - clock.now();
  if (wait > 0) await sleep(clock, wait, `health check initial delay ${label}`);
  return probeOnClock(clock, hc, deps.probe, label);
}

export interface HealthCycleDeps {
  readonly clock: Clock;
  /** Probes run here, so advancing the manual clock can wait for them (BackgroundWork.quiesce). */
  readonly work: BackgroundWork;
  /** One probe: undefined when it passed, else why it failed; its signal is aborted after `timeoutSeconds`. */
  readonly probe: Probe;
  /** Told when the instance turns unhealthy or healthy again (a line for the instance's log). */
  readonly note: (line: string) => void;
  /** Names the timer in the admin API's timer list. */
  readonly label: string;
}

export interface HealthStatus {
  readonly healthy: boolean;
  readonly consecutiveFailures: number;
  readonly consecutiveSuccesses: number;
  readonly lastFailure?: string;
}

export class HealthCycle {
  #healthy = true;
  #failures = 0;
  #successes = 0;
  #lastFailure: string | undefined;
  #timer: number | undefined;
  #stopped = false;
  readonly #periodMs: number;
  readonly #failureThreshold: number;
  readonly #successThreshold: number;

  constructor(
    private readonly hc: HealthCheckConfig,
    private readonly deps: HealthCycleDeps,
  ) {
    this.#periodMs = (hc.periodSeconds ?? 3) * 1000;
    this.#failureThreshold = hc.failureThreshold ?? 3;
    this.#successThreshold = hc.successThreshold ?? 1;
  }

  get healthy(): boolean {
    return this.#healthy;
  }

  status(): HealthStatus {
    return {
      healthy: this.#healthy, consecutiveFailures: this.#failures, consecutiveSuccesses: this.#successes,
      ...(this.#lastFailure !== undefined ? { lastFailure: this.#lastFailure } : {}),
    };
  }

  /** The first periodic probe is one period after now (the start-up probe just passed). */
  start(): void {
    this.#arm(this.deps.clock.now() + this.#periodMs);
  }

  /** No more probes; a probe under way is ignored. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.deps.clock.clearTimer(this.#timer);
    this.#timer = undefined;
  }

  #arm(dueAt: number): void {
    if (this.#stopped) return;
    const { clock, work, label } = this.deps;
    this.#timer = clock.setTimer(Math.max(0, dueAt - clock.now()), `health check ${label}`, () => {
      this.#timer = undefined;
      void work.run(() => this.#run(dueAt)).catch(() => undefined);
    });
  }

  /**
   * Probes for the period due at `dueAt`, then for every further period the clock has already passed (a manual clock
   * advanced over several periods at once), one after the other. At most max(failureThreshold, successThreshold)
   * of those run back to back, enough to change state either way; the rest are skipped.
   */
  async #run(dueAt: number): Promise<void> {
    const burst = Math.max(this.#failureThreshold, this.#successThreshold);
    let due = dueAt;
    for (let probes = 1; ; probes++) {
      if (this.#stopped) return;
      const why = await probeOnClock(this.deps.clock, this.hc, this.deps.probe, this.deps.label);
      if (this.#stopped) return;
      this.#record(why);
      due += this.#periodMs;
      const now = this.deps.clock.now();
      if (due > now) break;
      if (probes >= burst) {
        due += (Math.floor((now - due) / this.#periodMs) + 1) * this.#periodMs;
        break;
      }
    }
    this.#arm(due);
  }

  #record(why: string | undefined): void {
    if (why === undefined) {
      this.#failures = 0;
      this.#successes++;
      if (!this.#healthy && this.#successes >= this.#successThreshold) {
        this.#healthy = true;
        this.deps.note(`health check: instance healthy again after ${this.#successes} passing check(s) in a row; it takes requests again`);
      }
      return;
    }
    this.#successes = 0;
    this.#failures++;
    this.#lastFailure = why;
    if (this.#healthy && this.#failures >= this.#failureThreshold) {
      this.#healthy = false;
      this.deps.note(`health check: instance unhealthy after ${this.#failures} failed check(s) in a row (${why}); requests go to other instances`);
    }
  }
}
