// Native streaming: chat.startStream opens a message in the streaming state, chat.appendStream adds
// markdown, chat.stopStream finalizes it (optional last markdown, blocks rendered at the bottom).
// A stream expires STREAM_LIFETIME_MS after it starts (or after an idle gap when configured); then
// append and stop answer message_not_in_streaming_state, and chat.update on the ts works.
//
// thread_ts is optional, as the method docs list it ("Streamed messages should always be replies to
// a user request" is advice, not a check); @slack/web-api's ChatStreamer types require it.
import { setStatusOnStop } from "./agent-methods.js";
import { checkBlocks } from "./blocks.js";
import { MARKDOWN_TEXT_MAX_CHARS } from "./limits.js";
import {
  type Answer,
  blocksFailure,
  channelArg,
  clearStatus,
  fail,
  type Handler,
  isAnswer,
  type MethodContext,
  str,
  threadArg,
} from "./method-context.js";
import { refreshStream } from "./stream-state.js";
import { toSlackMessage } from "./wire-message.js";
import type { StoredMessage } from "./workspace.js";

/** Channels (public C…, private G…) need a recipient; DMs (D…) do not (chat.startStream docs). */
const NEEDS_RECIPIENT = /^[CG]/;
const TASK_STATUSES = new Set(["pending", "in_progress", "complete", "error"]);

const startStream: Handler = (ctx) => {
  const channel = channelArg(ctx);
  if (isAnswer(channel)) return channel;
  const unavailable =
    ctx.settings.streamingUnavailable.get(channel.id) ??
    channel.streamingError ??
    ctx.settings.streamingUnavailable.get("*");
  if (unavailable) return fail(unavailable);
  if (!channel.botIsMember) return fail("not_in_channel");
  const recipientUserId = str(ctx.args, "recipient_user_id");
  const recipientTeamId = str(ctx.args, "recipient_team_id");
  if (NEEDS_RECIPIENT.test(channel.id)) {
    if (!recipientUserId) return fail("missing_recipient_user_id");
    if (!recipientTeamId) return fail("missing_recipient_team_id");
  }
  // The recipient belongs to its own workspace: another one of the org for an org-wide token.
  const recipientTeam = recipientTeamId ? ctx.workspace.teams.get(recipientTeamId) : undefined;
  const recipients =
    recipientTeam && ctx.workspace.sameOrg(ctx.team.teamId, recipientTeam) ? recipientTeam : ctx.team;
  if (recipientUserId && !recipients.users.has(recipientUserId)) return fail("user_not_found");
  const threadTs = threadArg(ctx, channel);
  if (isAnswer(threadTs)) return threadTs;
  const added = streamedContent(ctx);
  if (isAnswer(added)) return added;
  const message = ctx.workspace.insert({
    channel: channel.id,
    ts: ctx.workspace.nextTs(channel, ctx.now),
    threadTs,
    teamId: ctx.team.teamId,
    user: ctx.team.botUserId,
    botId: ctx.team.botId,
    appId: ctx.team.appId,
    text: "",
    stream: {
      state: "streaming",
      parts: added.text === "" ? [] : [added.text],
      chunks: added.chunks,
      startedAt: ctx.now,
      lastActivityAt: ctx.now,
      recipientUserId,
      recipientTeamId,
    },
    deleted: false,
    reactions: [],
  });
  if (added.blocks.length > 0) message.blocks = added.blocks;
  if (threadTs) clearStatus(ctx, channel.id, threadTs);
  return { ok: true, channel: channel.id, ts: message.ts };
};

const appendStream: Handler = (ctx) => {
  const message = streamingMessage(ctx);
  if (isAnswer(message)) return message;
  const added = streamedContent(ctx);
  if (isAnswer(added)) return added;
  if (added.text === "" && added.chunks.length === 0 && added.blocks.length === 0) {
    ctx.note("chat.appendStream: neither markdown_text nor chunks carried anything");
    return fail("no_text");
  }
  append(message, added, ctx.now);
  return { ok: true, channel: message.channel, ts: message.ts };
};

