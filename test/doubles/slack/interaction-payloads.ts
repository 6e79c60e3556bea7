// Payloads of slash commands and interactivity: the command form body and a block_actions click on
// feedback_buttons (Bolt's FeedbackButtonsAction: type, value, text), sent as a form whose one field,
// `payload`, holds the JSON.
import type { BlockAction, FeedbackButtonsAction, MessageShortcut, SlashCommand } from "@slack/bolt";
import { DEFAULT_TEAM } from "./defaults.js";
import { DEFAULT_API_APP_ID, DEFAULT_VERIFICATION_TOKEN } from "./event-payloads.js";
import { digits, newTriggerId, randomToken } from "./slack-ids.js";

export interface SlashCommandOptions {
  command: string;
  text: string;
  userId: string;
  channelId: string;
  teamId?: string;
  userName?: string;
  channelName?: string;
  responseUrl?: string;
  triggerId?: string;
}

export function slashCommand(options: SlashCommandOptions): SlashCommand {
  const teamId = options.teamId ?? DEFAULT_TEAM.teamId;
  return {
    token: DEFAULT_VERIFICATION_TOKEN,
    team_id: teamId,
    team_domain: "testworkspace",
    channel_id: options.channelId,
    channel_name: options.channelName ?? (options.channelId.startsWith("D") ? "directmessage" : "general"),
    user_id: options.userId,
    user_name: options.userName ?? "alice",
    command: options.command,
    text: options.text,
    api_app_id: DEFAULT_API_APP_ID,
    is_enterprise_install: "false",
    response_url:
      options.responseUrl ?? `https://hooks.slack.com/commands/${teamId}/${digits(12)}/${randomToken()}`,
    trigger_id: options.triggerId ?? newTriggerId(),
  };
}

/** The form body Slack POSTs for a slash command. */
export function slashCommandForm(options: SlashCommandOptions): string {
  return new URLSearchParams(slashCommand(options) as Record<string, string>).toString();
}

export interface FeedbackClickOptions {
  userId: string;
  channelId: string;
  /** ts of the bot message that carries the buttons. */
  messageTs: string;
  threadTs?: string;
  /** "positive" or "negative" (default "positive"). */
  choice?: "positive" | "negative";
  /** The button values set in the block (default "positive_feedback" / "negative_feedback", as in Slack's example). */
  value?: string;
  actionId?: string;
  blockId?: string;
  botUserId?: string;
  botId?: string;
  messageText?: string;
  teamId?: string;
}

/** A click on a feedback_buttons element (in a context_actions block) of a bot message. */
export function feedbackButtonsClick(options: FeedbackClickOptions): BlockAction<FeedbackButtonsAction> {
  const teamId = options.teamId ?? DEFAULT_TEAM.teamId;
  const positive = (options.choice ?? "positive") === "positive";
  const actionId = options.actionId ?? "feedback";
  const blockId = options.blockId ?? "feedback_block";
  const value = options.value ?? (positive ? "positive_feedback" : "negative_feedback");
  return {
    type: "block_actions",
    user: { id: options.userId, username: "alice", name: "alice", team_id: teamId },
    api_app_id: DEFAULT_API_APP_ID,
    token: DEFAULT_VERIFICATION_TOKEN,
    container: {
      type: "message",
      message_ts: options.messageTs,
      channel_id: options.channelId,
      is_ephemeral: false,
      ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
    },
    trigger_id: newTriggerId(),
    team: { id: teamId, domain: "testworkspace" },
    is_enterprise_install: false,
    channel: { id: options.channelId, name: options.channelId.startsWith("D") ? "directmessage" : "general" },
    message: {
      type: "message",
      user: options.botUserId ?? DEFAULT_TEAM.botUserId,
      bot_id: options.botId ?? DEFAULT_TEAM.botId,
      app_id: DEFAULT_API_APP_ID,
      text: options.messageText ?? "",
      ts: options.messageTs,
      ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
      blocks: [
        {
          type: "context_actions",
          block_id: blockId,
          elements: [
            {
              type: "feedback_buttons",
              action_id: actionId,
              positive_button: { text: { type: "plain_text", text: "👍" }, value: "positive_feedback" },
              negative_button: { text: { type: "plain_text", text: "👎" }, value: "negative_feedback" },
            },
          ],
        },
      ],
    },
    state: { values: {} },
    response_url: `https://hooks.slack.com/actions/${teamId}/${digits(12)}/${randomToken()}`,
    actions: [
      {
        type: "feedback_buttons",
        action_id: actionId,
        block_id: blockId,
        value,
        text: { type: "plain_text", text: positive ? "👍" : "👎", emoji: true },
        action_ts: `${Math.floor(Date.now() / 1_000)}.${digits(6)}`,
      },
    ],
  };
}

/** A message shortcut (the "…" menu of a message): Bolt's MessageShortcut. */
export function messageShortcut(options: {
  callbackId: string;
  userId: string;
  channelId: string;
  messageTs: string;
  threadTs?: string;
  messageUser?: string;
  text?: string;
  teamId?: string;
  /** Where the app answers (SlackDouble.responseUrl). */
  responseUrl?: string;
}): MessageShortcut {
  const teamId = options.teamId ?? DEFAULT_TEAM.teamId;
  return {
    type: "message_action",
    callback_id: options.callbackId,
    trigger_id: newTriggerId(),
    message_ts: options.messageTs,
    response_url:
      options.responseUrl ?? `https://hooks.slack.com/app/${teamId}/${digits(12)}/${randomToken()}`,
    message: {
      type: "message",
      user: options.messageUser,
      ts: options.messageTs,
      text: options.text ?? "",
      ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
    },
    user: { id: options.userId, name: "alice", username: "alice", team_id: teamId },
    channel: { id: options.channelId, name: "general" },
    team: { id: teamId, domain: "testworkspace" },
    token: DEFAULT_VERIFICATION_TOKEN,
    action_ts: `${Math.floor(Date.now() / 1_000)}.${digits(6)}`,
    is_enterprise_install: false,
  };
}

/** Interactivity payloads arrive as a form with one field, `payload`, holding the JSON. */
export function interactivityForm(payload: object): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
