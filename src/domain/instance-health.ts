/**
 * @module
 * FC's periodic instance health check. After an instance passed its start-up check (the backend's), one probe every
 * `periodSeconds` of clock time; `failureThreshold` failures in a row make it unhealthy (the pool routes requests
 * around it), then `successThreshold` passes in a row make it healthy again. The probe itself is the backend's.
 */
import type { Clock } from '../clock.ts';
import type { BackgroundWork } from './background-work.ts';
import type { HealthCheckConfig } from './model.ts';

export interface HealthCycleDeps {
  readonly clock: Clock;
  /** Probes run here, so advancing the manual clock can wait for them (BackgroundWork.quiesce). */
  readonly work: BackgroundWork;
  /** One probe: undefined when it passed, else why it failed. */
  readonly probe: () => Promise<string | undefined>;
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
    hc: HealthCheckConfig,
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

  /** The first periodic probe is one period after now (the start-up check just passed). */
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
      const why = await this.deps.probe().catch((e: unknown) => (e instanceof Error ? e.message : String(e)));
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
