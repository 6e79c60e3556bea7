// When a native stream stops accepting appends: a fixed lifetime from chat.startStream, and
// optionally an idle gap. Applied lazily, whenever a method or a test looks at the message.
import type { Settings } from "./method-context.js";
import type { StoredMessage, StreamState } from "./workspace.js";

export function refreshStream(
  message: StoredMessage,
  settings: Settings,
  now: number,
): StreamState | undefined {
  const stream = message.stream;
  if (stream?.state !== "streaming") return stream?.state;
  const tooOld = now - stream.startedAt >= settings.streamLifetimeMs;
  const idle = settings.streamIdleMs !== undefined && now - stream.lastActivityAt >= settings.streamIdleMs;
  if (tooOld || idle) stream.state = "expired";
  return stream.state;
}
