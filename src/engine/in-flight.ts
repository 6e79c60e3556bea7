// The work a process has taken on and must finish before it stops: platform events it has
// acknowledged (so the platform will not send them again) but whose answer is not done yet.

export class InFlight {
  readonly #work = new Set<Promise<void>>();

  get size(): number {
    return this.#work.size;
  }

  /** Counts `work` as in flight until it settles; returns it unchanged. */
  track<T>(work: Promise<T>): Promise<T> {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.#work.add(settled);
    void settled.then(() => this.#work.delete(settled));
    return work;
  }

  /** Resolves once nothing is in flight, including work taken on while waiting. */
  async idle(): Promise<void> {
    while (this.#work.size > 0) await Promise.all(this.#work);
  }
}
