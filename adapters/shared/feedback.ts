// A user's thumbs up or down on an answer (Slack buttons, Teams' feedback loop): stored for the
// conversation, counted in bot_feedback_total, and logged without the text.
import type { Logger } from "../../src/log.js";
import type { Metrics } from "../../src/metrics.js";
import type { FeedbackEntry, FeedbackStore } from "../../src/store/types.js";

export async function recordFeedback(
  deps: { store: FeedbackStore; metrics: Metrics; log: Logger },
  entry: FeedbackEntry,
): Promise<void> {
  await deps.store.recordFeedback(entry);
  deps.metrics.feedback.inc({ platform: entry.platform, reaction: entry.reaction });
  deps.log.info({ reaction: entry.reaction, messageId: entry.messageId }, "feedback recorded");
}
