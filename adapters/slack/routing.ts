// Decides what a Slack event asks of the bot. Pure: Bolt hands the event in, a decision comes out,
// and slack-app.ts carries it out (the only async question left is "is this a thread we are in?").

/** The fields of Slack message-like events (app_mention, message) this bot reads. */
export interface SlackMessageEvent {
  type: string;
  subtype?: string;
  user?: string;
  bot_id?: string;
  text?: string;
  ts: string;
  thread_ts?: string;
  channel: string;
  channel_type?: string;
  files?: unknown[];
}

export interface BotIdentity {
  botUserId: string;
  botId?: string;
  /** Other bots whose messages are answered. */
  allowedBots: string[];
  /**
   * The app runs agent_view: every top-level DM message starts a thread of its own (the Messages
   * tab's timeline, one agent session each). Otherwise top-level DMs are one continuing conversation.
   */
  dmThreads?: boolean;
}

/** Where a reply goes and which conversation it belongs to. */
export interface SlackTurn {
  teamId: string;
  channel: string;
  /** The thread to reply in; undefined for a top-level DM conversation without agent_view. */
  replyThreadTs: string | undefined;
  /** The conversation's thread part of the key: the thread ts, or "dm" for top-level DM messages. */
  thread: string;
  userId: string;
  messageTs: string;
  text: string;
  isDm: boolean;
  /** A mention inside a thread the bot may not have seen: load earlier messages as context. */
  inExistingThread: boolean;
}

export type SlackDecision =
  | { kind: "ignore"; reason: string }
  /** Answer it. */
  | { kind: "answer"; turn: SlackTurn }
  /** Answer only when the bot already takes part in this thread. */
  | { kind: "answer_if_in_thread"; turn: SlackTurn }
  /** A message with files and no text: say the bot reads text only. */
  | { kind: "text_only"; turn: SlackTurn };

/** Message subtypes that are a person writing something new; every other subtype is ignored. */
const ANSWERABLE_SUBTYPES = new Set([undefined, "thread_broadcast", "file_share"]);

export function routeSlackEvent(event: SlackMessageEvent, teamId: string, bot: BotIdentity): SlackDecision {
  if (event.type !== "app_mention" && event.type !== "message")
    return { kind: "ignore", reason: `event ${event.type}` };
  if (!ANSWERABLE_SUBTYPES.has(event.subtype)) return { kind: "ignore", reason: `subtype ${event.subtype}` };
  if (event.user === bot.botUserId || (bot.botId && event.bot_id === bot.botId))
    return { kind: "ignore", reason: "own message" };
  if (event.bot_id && !bot.allowedBots.includes(event.bot_id))
    return { kind: "ignore", reason: "another bot" };
  const userId = event.user ?? event.bot_id;
  if (!userId) return { kind: "ignore", reason: "no author" };

  const rawText = event.text ?? "";
  const mentioned = mentionPattern(bot.botUserId).test(rawText);
  const text = stripMention(rawText, bot.botUserId);
  const isDm = event.channel_type === "im" || (event.type === "message" && event.channel.startsWith("D"));
  const threadTs = event.thread_ts;

  const topLevelDm = isDm && !threadTs && !bot.dmThreads;
  const turn: SlackTurn = {
    teamId,
    channel: event.channel,
    replyThreadTs: topLevelDm ? undefined : (threadTs ?? event.ts),
    thread: topLevelDm ? "dm" : (threadTs ?? event.ts),
    userId,
    messageTs: event.ts,
    text,
    isDm,
    inExistingThread: threadTs !== undefined && threadTs !== event.ts,
  };
  const hasFilesOnly = text === "" && (event.files?.length ?? 0) > 0;

  if (event.type === "app_mention") {
    // In a DM Slack sends message.im as well; that one is answered, this one would be a duplicate.
    if (isDm) return { kind: "ignore", reason: "mention in a DM (answered as message.im)" };
    if (hasFilesOnly) return { kind: "text_only", turn };
    // A bare mention asks what the bot can do: answer with the help text.
    return { kind: "answer", turn: text === "" ? { ...turn, text: "help" } : turn };
  }
  if (isDm) {
    if (hasFilesOnly) return { kind: "text_only", turn };
    if (text === "") return { kind: "ignore", reason: "empty DM" };
    return { kind: "answer", turn };
  }
  // Channel messages: a mention is answered through app_mention (Slack sends both), so only
  // unmentioned replies in a thread can be follow-ups.
  if (mentioned) return { kind: "ignore", reason: "answered as app_mention" };
  if (!threadTs || threadTs === event.ts) return { kind: "ignore", reason: "not in a thread" };
  if (text === "") return { kind: "ignore", reason: "no text" };
  return { kind: "answer_if_in_thread", turn };
}

function mentionPattern(botUserId: string): RegExp {
  return new RegExp(`<@${escapeRegExp(botUserId)}(?:\\|[^>]*)?>`, "g");
}

/** Removes every mention of the bot (other people's mentions stay) and tidies the spacing. */
export function stripMention(text: string, botUserId: string): string {
  return text
    .replace(mentionPattern(botUserId), " ")
    .replace(/[ \t]{2,}/g, " ")
    .trim();
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
