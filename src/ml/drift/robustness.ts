/**
 * STREAMER's "robustness" rule, shared by the threshold and CUSUM monitors: a detection opens after
 * `robustness` consecutive touching updates, and closes `robustness` updates after the last touch.
 * NaN updates are ignored (they neither touch nor count).
 */

/** The open/close state machine of one monitored metric. */
export class Robustness {
  readonly robustness: number;
  /** Consecutive touching updates so far. */
  streak = 0;
  /** Updates since the last touch while a detection is open. */
  quiet = 0;
  open = false;

  constructor(robustness: number) {
    this.robustness = robustness;
  }

  /** Feeds one touch/no-touch; returns true on the update that opens a detection. */
  step(touch: boolean): boolean {
    if (touch) {
      this.streak++;
      this.quiet = 0;
      if (!this.open && this.streak >= this.robustness) {
        this.open = true;
        return true;
      }
      return false;
    }
    this.streak = 0;
    if (this.open && ++this.quiet >= this.robustness) {
      this.open = false;
      this.quiet = 0;
    }
    return false;
  }
}
