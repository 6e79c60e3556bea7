// Inbound activities as Teams sends them to a bot's /api/messages, from the shapes in Microsoft's docs
// (conversation-messages, channel-and-group-conversations, cards and feedback pages), and postActivity
// to deliver one. Every builder sets channelId "msteams", serviceUrl, the bot as recipient ("28:<appId>"),
// a user `from` with aadObjectId, the tenant, and a fresh id.
import { freshId } from "./ids.js";

export interface TeamsUser {
  /** "29:..." */
  id: string;
  name: string;
  aadObjectId: string;
}

export interface InboundBase {
  /** Where the bot must answer: the connector double's url. */
  serviceUrl: string;
  /** The bot's Microsoft App ID (recipient id "28:<botAppId>"). */
  botAppId: string;
  botName?: string;
  tenantId?: string;
  user?: TeamsUser;
}

export interface InboundActivity {
  type: string;
  id: string;
  timestamp: string;
  serviceUrl: string;
  channelId: "msteams";
  from: TeamsUser;
  recipient: { id: string; name: string };
  conversation: {
    id: string;
    conversationType: "personal" | "groupChat" | "channel";
    tenantId: string;
    isGroup?: boolean;
    name?: string;
  };
  channelData: Record<string, unknown>;
  locale?: string;
  text?: string;
  textFormat?: string;
  attachments?: unknown[];
  entities?: Array<Record<string, unknown>>;
  value?: unknown;
  name?: string;
  replyToId?: string;
  membersAdded?: Array<{ id: string; name?: string; aadObjectId?: string }>;
  [key: string]: unknown;
}

export const DEFAULT_TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47";
export const DEFAULT_BOT_NAME = "Azure Chat";
export const DEFAULT_USER: TeamsUser = {
  id: "29:1GcS4EyB_oSI8A88XmWBN7NJFyMqe3QGnJdgLfFGkJnVelzRGos0bPbpsfJjcbAD22bmKc4GMbrY2g4JDrrA8vM06X1-cHHle4zOE6U4ttcc",
  name: "Megan Bowen",
  aadObjectId: "9d3e08f9-a7ae-43aa-a4d3-de3f319a8a9c",
};

/** The bot's Teams id: "28:" + its Microsoft App ID. */
export function botId(botAppId: string): string {
  return `28:${botAppId}`;
}

/** A 1:1 chat's conversation id ("a:..."). */
export function personalConversationId(): string {
  return `a:${freshId("1")}`;
}

/** A team's General channel id, also the team id. */
export function channelConversationId(): string {
  return `19:${freshId()}@thread.tacv2`;
}

export function groupChatConversationId(): string {
  return `19:${freshId()}@thread.v2`;
}

/** A message a user types to the bot in a personal chat (no mention needed; no team or channel). */
export function personalMessage(
  base: InboundBase,
  options: { text: string; conversationId?: string; id?: string },
): InboundActivity {
  return {
    ...common(base, "message", options.id),
    conversation: {
      conversationType: "personal",
      tenantId: tenant(base),
      id: options.conversationId ?? personalConversationId(),
    },
    text: options.text,
    textFormat: "plain",
    entities: [clientInfo()],
  };
}

/**
 * A channel post that @mentions the bot. A new post's conversation id ends with ";messageid=" and its
 * own id; a reply in a thread names the thread's root and carries replyToId.
 */
export function channelMention(
  base: InboundBase,
  options: { question: string; teamId?: string; channelId?: string; threadRootId?: string; id?: string },
): InboundActivity {
  const id = options.id ?? teamsMessageId();
  const teamId = options.teamId ?? channelConversationId();
  const channelId = options.channelId ?? teamId;
  const root = options.threadRootId ?? id;
  return {
    ...common(base, "message", id),
    conversation: {
      isGroup: true,
      conversationType: "channel",
      tenantId: tenant(base),
      id: `${channelId};messageid=${root}`,
    },
    ...mentionText(base, options.question),
    replyToId: options.threadRootId,
    channelData: {
      teamsChannelId: channelId,
      teamsTeamId: teamId,
      channel: { id: channelId },
      team: { id: teamId },
      tenant: { id: tenant(base) },
    },
  };
}

/** A group chat message that @mentions the bot (bots in group chats get only mentions by default). */
export function groupChatMention(
  base: InboundBase,
  options: { question: string; conversationId?: string; id?: string },
): InboundActivity {
  return {
    ...common(base, "message", options.id),
    conversation: {
      isGroup: true,
      conversationType: "groupChat",
      tenantId: tenant(base),
      id: options.conversationId ?? groupChatConversationId(),
    },
    ...mentionText(base, options.question),
  };
}

/** A file sent in a personal chat with no text (Teams: file.download.info attachment). */
export function attachmentOnlyMessage(
  base: InboundBase,
  options: { conversationId?: string; attachments?: unknown[]; id?: string } = {},
): InboundActivity {
  const message = personalMessage(base, { text: "", conversationId: options.conversationId, id: options.id });
  delete message.text;
  message.attachments = options.attachments ?? [
    {
      contentType: "application/vnd.microsoft.teams.file.download.info",
      contentUrl: "https://contoso.sharepoint.com/personal/megan/Documents/report.pdf",
      name: "report.pdf",
      content: {
        downloadUrl: "https://download.invalid/report.pdf",
        uniqueId: "1150D938-8870-4044-9F2C-5BBDEBA70C9D",
        fileType: "pdf",
      },
    },
  ];
  return message;
}

