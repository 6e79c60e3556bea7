// Channels and group chats have no native streaming: the answer is posted (in the channel thread,
// since the conversation id carries `;messageid=`), then edited in place with updateActivity within
// the per-conversation limits. The finished answer carries the AI label and the feedback loop. No
// typing indicator: it would spend a request of the channel's shared budget for a second of "…".
import type { Activity } from "botframework-schema";
import type { NumberedSource } from "../../src/citations/types.js";
import type { MessageHandle, ReplyEnd, ReplySink, SinkLimits } from "../../src/reply/types.js";
import type { SettingsView } from "../../src/settings/resolve.js";
import { FEEDBACK_CHANNEL_DATA } from "./ai-message.js";
import { citationEntity } from "./citations.js";
import type { TeamsConversation } from "./conversation.js";
import { reportCardMessage } from "./report-card.js";
import { settingsCardMessage } from "./settings-card.js";
import { TEAMS_MESSAGE_MAX_CHARS } from "./stream-sink.js";

/** One edit per message per second stays far inside 7/s and 60/30 s per conversation. */
export const TEAMS_EDIT_INTERVAL_MS = 1_000;

export class TeamsUpdateSink implements ReplySink {
  readonly limits: SinkLimits;
  /** Sources the answer cites (On Your Data): citation entities on its final message. */
  private sources: NumberedSource[] = [];
  private readonly conversation: TeamsConversation;

  constructor(conversation: TeamsConversation, timeScale = 1) {
    this.conversation = conversation;
    this.limits = {
      maxChars: TEAMS_MESSAGE_MAX_CHARS,
      minIntervalMs: Math.max(1, Math.round(TEAMS_EDIT_INTERVAL_MS * timeScale)),
    };
  }

  setSources(sources: NumberedSource[]): void {
    this.sources = sources;
  }

  /** `settings` as an Adaptive Card with a form (for those allowed to change them). */
  async showSettings(view: SettingsView): Promise<void> {
    await this.conversation.send(settingsCardMessage(view));
  }

  async showReport(markdown: string): Promise<void> {
    await this.conversation.send(reportCardMessage(markdown));
  }

  async post(text: string, final: boolean, end?: ReplyEnd): Promise<MessageHandle> {
    return { id: await this.conversation.send(this.message(text, final, end)) };
  }

  async update(message: MessageHandle, text: string, final: boolean, end?: ReplyEnd): Promise<void> {
    await this.conversation.update({ ...this.message(text, final, end), id: message.id });
  }

  private message(text: string, final: boolean, end: ReplyEnd | undefined): Partial<Activity> {
    const answer = final && end === "answer";
    return {
      type: "message",
      text,
      ...(answer ? { entities: [citationEntity(this.sources)], channelData: FEEDBACK_CHANNEL_DATA } : {}),
    };
  }
}
