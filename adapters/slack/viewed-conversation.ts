// "Summarize this": while the agent view is open, Slack says what the user is looking at
// (app_context_changed: a channel, or a message and so its thread). The bot remembers it per user
// for an hour; a DM question that refers to it, or the "Summarize thread" message shortcut, is
// answered from that channel's latest messages or that thread, each cited by its permalink. Only
// what the asking user may see: conversations they are a member of and the bot can read.
import type { types } from "@slack/bolt";
import type { ConversationExcerpt } from "../../src/engine/types.js";
import type { Logger } from "../../src/log.js";
import type { Passage } from "../../src/retrieval/types.js";
import type { SharedNotes } from "../../src/store/types.js";
import { isSlackError, type SlackApi } from "./api.js";
import { stripMention } from "./routing.js";

/** What the user looked at last is forgotten after this. */
const VIEWING_TTL_S = 60 * 60;
/** A channel's latest messages read for a question (one conversations.history page). */
const CHANNEL_MESSAGES_READ = 100;
/** A thread's messages read for a question (one conversations.replies page). */
const THREAD_MESSAGES_READ = 200;
/** Pages of conversations.members read to find the user (1,000 members a page). */
const MEMBER_PAGES_MAX = 20;
const PREVIEW_MAX_CHARS = 60;

/**
 * A question about what the user is looking at: "summarize this", "tl;dr", "what's going on here",
 * anything naming "this channel" or "the thread". "A summary of the vacation policy" is not one.
 */