/** An Adaptive Card Action.Submit: a message with the card's data in `value`, no text, replying to the card. */
export function cardSubmit(
  base: InboundBase,
  options: { value: Record<string, unknown>; replyToId: string; conversationId?: string; id?: string },
): InboundActivity {
  const message = personalMessage(base, { text: "", conversationId: options.conversationId, id: options.id });
  delete message.text;
  message.value = options.value;
  message.replyToId = options.replyToId;
  message.channelData = {
    ...message.channelData,
    source: { name: "message" },
    legacy: { replyToId: options.replyToId },
  };
  return message;
}

/**
 * The feedback buttons' invoke: name "message/submitAction", value {actionName:"feedback",
 * actionValue:{reaction, feedback: '{"feedbackText":"..."}'}} (feedback is a JSON string), replyToId the
 * bot message. The bot must answer the HTTP request (200) for Teams to close the form.
 */
export function feedbackInvoke(
  base: InboundBase,
  options: {
    replyToId: string;
    reaction: "like" | "dislike";
    feedbackText?: string;
    conversationId?: string;
    id?: string;
  },
): InboundActivity {
  const message = personalMessage(base, { text: "", conversationId: options.conversationId, id: options.id });
  const { text: _text, textFormat: _format, entities: _entities, ...rest } = message;
  return {
    ...rest,
    type: "invoke",
    name: "message/submitAction",
    replyToId: options.replyToId,
    value: {
      actionName: "feedback",
      actionValue: {
        reaction: options.reaction,
        feedback: JSON.stringify({ feedbackText: options.feedbackText ?? "" }),
      },
    },
  };
}

/** The bot was added to a personal chat (membersAdded names the bot). */
export function conversationUpdate(
  base: InboundBase,
  options: { conversationId?: string; membersAdded?: Array<{ id: string }>; id?: string } = {},
): InboundActivity {
  return {
    ...common(base, "conversationUpdate", options.id),
    conversation: {
      conversationType: "personal",
      tenantId: tenant(base),
      id: options.conversationId ?? personalConversationId(),
    },
    membersAdded: options.membersAdded ?? [{ id: botId(base.botAppId) }],
  };
}

/** An activity type the bot does not know (Teams adds types over time). */
export function unknownActivity(
  base: InboundBase,
  options: { type?: string; conversationId?: string; id?: string } = {},
): InboundActivity {
  return {
    ...common(base, options.type ?? "futureActivityType", options.id),
    conversation: {
      conversationType: "personal",
      tenantId: tenant(base),
      id: options.conversationId ?? personalConversationId(),
    },
  };
}

export interface PostResult {
  status: number;
  /** The parsed JSON answer (an invoke response body), or the raw text. */
  body: unknown;
}

/** Delivers an activity to the bot as Teams would: POST <botUrl> (…/api/messages) with a JSON body. */
export async function postActivity(
  botUrl: string,
  activity: InboundActivity,
  options: { authorization?: string } = {},
): Promise<PostResult> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.authorization) headers.authorization = options.authorization;
  // Teams adds these two headers to every request to a bot (request-headers-of-the-bot).
  headers["x-ms-conversation-id"] = activity.conversation.id;
  headers["x-ms-tenant-id"] = activity.conversation.tenantId;
  const response = await fetch(botUrl, { method: "POST", headers, body: JSON.stringify(activity) });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text === "" ? undefined : JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body };
}

function common(base: InboundBase, type: string, id: string | undefined) {
  const timestamp = new Date().toISOString();
  return {
    type,
    id: id ?? teamsMessageId(),
    timestamp,
    localTimestamp: timestamp,
    serviceUrl: base.serviceUrl,
    channelId: "msteams" as const,
    from: base.user ?? DEFAULT_USER,
    recipient: { id: botId(base.botAppId), name: base.botName ?? DEFAULT_BOT_NAME },
    locale: "en-US",
    channelData: { tenant: { id: tenant(base) } } as Record<string, unknown>,
  };
}

function mentionText(base: InboundBase, question: string) {
  const name = base.botName ?? DEFAULT_BOT_NAME;
  const at = `<at>${name}</at>`;
  return {
    text: `${at} ${question}`,
    textFormat: "plain",
    attachments: [
      {
        contentType: "text/html",
        content: `<div><div><span itemscope="" itemtype="http://schema.skype.com/Mention" itemid="0">${name}</span> ${question}</div></div>`,
      },
    ],
    entities: [{ type: "mention", mentioned: { id: botId(base.botAppId), name }, text: at }, clientInfo()],
  };
}

function clientInfo(): Record<string, unknown> {
  return { type: "clientInfo", locale: "en-US", country: "US", platform: "Web", timezone: "Europe/London" };
}

function tenant(base: InboundBase): string {
  return base.tenantId ?? DEFAULT_TENANT_ID;
}

let lastMessageId = 0;

/** Teams message ids are millisecond timestamps; unique here even within one millisecond. */
function teamsMessageId(): string {
  lastMessageId = Math.max(lastMessageId + 1, Date.now());
  return String(lastMessageId);
}
