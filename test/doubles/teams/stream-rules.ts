// Teams streaming in a personal chat (bots/streaming-ux): a typing activity with stream info starts a
// stream (201 {id}); later typing updates carry that streamId, an increasing streamSequence and, for
// streamType "streaming", the whole text so far (202 {}); a message with streamType "final" ends it.
// At most about one request a second, within two minutes, and never after the user pressed Stop.
// Teams may also end a stream on its side (its time limit, or as a test chooses: endStream,
// streamEndsAfterRequests); every request after that gets 403 ContentStreamNotAllowed with its reason.
import { checkContent, readContent } from "./content-checks.js";
import type { Conversation, StoredMessage, StreamState } from "./conversation-model.js";
import { type Answer, answerError, type HandlerContext } from "./handler-context.js";
import { INFORMATIVE_MAX_CHARS } from "./limits.js";
import { retryAfterSeconds } from "./rate-limiter.js";
import type { StreamInfo } from "./stream-info.js";
import {
  STREAM_ALREADY_COMPLETED,
  STREAM_CANCELED_BY_USER,
  STREAM_SEQUENCE_PRECONDITION,
  STREAM_START_WITHOUT_TEXT,
  STREAM_TEXT_NOT_CUMULATIVE,
  STREAM_TIMED_OUT,
  STREAM_TOO_FAST,
  STREAM_TYPING_TYPE,
  streamBadRequest,
} from "./teams-errors.js";

const ACCEPTED: Answer = { status: 202, body: {} };

export function handleStreamRequest(
  ctx: HandlerContext,
  conversation: Conversation,
  conversationId: string,
  replyToId: string | undefined,
  info: StreamInfo,
): Answer {
  const activityType = String(ctx.body.type);
  const streamType = info.streamType ?? "streaming";
  if (conversation.conversationType !== "personal") {
    ctx.violation(
      "stream-outside-personal",
      `streaming in a ${conversation.conversationType}: post, then updateActivity`,
      info.streamId,
    );
    return answerError(ctx.settings.nonPersonalStreamingError);
  }
  if (activityType === "typing" && streamType !== "informative" && streamType !== "streaming") {
    ctx.violation("bad-stream-type", `typing activity with streamType ${streamType}`, info.streamId);
    return answerError(STREAM_TYPING_TYPE);
  }
  if (activityType === "message" && streamType !== "final") {
    ctx.violation("bad-stream-type", `message activity with streamType ${streamType}`, info.streamId);
    return answerError(streamBadRequest("Only the final streaming message may be a message activity"));
  }
  if (activityType !== "typing" && activityType !== "message") {
    ctx.violation("bad-stream-type", `${activityType} activity with stream info`, info.streamId);
    return answerError(streamBadRequest(`Streaming is not supported for ${activityType} activities`));
  }
  if (!info.streamId) {
    if (streamType === "final") {
      ctx.violation("unknown-stream", "a final streaming message without streamId");
      return answerError(streamBadRequest("The final streaming message must carry the streamId"));
    }
    return startStream(ctx, conversation, conversationId, replyToId, info);
  }
  const message = conversation.messages.find((m) => m.stream?.id === info.streamId);
  if (!message?.stream) {
    ctx.violation("unknown-stream", `no stream ${info.streamId} in this conversation`, info.streamId);
    return answerError(streamBadRequest(`Unknown streamId ${info.streamId}`));
  }
  const refused = refuseEnded(ctx, message.stream) ?? refuseTooFast(ctx, message.stream);
  if (refused) return refused;
  return streamType === "final"
    ? finishStream(ctx, message, message.stream, info)
    : updateStream(ctx, message, message.stream, info);
}

/** A stream is over once finished, stopped by the user, ended by Teams, or older than the lifetime. */
export function refreshStream(stream: StreamState, now: number, lifetimeMs: number): void {
  if (stream.phase === "streaming" && now - stream.startedAt > lifetimeMs) stream.phase = "timedOut";
}

