/**
 * Spaces content-creating requests (POST, PATCH, PUT, DELETE) so Gantry stays
 * under GitHub's secondary rate limits: about 80 a minute and 500 an hour for
 * one identity. Writes wait their turn in arrival order; none is refused.
 * A secondary-limit answer pauses the whole queue for its `retry-after`.
 */
export class WriteBudget {
  readonly perMinute: number;
  readonly perHour: number;
  private readonly minimumGapMs: number;
  /** Start times of the writes of the last hour, oldest first. */
  private readonly started: number[] = [];
  private tail: Promise<void> = Promise.resolve();
  private pausedUntil = 0;
  private readonly now: () => number;

  constructor(options: { perMinute: number; perHour: number; now?: () => number }) {
    this.perMinute = options.perMinute;
    this.perHour = options.perHour;
    this.minimumGapMs = Math.ceil(60_000 / options.perMinute);
    this.now = options.now ?? Date.now;
  }

  /** Resolves when the next write may start (and counts it as started). */
  acquire(): Promise<void> {
    const turn = this.tail.then(() => this.waitForSlot());
    // A failed wait must not block the writes queued behind it.
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  /** No write starts before `ms` from now (GitHub asked us to wait). */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
  }

  /** How long the next write would wait right now, in ms (for logs and tests). */
  delayBeforeNext(): number {
    return Math.max(0, this.earliestStart() - this.now());
  }

  private async waitForSlot(): Promise<void> {
    for (;;) {
      const wait = this.earliestStart() - this.now();
      if (wait <= 0) break;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    const now = this.now();
    this.started.push(now);
    while (this.started.length > 0 && (this.started[0] ?? now) <= now - 3_600_000) {
      this.started.shift();
    }
  }

  private earliestStart(): number {
    const now = this.now();
    let earliest = this.pausedUntil;
    const last = this.started.at(-1);
    if (last !== undefined) earliest = Math.max(earliest, last + this.minimumGapMs);
    const recentMinute = this.started.filter((t) => t > now - 60_000);
    if (recentMinute.length >= this.perMinute) {
      earliest = Math.max(
        earliest,
        (recentMinute[recentMinute.length - this.perMinute] ?? now) + 60_000,
      );
    }
    const recentHour = this.started.filter((t) => t > now - 3_600_000);
    if (recentHour.length >= this.perHour) {
      earliest = Math.max(
        earliest,
        (recentHour[recentHour.length - this.perHour] ?? now) + 3_600_000,
      );
    }
    return earliest;
  }
}
