// chat.postMessage, chat.update, chat.delete, chat.postEphemeral, reactions.add.
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
import { editStamp, toSlackMessage } from "./wire-message.js";
import type { StoredMessage } from "./workspace.js";

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