/** Settings.streamEndsAfterRequests: the stream's time is up once it has accepted that many requests. */
function countAccepted(ctx: HandlerContext, stream: StreamState): void {
  stream.accepted += 1;
  const limit = ctx.settings.streamEndsAfterRequests;
  if (limit !== undefined && stream.accepted >= limit && stream.phase === "streaming") {
    stream.phase = "timedOut";
  }
}

function startStream(
  ctx: HandlerContext,
  conversation: Conversation,
  conversationId: string,
  replyToId: string | undefined,
  info: StreamInfo,
): Answer {
  const content = readContent(ctx.body);
  if (content.text === "") {
    ctx.violation("missing-text", "the first streaming request has no text");
    return answerError(STREAM_START_WITHOUT_TEXT);
  }
  if (info.streamSequence === undefined) {
    ctx.violation("sequence-missing", `no streamSequence (stream info from ${info.source})`);
    return answerError(streamBadRequest("streamSequence is required for streaming requests"));
  }
  if (info.streamSequence !== 1) {
    ctx.violation("sequence-first-not-1", `the first streamSequence is ${info.streamSequence}`);
  }
  for (const other of conversation.messages) {
    if (other.stream) refreshStream(other.stream, ctx.now, ctx.settings.streamLifetimeMs);
    if (other.stream?.phase === "streaming") {
      ctx.violation("concurrent-stream", `stream ${other.stream.id} is still open`, other.stream.id);
    }
  }
  const informative = info.streamType === "informative";
  if (informative) checkInformative(ctx, content.text, undefined);
  const refused = checkContent(ctx, content, true);
  if (refused) return refused;
  const id = ctx.nextActivityId();
  const stream: StreamState = {
    id,
    phase: "streaming",
    startedAt: ctx.now,
    lastRequestAt: ctx.now,
    lastSequence: info.streamSequence,
    streamedText: informative ? "" : content.text,
    informativeText: informative ? content.text : undefined,
    refusals: 0,
    accepted: 0,
  };
  conversation.messages.push({
    id,
    conversationId,
    text: informative ? "" : content.text,
    textFormat: content.textFormat,
    attachments: [],
    entities: content.entities,
    channelData: content.channelData,
    replyToId,
    updated: false,
    updateCount: 0,
    deleted: false,
    createdAt: ctx.now,
    updatedAt: ctx.now,
    stream,
  });
  countAccepted(ctx, stream);
  return { status: 201, body: { id } };
}

function updateStream(
  ctx: HandlerContext,
  message: StoredMessage,
  stream: StreamState,
  info: StreamInfo,
): Answer {
  const content = readContent(ctx.body);
  const sequence = info.streamSequence;
  if (sequence === undefined) {
    ctx.violation("sequence-missing", `no streamSequence (stream info from ${info.source})`, stream.id);
    return answerError(streamBadRequest("streamSequence is required for streaming requests"));
  }
  if (sequence <= stream.lastSequence) {
    ctx.violation(
      "sequence-not-increasing",
      `streamSequence ${sequence} after ${stream.lastSequence}`,
      stream.id,
    );
    // Teams drops it and still answers 202 (with the precondition code): the bot sees success.
    stream.lastRequestAt = ctx.now;
    return { status: STREAM_SEQUENCE_PRECONDITION.status, body: STREAM_SEQUENCE_PRECONDITION.body };
  }
  if (sequence > stream.lastSequence + 1) {
    ctx.violation("sequence-gap", `streamSequence ${sequence} after ${stream.lastSequence}`, stream.id);
  }
  if (content.text === "") {
    ctx.violation("missing-text", "a streaming update has no text", stream.id);
    return answerError(streamBadRequest("Streaming activities should include text"));
  }
  const informative = info.streamType === "informative";
  if (informative) {
    checkInformative(ctx, content.text, stream);
  } else if (!content.text.startsWith(stream.streamedText)) {
    ctx.violation("text-not-cumulative", notCumulative(stream.streamedText, content.text), stream.id);
    return answerError(STREAM_TEXT_NOT_CUMULATIVE);
  }
  const refused = checkContent(ctx, content, true, stream.id);
  if (refused) return refused;
  stream.lastSequence = sequence;
  stream.lastRequestAt = ctx.now;
  if (informative) {
    if (stream.streamedText === "") stream.informativeText = content.text;
  } else {
    stream.streamedText = content.text;
    message.text = content.text;
    message.entities = content.entities;
  }
  message.updatedAt = ctx.now;
  countAccepted(ctx, stream);
  return ACCEPTED;
}

