// "Show that the bot is working, but only if the first words are slow": an action planned on the
// clock that the first text either cancels (not yet started) or waits for (already on its way, so
// the status never lands after the answer). Both platforms' sinks use it for their status.
import type { Clock } from "./types.js";

export interface Delayed {
  /** Cancels the action if it has not started; else waits for it to end. */
  settle(): Promise<void>;
}

/** Runs `action` after `ms` on `clock` unless settled first; `action` handles its own failures. */
export function runAfter(clock: Clock, ms: number, action: () => Promise<void>): Delayed {
  const cancel = new AbortController();
  let running: Promise<void> | undefined;
  const waited = clock.sleep(ms, cancel.signal).then(
    () => {
      running = action();
    },
    () => {}, // cancelled before it started
  );
  return {
    async settle() {
      cancel.abort();
      await waited;
      await running;
    },
  };
}
