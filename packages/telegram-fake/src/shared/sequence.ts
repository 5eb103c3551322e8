/** One counter for everything that happens in the fake, so "after X" questions have an answer. */
export class Sequence {
  #last = 0;

  next(): number {
    this.#last += 1;
    return this.#last;
  }

  get last(): number {
    return this.#last;
  }
}
