// Events API payloads a chat bot receives: the event_callback envelope, app_mention, message (in a
// channel, a thread or a DM; message_changed, bot_message, channel_join, file_share),
// assistant_thread_started, and url_verification. Shapes follow Slack's docs and examples
// (specs/slack/events/message.json) and are typed with Bolt's own payload types, so a shape Bolt
// does not expect fails to compile.
import { randomBytes, randomUUID } from "node:crypto";
import type { EnvelopedEvent, types } from "@slack/bolt";
import { DEFAULT_TEAM } from "./defaults.js";
import { type ChannelType, channelTypeOf, newEventId } from "./slack-ids.js";

export const DEFAULT_API_APP_ID = DEFAULT_TEAM.appId;
/** The legacy verification token Slack still sends in payloads (not used for auth). */
export const DEFAULT_VERIFICATION_TOKEN = "legacy-verification-token";

export interface EnvelopeOptions {
  teamId?: string;
  apiAppId?: string;
  /** The bot user the event is authorized for. */
  botUserId?: string;
  eventId?: string;
  /** Seconds since the epoch (default: now). */
  eventTime?: number;
}

/** The Events API envelope around `event` (type event_callback). */
export function eventEnvelope<E>(event: E, options: EnvelopeOptions = {}): EnvelopedEvent<E> {
  const teamId = options.teamId ?? DEFAULT_TEAM.teamId;
  return {
    token: DEFAULT_VERIFICATION_TOKEN,
    team_id: teamId,
    context_team_id: teamId,
    api_app_id: options.apiAppId ?? DEFAULT_API_APP_ID,
    event,
    type: "event_callback",
    event_id: options.eventId ?? newEventId(),
    event_time: options.eventTime ?? Math.floor(Date.now() / 1_000),
    authorizations: [
      {
        enterprise_id: null,
        team_id: teamId,
        user_id: options.botUserId ?? DEFAULT_TEAM.botUserId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
  };
}

export interface MessageOptions {
  user: string;
  channel: string;
  text: string;
  ts: string;
  threadTs?: string;
  /** The thread parent's author, sent on replies. */
  parentUserId?: string;
  team?: string;
  /** Default: from the channel ID (D: im, G: group, else channel). */
  channelType?: ChannelType;
  /** Set for messages the bot itself posted (Slack sends them as plain messages with bot_id). */
  botId?: string;
}

export function appMentionEvent(
  options: Omit<MessageOptions, "channelType" | "botId">,
): types.AppMentionEvent {
  return {
    client_msg_id: randomUUID(),
    type: "app_mention",
    text: options.text,
    user: options.user,
    ts: options.ts,
    team: options.team ?? DEFAULT_TEAM.teamId,
    blocks: richTextBlocks(options.text),
    channel: options.channel,
    event_ts: options.ts,
    ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
  };
}

/** A plain user message: in a channel, in a thread (threadTs) or in a DM (a D… channel). */
export function messageEvent(options: MessageOptions): types.GenericMessageEvent {
  return {
    client_msg_id: randomUUID(),
    type: "message",
    subtype: undefined,
    text: options.text,
    user: options.user,
    ts: options.ts,
    team: options.team ?? DEFAULT_TEAM.teamId,
    blocks: richTextBlocks(options.text),
    channel: options.channel,
    event_ts: options.ts,
    channel_type: options.channelType ?? channelTypeOf(options.channel),
    ...(options.botId ? { bot_id: options.botId } : {}),
    ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
    ...(options.threadTs && options.parentUserId ? { parent_user_id: options.parentUserId } : {}),
  };
}

/** A user edited a message (hidden event; `message` holds the new version). */
export function messageChangedEvent(options: {
  previous: types.GenericMessageEvent;
  newText: string;
  editedAtTs: string;
}): types.MessageChangedEvent {
  const { previous } = options;
  return {
    type: "message",
    subtype: "message_changed",
    hidden: true,
    channel: previous.channel,
    channel_type: previous.channel_type,
    ts: options.editedAtTs,
    event_ts: options.editedAtTs,
    message: {
      ...previous,
      text: options.newText,
      blocks: richTextBlocks(options.newText),
      edited: { user: previous.user, ts: options.editedAtTs },
    },
    previous_message: previous,
  };
}

/** A message from an integration (legacy bot or webhook): subtype bot_message. */
export function botMessageEvent(options: {
  channel: string;
  text: string;
  ts: string;
  botId: string;
  username?: string;
  threadTs?: string;
}): types.BotMessageEvent {
  return {
    type: "message",
    subtype: "bot_message",
    text: options.text,
    ts: options.ts,
    bot_id: options.botId,
    username: options.username ?? "integration",
    channel: options.channel,
    event_ts: options.ts,
    channel_type: channelTypeOf(options.channel),
    ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
  };
}

export function channelJoinEvent(options: {
  user: string;
  channel: string;
  ts: string;
  inviter?: string;
  team?: string;
}): types.ChannelJoinMessageEvent {
  return {
    type: "message",
    subtype: "channel_join",
    user: options.user,
    text: `<@${options.user}> has joined the channel`,
    inviter: options.inviter ?? options.user,
    team: options.team ?? DEFAULT_TEAM.teamId,
    channel: options.channel,
    channel_type: channelTypeOf(options.channel),
    ts: options.ts,
    event_ts: options.ts,
  };
}

/** A message with a file attached (subtype file_share). */
export function fileShareEvent(options: {
  user: string;
  channel: string;
  ts: string;
  text?: string;
  threadTs?: string;
  fileName?: string;
  mimetype?: string;
}): types.FileShareMessageEvent {
  const name = options.fileName ?? "notes.txt";
  const id = `F${randomBytes(5).toString("hex").toUpperCase()}`;
  return {
    type: "message",
    subtype: "file_share",
    text: options.text ?? "",
    files: [
      {
        id,
        created: Math.floor(Date.now() / 1_000),
        name,
        title: name,
        mimetype: options.mimetype ?? "text/plain",
        filetype: name.split(".").at(-1) ?? "text",
        pretty_type: "Plain Text",
        user: options.user,
        editable: true,
        size: 42,
        mode: "hosted",
        is_external: false,
        external_type: "",
        is_public: false,
        public_url_shared: false,
        display_as_bot: false,
        username: "",
        url_private: `https://files.slack.com/files-pri/${DEFAULT_TEAM.teamId}-${id}/${name}`,
        permalink: `https://example.slack.com/files/${options.user}/${id}/${name}`,
        channels: null,
        groups: null,
      },
    ],
    upload: false,
    display_as_bot: false,
    user: options.user,
    ts: options.ts,
    channel: options.channel,
    channel_type: channelTypeOf(options.channel),
    event_ts: options.ts,
    ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
  };
}

/** The user opened the assistant container; `threadTs` is the new thread in the DM `channelId`. */
export function assistantThreadStartedEvent(options: {
  userId: string;
  channelId: string;
  threadTs: string;
  /** The channel the user was viewing, if any. */
  contextChannelId?: string;
  teamId?: string;
}): types.AssistantThreadStartedEvent {
  return {
    type: "assistant_thread_started",
    assistant_thread: {
      user_id: options.userId,
      context: {
        ...(options.contextChannelId ? { channel_id: options.contextChannelId } : {}),
        team_id: options.teamId ?? DEFAULT_TEAM.teamId,
        enterprise_id: null,
      },
      channel_id: options.channelId,
      thread_ts: options.threadTs,
    },
    event_ts: options.threadTs,
  };
}

/** Sent once when the Request URL is saved; the app answers with `challenge`. */
export function urlVerification(challenge = randomBytes(16).toString("hex")): {
  token: string;
  challenge: string;
  type: "url_verification";
} {
  return { token: DEFAULT_VERIFICATION_TOKEN, challenge, type: "url_verification" };
}

/** Message text as the rich_text block Slack clients attach: `<@U…>` mentions become user elements. */
function richTextBlocks(text: string): types.RichTextBlock[] {
  const elements: types.RichTextElement[] = [];
  for (const part of text.split(/(<@[UW][A-Z0-9]+>)/)) {
    if (part === "") continue;
    const mention = /^<@([UW][A-Z0-9]+)>$/.exec(part);
    elements.push(mention?.[1] ? { type: "user", user_id: mention[1] } : { type: "text", text: part });
  }
  return [
    {
      type: "rich_text",
      block_id: randomBytes(3).toString("base64url"),
      elements: [{ type: "rich_text_section", elements }],
    },
  ];
}

/** A user opened the bot's App Home: its Messages tab (agent_view's conversations) or its Home tab. */
export function appHomeOpenedEvent(options: {
  user: string;
  /** The user's DM with the bot (a D… channel). */
  channel: string;
  tab: "messages" | "home";
}): types.AppHomeOpenedEvent {
  return {
    type: "app_home_opened",
    user: options.user,
    channel: options.channel,
    tab: options.tab,
    event_ts: `${Math.floor(Date.now() / 1_000)}.000100`,
  };
}

/**
 * What the user is looking at while the agent view is open (app_context_changed, agent_view only):
 * a channel, or one message (a thread) of a channel; none gives `context: {}`.
 */
export function appContextChangedEvent(options: {
  user: string;
  /** The user's DM with the bot, where the agent view runs. */
  channel: string;
  viewing?: { channelId: string; messageTs?: string; teamId?: string };
}): types.AppContextChangedEvent {
  const viewing = options.viewing;
  const teamId = viewing?.teamId ?? DEFAULT_TEAM.teamId;
  const entity = !viewing
    ? undefined
    : viewing.messageTs
      ? {
          type: "slack#/types/message_context" as const,
          value: { message_ts: viewing.messageTs, channel_id: viewing.channelId },
          team_id: teamId,
        }
      : { type: "slack#/types/channel_id" as const, value: viewing.channelId, team_id: teamId };
  return {
    type: "app_context_changed",
    user: options.user,
    channel: options.channel,
    context: entity ? { entities: [entity] } : {},
    event_ts: `${Math.floor(Date.now() / 1_000)}.000300`,
  };
}
