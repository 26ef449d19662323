/**
 * Ignores a button's repeated taps: an unsteady finger taps twice, or a citizen taps again because
 * nothing seemed to happen. A tap counts only when the last counted one is at least `windowMs` old.
 * The clock is given so a test can move time without waiting.
 */
export class TapGuard {
  #last = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly windowMs = 2000,
    private readonly now: () => number = () => Date.now()
  ) {}

  /** True when this tap counts. */
  accept(): boolean {
    const at = this.now();
    if (at - this.#last < this.windowMs) return false;
    this.#last = at;
    return true;
  }
}
