// Platforms deliver an event again when the ack was slow or lost (Slack retries, Teams re-sends an
// activity); every bot process must answer it once. The store remembers ids across processes. When
// the store cannot say, the event is handled: a rare duplicate answer beats a question never answered.
import type { Logger } from "../../src/log.js";
import type { Dedupe } from "../../src/store/types.js";

/** True the first time `key` is seen within `ttlSeconds` (or when the store cannot tell); false for a repeat. */
export async function firstDelivery(
  store: Dedupe,
  key: string,
  ttlSeconds: number,
  log: Logger,
): Promise<boolean> {
  try {
    const first = await store.firstSeen(key, ttlSeconds);
    if (!first) log.debug({ key }, "repeated delivery ignored");
    return first;
  } catch (err) {
    log.warn({ err, key }, "could not check for a repeated delivery; handling it");
    return true;
  }
}
