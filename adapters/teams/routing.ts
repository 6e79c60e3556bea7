// Decides what a Teams activity asks of the bot. Pure: the activity (as botframework-schema types
// it, read through a narrow shape) goes in, a decision comes out; teams-app.ts carries it out.

export interface TeamsMention {
  type: string;
  mentioned?: { id?: string; name?: string };
  text?: string;
}

/** The fields of an inbound activity this bot reads. */
export interface InboundActivity {
  type: string;
  id?: string;
  name?: string;
  text?: string;
  value?: unknown;
  attachments?: unknown[];
  entities?: TeamsMention[];
  from?: { id?: string; aadObjectId?: string; name?: string };
  recipient?: { id?: string; name?: string };
  conversation?: { id?: string; conversationType?: string; tenantId?: string; isGroup?: boolean };
  channelData?: {
    tenant?: { id?: string };
    team?: { id?: string; aadGroupId?: string };
    channel?: { id?: string };
  };
}

export type ConversationKind = "personal" | "channel" | "groupChat";

export interface TeamsTurn {
  kind: ConversationKind;
  tenantId: string;
  /** The conversation id without the `;messageid=` thread suffix. */
  baseConversationId: string;
  /** Thread root message id in a channel; "main" for a personal or group chat. */
  thread: string;
  userId: string;
  /** Every id the sender goes by (Entra object id, Teams user id), for the allow-lists. */
  userIds: string[];
  text: string;
  /** The team's id (channels). */
  teamId?: string;
  /** The team's Microsoft 365 group id (channels), for ownership lookups in Microsoft Graph. */
  teamAadGroupId?: string;
  /** The settings scope key part: the channel (channels) or the chat. */
  scopeId: string;
}

export type TeamsDecision =
  | { kind: "ignore"; reason: string }
  | { kind: "answer"; turn: TeamsTurn }
  /** Answer only when the bot already answered in this channel thread. */
  | { kind: "answer_if_in_thread"; turn: TeamsTurn }
  | { kind: "text_only"; turn: TeamsTurn }
  /** The settings card was submitted: `values` are its inputs. */
  | { kind: "settings_submit"; turn: TeamsTurn; values: Record<string, unknown> }
  | { kind: "feedback"; turn: TeamsTurn; value: unknown };

export const SETTINGS_CARD_ACTION = "settings.save";

export function routeTeamsActivity(activity: InboundActivity): TeamsDecision {
  const botId = activity.recipient?.id ?? "";
  const conversationId = activity.conversation?.id ?? "";
  const userId = activity.from?.aadObjectId ?? activity.from?.id;
  if (!conversationId || !userId) return { kind: "ignore", reason: "no conversation or sender" };
  if (activity.from?.id && activity.from.id === botId) return { kind: "ignore", reason: "own activity" };

  const kind = conversationKind(activity);
  const [base = conversationId, messageId] = conversationId.split(";messageid=");
  const mentioned = (activity.entities ?? []).some((e) => e.type === "mention" && e.mentioned?.id === botId);
  const turn: TeamsTurn = {
    kind,
    tenantId: activity.conversation?.tenantId ?? activity.channelData?.tenant?.id ?? "unknown",
    baseConversationId: base,
    thread: kind === "channel" ? (messageId ?? activity.id ?? "main") : "main",
    userId,
    userIds: [activity.from?.aadObjectId, activity.from?.id].filter((id): id is string => Boolean(id)),
    text: cleanText(activity, botId),
    teamId: activity.channelData?.team?.id,
    teamAadGroupId: activity.channelData?.team?.aadGroupId,
    scopeId: kind === "channel" ? (activity.channelData?.channel?.id ?? base) : base,
  };

  if (activity.type === "invoke") {
    if (activity.name === "message/submitAction") return { kind: "feedback", turn, value: activity.value };
    return { kind: "ignore", reason: `invoke ${activity.name ?? ""}` };
  }
  if (activity.type !== "message") return { kind: "ignore", reason: `activity ${activity.type}` };

  const value = activity.value as { action?: unknown } | undefined;
  if (value && typeof value === "object" && value.action === SETTINGS_CARD_ACTION) {
    return { kind: "settings_submit", turn, values: value as Record<string, unknown> };
  }
  // Teams attaches a text/html copy of every typed message; only other attachments are files or cards.
  const hasAttachments = (activity.attachments ?? []).some(
    (a) => (a as { contentType?: string }).contentType !== "text/html",
  );
  if (turn.text === "") {
    if (hasAttachments) return { kind: "text_only", turn };
    // A bare mention (or an empty message) asks what the bot can do.
    return mentioned || kind === "personal"
      ? { kind: "answer", turn: { ...turn, text: "help" } }
      : { kind: "ignore", reason: "empty" };
  }
  if (kind === "personal" || mentioned) return { kind: "answer", turn };
  // Teams delivers unmentioned channel messages only with resource-specific consent; answer them
  // in threads the bot is part of.
  return kind === "channel" && messageId
    ? { kind: "answer_if_in_thread", turn }
    : { kind: "ignore", reason: "not mentioned" };
}

function conversationKind(activity: InboundActivity): ConversationKind {
  const type = activity.conversation?.conversationType;
  if (type === "channel") return "channel";
  if (type === "groupChat" || activity.conversation?.isGroup) return "groupChat";
  return "personal";
}

/**
 * The message text without the bot's mentions; other people's mentions become their names.
 * Teams marks mentions as `<at>Name</at>` in the text and lists them in `entities`.
 */
export function cleanText(activity: InboundActivity, botId: string): string {
  let text = activity.text ?? "";
  for (const e of activity.entities ?? []) {
    if (e.type !== "mention" || !e.text) continue;
    text = text.split(e.text).join(e.mentioned?.id === botId ? " " : stripAt(e.text));
  }
  return stripAt(text)
    .replace(/&nbsp;/g, " ")
    .replace(/[ \t]{2,}/g, " ")
    .trim();
}

function stripAt(text: string): string {
  return text.replace(/<at>([^<]*)<\/at>/g, "$1");
}
