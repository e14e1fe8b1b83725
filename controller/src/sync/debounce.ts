// Coalesces bursts of changes (file events, watch events) into one pass: fires `wait` ms after the last trigger, but
// never later than `maxWait` ms after the first, so a file written continuously still converges.

export class Debouncer {
  readonly #wait: number;
  readonly #maxWait: number;
  readonly #action: () => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #firstAt: number | undefined;

  constructor(wait: number, maxWait: number, action: () => void) {
    if (!(wait >= 0 && maxWait >= wait))
      throw new RangeError(`bad debounce: wait ${wait}, maxWait ${maxWait}`);
    this.#wait = wait;
    this.#maxWait = maxWait;
    this.#action = action;
  }

  trigger(): void {
    const now = Date.now();
    this.#firstAt ??= now;
    clearTimeout(this.#timer);
    const delay = Math.max(0, Math.min(this.#wait, this.#firstAt + this.#maxWait - now));
    this.#timer = setTimeout(() => this.#fire(), delay);
  }

  get pending(): boolean {
    return this.#timer !== undefined;
  }

  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#firstAt = undefined;
  }

  #fire(): void {
    this.#timer = undefined;
    this.#firstAt = undefined;
    this.#action();
  }
}