function finishStream(
  ctx: HandlerContext,
  message: StoredMessage,
  stream: StreamState,
  info: StreamInfo,
): Answer {
  const content = readContent(ctx.body);
  if (info.streamSequence !== undefined) {
    ctx.violation(
      "sequence-on-final",
      `the final message carries streamSequence ${info.streamSequence}`,
      stream.id,
    );
  }
  if (content.text === "" && content.attachments.length === 0) {
    ctx.violation("missing-text", "the final streaming message has neither text nor attachments", stream.id);
    return answerError(streamBadRequest("The final streaming message should include text or attachments"));
  }
  if (content.text !== "" && !content.text.startsWith(stream.streamedText)) {
    ctx.violation("text-not-cumulative", notCumulative(stream.streamedText, content.text), stream.id);
    return answerError(STREAM_TEXT_NOT_CUMULATIVE);
  }
  const refused = checkContent(ctx, content, true, stream.id);
  if (refused) return refused;
  stream.phase = "final";
  stream.lastRequestAt = ctx.now;
  Object.assign(message, content, { text: content.text || stream.streamedText, updatedAt: ctx.now });
  return ACCEPTED;
}

function refuseEnded(ctx: HandlerContext, stream: StreamState): Answer | undefined {
  refreshStream(stream, ctx.now, ctx.settings.streamLifetimeMs);
  if (stream.phase === "streaming") return undefined;
  // After Stop or the time limit the first 403 is how the bot learns; after its own final it knows.
  if (stream.refusals > 0 || stream.phase === "final") {
    ctx.violation("request-after-stream-ended", `stream ${stream.id} is ${stream.phase}`, stream.id);
  }
  stream.refusals += 1;
  if (stream.phase === "final") return answerError(STREAM_ALREADY_COMPLETED);
  if (stream.phase === "stopped") return answerError(STREAM_CANCELED_BY_USER);
  if (stream.phase === "ended" && stream.endAnswer) return stream.endAnswer;
  return answerError(STREAM_TIMED_OUT);
}

function refuseTooFast(ctx: HandlerContext, stream: StreamState): Answer | undefined {
  const elapsed = ctx.now - stream.lastRequestAt;
  if (elapsed >= ctx.settings.streamMinIntervalMs) return undefined;
  ctx.violation(
    "too-fast",
    `${elapsed} ms after the previous request (at least ${ctx.settings.streamMinIntervalMs} ms)`,
    stream.id,
  );
  ctx.throttled();
  const waitMs = ctx.settings.streamMinIntervalMs - elapsed;
  return answerError(STREAM_TOO_FAST, { "retry-after": String(retryAfterSeconds(waitMs)) });
}

function checkInformative(ctx: HandlerContext, text: string, stream: StreamState | undefined): void {
  if (text.length > INFORMATIVE_MAX_CHARS) {
    ctx.violation("informative-too-long", `${text.length} characters > ${INFORMATIVE_MAX_CHARS}`, stream?.id);
  }
  if (stream && stream.streamedText !== "") {
    ctx.violation(
      "informative-after-streaming",
      "informative updates no longer show once text streams",
      stream.id,
    );
  }
}

function notCumulative(before: string, now: string): string {
  return `text ${JSON.stringify(now.slice(0, 40))} does not start with the ${before.length} characters already streamed`;
}
