// A double's recorded calls, watched as they are recorded: the load benchmarks check what a user
// sees right after each platform call, not only on a sampling tick.
export interface CallObserver {
  /** Calls `fn` after every call the double records; returns the way to stop. */
  onCall(fn: () => void): () => void;
}

export function observeCalls<T>(calls: T[]): CallObserver {
  const listeners = new Set<() => void>();
  const record = calls.push.bind(calls);
  calls.push = (...recorded) => {
    const n = record(...recorded);
    for (const fn of listeners) fn();
    return n;
  };
  return {
    onCall(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}
