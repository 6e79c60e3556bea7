// Per-key FIFO mutex inside one process: a promise chain per key. Different keys run concurrently.
// An aborted waiter leaves the chain without letting later waiters overtake the current holder.

/** Waits for `promise`, or rejects with the signal's reason when it aborts first. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}

export class LocalFifo {
  /** Settles when the last task queued for the key is done; absent when the key is idle. */
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    const previous = this.tails.get(key) ?? Promise.resolve();
    let done!: () => void;
    const mine = new Promise<void>((resolve) => {
      done = resolve;
    });
    // The next task waits for the previous one too, so giving up early never lets it overtake.
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    try {
      await abortable(previous, signal);
      return await fn();
    } finally {
      done();
    }
  }

  /** Number of keys with queued or running work (for tests and metrics). */
  get activeKeys(): number {
    return this.tails.size;
  }
}
