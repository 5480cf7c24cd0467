/**
 * When the tree's pending refreshes fire: a burst of changes waits `debounceMs` after its first one,
 * and refreshes fire at most once per `minIntervalMs` (a restart storm's thousands of pod events give
 * at most four refreshes a second). No vscode here: unit-tested with real timers.
 *
 * Timers and Date.now() count whole milliseconds, so a timer set for the rest of the interval can
 * fire a fraction of a millisecond early: refreshes 249.9 ms apart, five of them in one second of a
 * storm (the bench saw it). The gap is measured with performance.now() and checked again when the
 * timer fires; what is left, if anything, is waited for.
 */
export class FlushTimer {
  private timer?: NodeJS.Timeout;
  private last = -Infinity;

  constructor(
    private readonly fire: () => void,
    private readonly debounceMs: number,
    private readonly minIntervalMs: number,
  ) {}

  /** Fires after the debounce, and no sooner than the interval after the last firing. */
  request(): void {
    if (this.timer) return;
    this.arm(Math.max(this.debounceMs, this.left()));
  }

  /** Fires now (a caller that must not wait), instead of the pending timer. */
  now(): void {
    this.cancel();
    this.last = performance.now();
    this.fire();
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private left(): number {
    return this.last + this.minIntervalMs - performance.now();
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const left = this.left();
      if (left > 0) this.arm(left);
      else this.now();
    }, ms);
  }
}
