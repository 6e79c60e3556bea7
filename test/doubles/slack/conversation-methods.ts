// Reading conversations: conversations.history (a channel's top-level messages, newest first),
// conversations.replies (a thread, oldest first) and conversations.members (who is in a channel),
// with cursor pagination. A bot reads only channels it is in: elsewhere Slack answers not_in_channel.
import { channelArg, fail, type Handler, isAnswer, type MethodContext, str } from "./method-context.js";
import { isReply, toSlackMessage } from "./wire-message.js";
import { parseTs, type StoredMessage } from "./workspace.js";

/** conversations.replies page size when `limit` is absent, and its maximum (method docs). */
const REPLIES_DEFAULT_LIMIT = 1_000;
/** conversations.history: 100 when `limit` is absent, at most 999 (method docs). */
const HISTORY_DEFAULT_LIMIT = 100;
const HISTORY_MAX_LIMIT = 999;
/** conversations.members: 100 when `limit` is absent, at most 1,000 (method docs). */
const MEMBERS_DEFAULT_LIMIT = 100;
const MEMBERS_MAX_LIMIT = 1_000;

const replies: Handler = (ctx) => {
  const channel = channelArg(ctx);
  if (isAnswer(channel)) return channel;
  // A bot reads only conversations it is in; the method's docs list channel_not_found for the rest.
  if (!channel.botIsMember) return fail("channel_not_found");
  const ts = str(ctx.args, "ts") ?? "";
  const anchor = ctx.workspace.message(channel.id, ts);
  if (!anchor) return fail("thread_not_found");
  const threadTs = isReply(anchor) && anchor.threadTs ? anchor.threadTs : anchor.ts;
  const all = ctx.workspace.threadMessages(channel.id, threadTs).filter((m) => inRange(ctx, m, threadTs));
  return page(ctx, all, REPLIES_DEFAULT_LIMIT, REPLIES_DEFAULT_LIMIT, (m) =>
    toSlackMessage(m, ctx.workspace),
  );
};

const history: Handler = (ctx) => {
  const channel = channelArg(ctx);
  if (isAnswer(channel)) return channel;
  if (!channel.botIsMember) return fail("not_in_channel");
  // Top-level messages only (thread replies stay in their threads), newest first.
  const all = ctx.workspace
    .channelMessages(channel.id)
    .filter((m) => !isReply(m) && inRange(ctx, m, undefined))
    .reverse();
  const answer = page(ctx, all, HISTORY_DEFAULT_LIMIT, HISTORY_MAX_LIMIT, (m) =>
    toSlackMessage(m, ctx.workspace),
  );
  // The docs' output requires these two (no pinned messages or channel actions are modelled).
  return answer.ok ? { ...answer, pin_count: 0, channel_actions_ts: null, channel_actions_count: 0 } : answer;
};

const members: Handler = (ctx) => {
  const channel = channelArg(ctx);
  if (isAnswer(channel)) return channel;
  // A bot token sees the members of public channels; of private ones only where it is a member.
  if (channel.id.startsWith("G") && !channel.botIsMember) return fail("channel_not_found");
  const all = ctx.workspace.membersOf(channel);
  const answer = page(ctx, all, MEMBERS_DEFAULT_LIMIT, MEMBERS_MAX_LIMIT, (id) => id);
  if (!answer.ok) return answer;
  const { messages, has_more: _hasMore, ...rest } = answer;
  // conversations.members always carries response_metadata.next_cursor ("" on the last page).
  return {
    ...rest,
    members: messages,
    response_metadata: {
      next_cursor: (answer.response_metadata as { next_cursor?: string })?.next_cursor ?? "",
    },
  };
};

export const CONVERSATION_METHODS: Record<string, Handler> = {
  "conversations.replies": replies,
  "conversations.history": history,
  "conversations.members": members,
};

function page<T>(
  ctx: MethodContext,
  all: T[],
  defaultLimit: number,
  maxLimit: number,
  wire: (item: T) => unknown,
) {
  const start = decodeCursor(str(ctx.args, "cursor"));
  if (start === undefined) return fail("invalid_cursor");
  const limitArg = ctx.args.limit;
  const limit = typeof limitArg === "number" && limitArg > 0 ? Math.min(limitArg, maxLimit) : defaultLimit;
  const items = all.slice(start, start + limit);
  const hasMore = start + limit < all.length;
  return {
    ok: true as const,
    messages: items.map(wire),
    has_more: hasMore,
    ...(hasMore ? { response_metadata: { next_cursor: encodeCursor(start + limit) } } : {}),
  };
}

/** oldest/latest/inclusive; a thread's parent is always part of its replies. */
function inRange(ctx: MethodContext, message: StoredMessage, threadTs: string | undefined): boolean {
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
