// chat.postMessage, chat.update, chat.delete, chat.postEphemeral, conversations.replies, reactions.add.
import {
  type Answer,
  channelArg,
  clearStatus,
  fail,
  type Handler,
  isAnswer,
  type MethodContext,
  messageContent,
  str,
  threadArg,
} from "./method-context.js";
import { refreshStream } from "./stream-state.js";
import { editStamp, isReply, toSlackMessage } from "./wire-message.js";
import { parseTs, type StoredMessage } from "./workspace.js";

/** conversations.replies page size when `limit` is absent, and its maximum (method docs). */
const REPLIES_DEFAULT_LIMIT = 1_000;

const postMessage: Handler = (ctx) => {
  const channel = channelArg(ctx);
  if (isAnswer(channel)) return channel;
  if (!channel.botIsMember) return fail("not_in_channel");
  const threadTs = threadArg(ctx, channel);
  if (isAnswer(threadTs)) return threadTs;
  const content = messageContent(ctx);
  if (isAnswer(content)) return content;
  const message = ctx.workspace.insert({
    channel: channel.id,
    ts: ctx.workspace.nextTs(channel, ctx.now),
    threadTs,
    teamId: ctx.team.teamId,
    user: ctx.team.botUserId,
    botId: ctx.team.botId,
    appId: ctx.team.appId,
    ...content,
    deleted: false,
    reactions: [],
  });
  if (threadTs) clearStatus(ctx, channel.id, threadTs);
  return { ok: true, channel: channel.id, ts: message.ts, message: toSlackMessage(message, ctx.workspace) };
};

const update: Handler = (ctx) => {
  const found = ownMessage(ctx, "cant_update_message");
  if (isAnswer(found)) return found;
  if (found.stream && refreshStream(found, ctx.settings, ctx.now) === "streaming") {
    return fail("streaming_state_conflict");
  }
  const content = messageContent(ctx);
  if (isAnswer(content)) return content;
  // A stopped or expired stream becomes an ordinary message holding the new content.
  found.stream = undefined;
  found.text = content.text;
  found.markdownText = content.markdownText;
  found.blocks = content.blocks;
  found.edited = editStamp(ctx.team.botUserId, ctx.now);
  const message = toSlackMessage(found, ctx.workspace);
  return { ok: true, channel: found.channel, ts: found.ts, text: message.text, message };
};

const remove: Handler = (ctx) => {
  const found = ownMessage(ctx, "cant_delete_message");
  if (isAnswer(found)) return found;
  found.deleted = true;
  return { ok: true, channel: found.channel, ts: found.ts };
};

const postEphemeral: Handler = (ctx) => {
  const channel = channelArg(ctx);
  if (isAnswer(channel)) return channel;
  if (!channel.botIsMember) return fail("not_in_channel");
  const user = str(ctx.args, "user");
  if (!user || !ctx.team.users.has(user)) return fail("user_not_in_channel");
  const threadTs = threadArg(ctx, channel);
  if (isAnswer(threadTs)) return threadTs;
  const content = messageContent(ctx);
  if (isAnswer(content)) return content;
  const messageTs = ctx.workspace.nextTs(channel, ctx.now);
  ctx.workspace.ephemerals.push({ channel: channel.id, user, messageTs, threadTs, ...content });
  return { ok: true, message_ts: messageTs };
};

const replies: Handler = (ctx) => {
  const channel = channelArg(ctx);
  if (isAnswer(channel)) return channel;
  const ts = str(ctx.args, "ts") ?? "";
  const anchor = ctx.workspace.message(channel.id, ts);
  if (!anchor) return fail("thread_not_found");
  const threadTs = isReply(anchor) && anchor.threadTs ? anchor.threadTs : anchor.ts;
  const all = ctx.workspace.threadMessages(channel.id, threadTs).filter((m) => inRange(ctx, m, threadTs));
  const start = decodeCursor(str(ctx.args, "cursor"));
  if (start === undefined) return fail("invalid_cursor");
  const limitArg = ctx.args.limit;
  const limit =
    typeof limitArg === "number" && limitArg > 0
      ? Math.min(limitArg, REPLIES_DEFAULT_LIMIT)
      : REPLIES_DEFAULT_LIMIT;
  const page = all.slice(start, start + limit);
  const hasMore = start + limit < all.length;
  return {
    ok: true,
    messages: page.map((m) => toSlackMessage(m, ctx.workspace)),
    has_more: hasMore,
    ...(hasMore ? { response_metadata: { next_cursor: encodeCursor(start + limit) } } : {}),
  };
};

const react: Handler = (ctx) => {
  const channel = channelArg(ctx);
  if (isAnswer(channel)) return channel;
  const message = ctx.workspace.message(channel.id, str(ctx.args, "timestamp") ?? "");
  if (!message) return fail("message_not_found");
  const name = str(ctx.args, "name") ?? "";
  // Names go without colons: ":thumbsup:" is refused.
  if (!/^[a-z0-9_+'-]+(::skin-tone-[2-6])?$/.test(name)) return fail("invalid_name");
  let reaction = message.reactions.find((r) => r.name === name);
  if (reaction?.users.includes(ctx.team.botUserId)) return fail("already_reacted");
  if (!reaction) {
    reaction = { name, users: [] };
    message.reactions.push(reaction);
  }
  reaction.users.push(ctx.team.botUserId);
  return { ok: true };
};

export const MESSAGE_METHODS: Record<string, Handler> = {
  "chat.postMessage": postMessage,
  "chat.update": update,
  "chat.delete": remove,
  "chat.postEphemeral": postEphemeral,
  "conversations.replies": replies,
  "reactions.add": react,
};

function ownMessage(ctx: MethodContext, notOwned: string): StoredMessage | Answer {
  const channel = channelArg(ctx);
  if (isAnswer(channel)) return channel;
  const message = ctx.workspace.message(channel.id, str(ctx.args, "ts") ?? "");
  if (!message) return fail("message_not_found");
  if (message.botId !== ctx.team.botId) return fail(notOwned);
  return message;
}

function inRange(ctx: MethodContext, message: StoredMessage, threadTs: string): boolean {
  if (message.ts === threadTs) return true;
  const inclusive = ctx.args.inclusive === true;
  const oldest = str(ctx.args, "oldest");
  const latest = str(ctx.args, "latest");
  const ts = parseTs(message.ts);
  if (oldest !== undefined && (inclusive ? ts < parseTs(oldest) : ts <= parseTs(oldest))) return false;
  if (latest !== undefined && (inclusive ? ts > parseTs(latest) : ts >= parseTs(latest))) return false;
  return true;
}

function encodeCursor(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString("base64");
}

function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return 0;
  const match = /^offset:(\d+)$/.exec(Buffer.from(cursor, "base64").toString("utf8"));
  return match?.[1] === undefined ? undefined : Number(match[1]);
}