const stopStream: Handler = (ctx) => {
  const message = streamingMessage(ctx);
  if (isAnswer(message)) return message;
  const added = streamedContent(ctx);
  if (isAnswer(added)) return added;
  let finalBlocks: unknown[] = [];
  if (ctx.args.blocks !== undefined) {
    if (ctx.malformed.has("blocks")) return fail("invalid_blocks_format");
    const problem = checkBlocks(ctx.args.blocks);
    if (problem) return blocksFailure(problem);
    finalBlocks = ctx.args.blocks as unknown[];
  }
  append(message, added, ctx.now);
  if (finalBlocks.length > 0) message.blocks = [...(message.blocks ?? []), ...finalBlocks];
  if (message.stream) message.stream.state = "stopped";
  setStatusOnStop(ctx, message.channel, message.threadTs);
  return {
    ok: true,
    channel: message.channel,
    ts: message.ts,
    message: toSlackMessage(message, ctx.workspace),
  };
};

export const STREAM_METHODS: Record<string, Handler> = {
  "chat.startStream": startStream,
  "chat.appendStream": appendStream,
  "chat.stopStream": stopStream,
};

interface Added {
  text: string;
  chunks: unknown[];
  blocks: unknown[];
}

function streamingMessage(ctx: MethodContext): StoredMessage | Answer {
  const channel = channelArg(ctx);
  if (isAnswer(channel)) return channel;
  const message = ctx.workspace.message(channel.id, str(ctx.args, "ts") ?? "");
  if (!message) return fail("message_not_found");
  if (message.botId !== ctx.team.botId) return fail("message_not_owned_by_app");
  if (message.stream?.stoppedByUser) return fail("stopped_by_user");
  if (refreshStream(message, ctx.settings, ctx.now) !== "streaming")
    return fail("message_not_in_streaming_state");
  return message;
}

/** markdown_text plus the `chunks` array (markdown_text, blocks, task_update, plan_update chunks). */
function streamedContent(ctx: MethodContext): Added | Answer {
  const added: Added = { text: "", chunks: [], blocks: [] };
  const markdownText = ctx.args.markdown_text;
  if (typeof markdownText === "string") {
    if (markdownText.length > MARKDOWN_TEXT_MAX_CHARS) return fail("msg_too_long");
    added.text += markdownText;
  }
  if (ctx.args.chunks === undefined) return added;
  if (ctx.malformed.has("chunks") || !Array.isArray(ctx.args.chunks)) return fail("invalid_chunks");
  for (const chunk of ctx.args.chunks as unknown[]) {
    if (typeof chunk !== "object" || chunk === null) return fail("invalid_chunks");
    const c = chunk as Record<string, unknown>;
    if (c.type === "markdown_text") {
      if (typeof c.text !== "string") return fail("invalid_chunks");
      if (c.text.length > MARKDOWN_TEXT_MAX_CHARS) return fail("msg_too_long");
      added.text += c.text;
    } else if (c.type === "blocks") {
      const problem = checkBlocks(c.blocks);
      if (problem) return blocksFailure(problem);
      added.blocks.push(...(c.blocks as unknown[]));
    } else if (c.type === "task_update") {
      const ok =
        typeof c.id === "string" && typeof c.title === "string" && TASK_STATUSES.has(String(c.status));
      if (!ok) return fail("invalid_chunks");
      added.chunks.push(c);
    } else if (c.type === "plan_update") {
      if (typeof c.title !== "string") return fail("invalid_chunks");
      added.chunks.push(c);
    } else {
      return fail("invalid_chunks");
    }
  }
  return added;
}

function append(message: StoredMessage, added: Added, now: number): void {
  const stream = message.stream;
  if (!stream) return;
  if (added.text !== "") stream.parts.push(added.text);
  stream.chunks.push(...added.chunks);
  if (added.blocks.length > 0) message.blocks = [...(message.blocks ?? []), ...added.blocks];
  stream.lastActivityAt = now;
}