const REFERS_TO_VIEWED = [
  /\b(this|that|the) (channel|thread|conversation|discussion)\b/i,
  /\b(summari[sz]e|recap|tl;?dr)\b(\s+(this|that|it|here|please|for me))*\s*[.!?]*$/i,
  /\bwhat(?:'s| is) (going on|happening)( here)?\s*[.!?]*$/i,
  /\bcatch me up\b/i,
];

export interface Viewing {
  channel: string;
  /** A message the user looks at: its thread is meant. */
  messageTs?: string;
}

export function refersToViewed(question: string): boolean {
  return REFERS_TO_VIEWED.some((pattern) => pattern.test(question.trim()));
}

/** The first channel or message the event names (Slack orders them by relevance). */
export function viewingOf(event: types.AppContextChangedEvent): Viewing | undefined {
  for (const entity of event.context.entities ?? []) {
    if (entity.type === "slack#/types/channel_id") return { channel: entity.value };
    if (entity.type === "slack#/types/message_context")
      return { channel: entity.value.channel_id, messageTs: entity.value.message_ts };
  }
  return undefined;
}

const viewingKey = (teamId: string, userId: string) => `slack:viewing:${teamId}:${userId}`;

export async function rememberViewing(
  notes: SharedNotes,
  teamId: string,
  userId: string,
  viewing: Viewing | undefined,
): Promise<void> {
  const key = viewingKey(teamId, userId);
  if (viewing) await notes.putNote(key, JSON.stringify(viewing), VIEWING_TTL_S);
  else await notes.deleteNote(key);
}

export async function viewingFor(
  notes: SharedNotes,
  teamId: string,
  userId: string,
): Promise<Viewing | undefined> {
  const stored = await notes.getNote(viewingKey(teamId, userId));
  if (!stored) return undefined;
  try {
    const parsed = JSON.parse(stored) as Viewing;
    return typeof parsed.channel === "string" ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export interface ReadRequest {
  viewing: Viewing;
  userId: string;
  /** The workspace's address (auth.test `url`), for permalinks. */
  workspaceUrl: string;
  bot: { botUserId: string };
}

export type ReadResult = { excerpt: ConversationExcerpt } | { refusal: string };

/** Reads what the user looks at, or says why it will not. */
export async function readViewedConversation(
  api: SlackApi,
  request: ReadRequest,
  log: Logger,
): Promise<ReadResult> {
  const { channel, messageTs } = request.viewing;
  const where = `<#${channel}>`;
  try {
    if (!(await isMember(api, channel, request.userId))) {
      return { refusal: `I can't see ${where} for you: you are not a member of it.` };
    }
    const messages = messageTs ? await readThread(api, channel, messageTs) : await readChannel(api, channel);
    return {
      excerpt: {
        name: messageTs ? `a thread in the channel ${where}` : `the channel ${where}`,
        channelId: channel,
        passages: messages.map((m) => passageOf(m, channel, request)),
      },
    };
  } catch (err) {
    if (
      isSlackError(
        err,
        "not_in_channel",
        "channel_not_found",
        "thread_not_found",
        "method_not_supported_for_channel_type",
      )
    ) {
      return { refusal: `I can't see ${where}: invite me to it (\`/invite @me\`) and ask again.` };
    }
    log.warn({ err }, "could not read the conversation the user is looking at");
    return { refusal: `I couldn't read ${where} just now; please try again in a moment.` };
  }
}

interface SlackMessage {
  ts: string;
  thread_ts?: string;
  text?: string;
  user?: string;
  bot_id?: string;
  subtype?: string;
}

async function isMember(api: SlackApi, channel: string, userId: string): Promise<boolean> {
  let cursor: string | undefined;
  for (let page = 0; page < MEMBER_PAGES_MAX; page++) {
    const result = await api.call<{ members?: string[]; response_metadata?: { next_cursor?: string } }>(
      "conversations.members",
      { channel, limit: 1_000, ...(cursor ? { cursor } : {}) },
    );
    if (result.members?.includes(userId)) return true;
    cursor = result.response_metadata?.next_cursor || undefined;
    if (!cursor) return false;
  }
  return false;
}

/** Newest first, as conversations.history gives them. */
async function readChannel(api: SlackApi, channel: string): Promise<SlackMessage[]> {
  const result = await api.call<{ messages?: SlackMessage[] }>("conversations.history", {
    channel,
    limit: CHANNEL_MESSAGES_READ,
  });
  return (result.messages ?? []).filter(readable);
}

/** Newest first; Slack gives the parent, then replies oldest first. */
async function readThread(api: SlackApi, channel: string, ts: string): Promise<SlackMessage[]> {
  const result = await api.call<{ messages?: SlackMessage[] }>("conversations.replies", {
    channel,
    ts,
    limit: THREAD_MESSAGES_READ,
  });
  return (result.messages ?? []).filter(readable).reverse();
}

/** People's and bots' words; joins, leaves and other notices are left out. */
function readable(message: SlackMessage): boolean {
  return (
    (message.text ?? "").trim() !== "" &&
    (message.subtype === undefined ||
      message.subtype === "bot_message" ||
      message.subtype === "thread_broadcast")
  );
}

function passageOf(message: SlackMessage, channel: string, request: ReadRequest): Passage {
  const author = message.user ?? message.bot_id ?? "someone";
  const text = stripMention(message.text ?? "", request.bot.botUserId);
  const at = new Date(Number(message.ts) * 1_000).toISOString().slice(0, 16).replace("T", " ");
  return {
    id: message.ts,
    content: `<@${author}> (${at} UTC): ${text}`,
    title: preview(text),
    url: permalink(request.workspaceUrl, channel, message),
  };
}

/** Slack's message link: /archives/<channel>/p<ts without the dot>, plus the thread for a reply. */
export function permalink(
  workspaceUrl: string,
  channel: string,
  message: { ts: string; thread_ts?: string },
): string {
  const base = workspaceUrl.endsWith("/") ? workspaceUrl : `${workspaceUrl}/`;
  const link = `${base}archives/${channel}/p${message.ts.replace(".", "")}`;
  const reply = message.thread_ts !== undefined && message.thread_ts !== message.ts;
  return reply ? `${link}?thread_ts=${message.thread_ts}&cid=${channel}` : link;
}

function preview(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length <= PREVIEW_MAX_CHARS ? line : `${line.slice(0, PREVIEW_MAX_CHARS - 1).trimEnd()}…`;
}
