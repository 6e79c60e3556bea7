// A stored message in the shape Slack's Web API returns it (conversations.replies example, chat.*
// `message` fields): bot messages carry user (the bot user), bot_id and app_id; thread parents
// carry reply counts; replies carry parent_user_id.
import { formatTs, parseTs, type StoredMessage, type Workspace } from "./workspace.js";

export function toSlackMessage(message: StoredMessage, workspace: Workspace): Record<string, unknown> {
  const out: Record<string, unknown> = { type: "message" };
  if (message.subtype) out.subtype = message.subtype;
  if (message.user) out.user = message.user;
  if (message.botId) out.bot_id = message.botId;
  if (message.appId) out.app_id = message.appId;
  out.text = wireText(message);
  if (message.blocks && message.blocks.length > 0) out.blocks = message.blocks;
  out.team = message.teamId;
  out.ts = message.ts;
  if (message.threadTs) {
    out.thread_ts = message.threadTs;
    if (message.threadTs !== message.ts) {
      const parent = workspace.message(message.channel, message.threadTs);
      if (parent?.user) out.parent_user_id = parent.user;
    }
  }
  const replies = workspace
    .threadMessages(message.channel, message.ts)
    .filter((m) => m.ts !== message.ts && m.threadTs === message.ts);
  if (replies.length > 0 && message.threadTs === undefined) out.thread_ts = message.ts;
  if (replies.length > 0) {
    const users = [...new Set(replies.map((r) => r.user).filter((u): u is string => u !== undefined))];
    out.reply_count = replies.length;
    out.reply_users_count = users.length;
    out.latest_reply = replies.at(-1)?.ts;
    out.reply_users = users;
  }
  if (message.edited) out.edited = message.edited;
  if (message.reactions.length > 0) {
    out.reactions = message.reactions.map((r) => ({ name: r.name, users: r.users, count: r.users.length }));
  }
  return out;
}

/** Slack returns the streamed text as `text`; markdown_text messages read as their markdown. */
function wireText(message: StoredMessage): string {
  if (message.stream) return message.stream.parts.join("");
  return message.markdownText ?? message.text;
}

export function editStamp(user: string, nowMs: number): { user: string; ts: string } {
  return { user, ts: formatTs(Math.floor(nowMs * 1_000)) };
}

export function isReply(message: StoredMessage): boolean {
  return message.threadTs !== undefined && message.threadTs !== message.ts;
}

export function compareTs(a: string, b: string): number {
  return parseTs(a) - parseTs(b);
}
