// "The bot is in this thread": a thread it answered gets follow-ups without a mention. A mark that
// cannot be written or read is logged and taken as absent (the bot then waits to be mentioned).
import type { Logger } from "../../src/log.js";
import type { ThreadMarks } from "../../src/store/types.js";

export async function markThread(store: ThreadMarks, threadKey: string, ttlSeconds: number, log: Logger) {
  await store
    .markThread(threadKey, ttlSeconds)
    .catch((err: unknown) => log.warn({ err }, "could not mark the thread as one the bot takes part in"));
}

export async function isThreadMarked(store: ThreadMarks, threadKey: string, log: Logger): Promise<boolean> {
  return store.isThreadMarked(threadKey).catch((err: unknown) => {
    log.warn({ err }, "could not read whether the bot takes part in the thread; waiting for a mention");
    return false;
  });
}
