// Native streaming in Teams personal (1:1) chats: an informative update while waiting, then
// `typing` updates each holding the whole text so far (one at a time, at most about one a second),
// then a final `message` that carries the AI label and the feedback loop. A stream must end within
// two minutes: a longer answer ends its stream with the text so far and goes on in a follow-up
// message that is edited in place. A stream Teams ends on its side (403, other than the user's Stop)
// goes on the same way: what it showed stays and the rest follows in the follow-up message.
import type { Activity } from "botframework-schema";
import type { NumberedSource } from "../../src/citations/types.js";
import { type Delayed, runAfter } from "../../src/reply/delayed.js";
import type {
  Clock,
  MessageHandle,
  ReplyEnd,
  ReplySink,
  SinkLimits,
  WorkDescription,
} from "../../src/reply/types.js";
import { workingMessages } from "../../src/reply/working-messages.js";
import type { SettingsView } from "../../src/settings/resolve.js";
import { FEEDBACK_CHANNEL_DATA } from "./ai-message.js";
import { citationEntity } from "./citations.js";
import { type TeamsConversation, TeamsStreamEndedError } from "./conversation.js";
import { reportCardMessage } from "./report-card.js";
import { settingsCardMessage } from "./settings-card.js";

/** Teams accepts about one streaming update per second; a little more keeps clear of the edge. */
export const TEAMS_STREAM_INTERVAL_MS = 1_100;
/** Teams ends a stream that lasts longer than two minutes. */
export const TEAMS_STREAM_MAX_MS = 120_000;
/** Streams are closed this long before Teams' limit, so the final message is never refused. */
const STREAM_END_MARGIN_MS = 10_000;
/**
 * The "Thinking…" update goes out only when the first words take longer than this: it uses the
 * stream's one-request-per-second slot, so a quick answer would otherwise wait a second behind it.
 */
export const INFORMATIVE_DELAY_MS = 600;
/** A Teams message holds about 28 KB; keep each answer message well inside it. */
export const TEAMS_MESSAGE_MAX_CHARS = 15_000;
const INFORMATIVE_TEXT = "Thinking…";

interface StreamMessage {
  /** The stream id (= the message's id in Teams). */
  id: string;
  /** Set while the message is a live stream. */
  streamId: string | undefined;
  sequence: number;
  startedAt: number;
  /** The text the stream shows now. */
  shownText?: string;
  /** Once the stream ended (the two-minute cut, or Teams): the text it ended with, and the follow-up message. */
  frozen?: string;
  followUpId?: string;
}

export class TeamsStreamSink implements ReplySink {
  readonly limits: SinkLimits;
  /** Sources the answer cites (On Your Data): citation entities on its final message. */
  private sources: NumberedSource[] = [];
  private readonly conversation: TeamsConversation;
  private readonly clock: Clock;
  private readonly maxStreamMs: number;
  /** A stream opened by the informative update that the first post() takes over. */
  private opened: StreamMessage | undefined;
  /** The informative update: planned by begin(), sent only if no text came in time. */
  private informative: Delayed | undefined;
  /** What the turn does before its first words (a search): the informative update says it. */
  private work: WorkDescription | undefined;
  /** When this reply's last request started, then when it was answered (Teams counts from there). */
  private lastSentAt = Number.NEGATIVE_INFINITY;
  private readonly informativeDelayMs: number;

  constructor(conversation: TeamsConversation, clock: Clock, timeScale = 1) {
    this.conversation = conversation;
    this.clock = clock;
    this.maxStreamMs = Math.max(1, (TEAMS_STREAM_MAX_MS - STREAM_END_MARGIN_MS) * timeScale);
    this.informativeDelayMs = Math.max(1, INFORMATIVE_DELAY_MS * timeScale);
    this.limits = {
      maxChars: TEAMS_MESSAGE_MAX_CHARS,
      minIntervalMs: Math.max(1, Math.round(TEAMS_STREAM_INTERVAL_MS * timeScale)),
    };
  }

  readyAt(): number {
    return this.lastSentAt + this.limits.minIntervalMs;
  }

  async begin(): Promise<void> {
    this.informative = runAfter(this.clock, this.informativeDelayMs, () => {
      const message = this.newStream();
      const text = workingMessages(this.work)?.[0] ?? INFORMATIVE_TEXT;
      return this.sendTyping(message, "informative", text).then(
        (id) => {
          message.streamId = id;
          message.id ||= id;
          this.opened = message;
        },
        () => {}, // a status that did not show is no reason to fail the answer
      );
    });
  }

  /** Cancels a planned informative update, or waits for one already on its way. */
  private async settleInformative(): Promise<void> {
    await this.informative?.settle();
  }

  describeWork(work: WorkDescription): void {
    this.work = work;
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
    await this.settleInformative();
    const message = this.opened ?? this.newStream();
    if (final && message.streamId === undefined) {
      // Nothing streamed yet and nothing will: one plain message (a command's answer, a failure).
      message.id = await this.send(this.finalMessage(message, text, end));
      this.opened = undefined;
      return message;
    }
    await this.update(message, text, final, end);
    this.opened = undefined;
    return message;
  }

  async update(handle: MessageHandle, text: string, final: boolean, end?: ReplyEnd): Promise<void> {
    const message = handle as StreamMessage;
    if (message.frozen !== undefined) return this.updateFollowUp(message, text, final, end);
    try {
      if (!final && this.clock.now() - message.startedAt >= this.maxStreamMs) {
        // Two minutes are nearly up: end the stream with what it shows; the rest follows.
        await this.endStream(message, message.shownText ?? text, "final");
        return await this.updateFollowUp(message, text, final, end);
      }
      if (final) {
        await this.send(this.finalMessage(message, text, end));
        message.shownText = text;
        return;
      }
      const id = await this.sendTyping(message, "streaming", text);
      message.streamId ??= id;
      message.id ||= id;
      message.shownText = text;
    } catch (err) {
      if (!(err instanceof TeamsStreamEndedError) || message.frozen !== undefined) throw err;
      // Teams ended the stream (its time limit, or another end that is not the user's Stop): what it
      // showed stays, the rest follows as after the two-minute cut.
      await this.endStream(message, message.shownText ?? "", "update");
      return this.updateFollowUp(message, text, final, end);
    }
  }

  /**
   * Ends a message's stream at `shown`: with the final streaming message while the stream is still
   * open (the bot's own cut), or, once Teams has ended it, by updating the streamed message in place,
   * as Microsoft's Teams SDKs do after the time limit. If Teams refuses that, what was shown stays.
   */
  private async endStream(message: StreamMessage, shown: string, close: "final" | "update"): Promise<void> {
    if (close === "final") {
      await this.send(this.finalMessage(message, shown, undefined));
    } else if (shown === "") {
      // Only a status showed (or nothing): the streamed message itself takes the answer, edited.
      if (message.id) message.followUpId = message.id;
    } else {
      try {
        await this.conversation.update({ type: "message", id: message.id, text: shown });
      } catch {
        // Teams keeps what the stream showed; the follow-up carries the rest either way.
      }
    }
    message.frozen = shown;
    message.streamId = undefined;
  }

  /** After the stream ended: the rest of the answer in one message, edited in place. */
  private async updateFollowUp(
    message: StreamMessage,
    text: string,
    final: boolean,
    end?: ReplyEnd,
  ): Promise<void> {
    const frozen = message.frozen ?? "";
    const rest = text.slice(sharedPrefixLength(frozen, text)).trimStart();
    const answer = final && end === "answer";
    if (rest === "" && !message.followUpId) {
      // Nothing came after what the stream showed: the streamed message takes the answer's label.
      if (answer && frozen !== "" && message.id) {
        await this.conversation.update({ ...this.plainMessage(frozen, answer), id: message.id });
      }
      return;
    }
    const activity = this.plainMessage(rest || "…", answer);
    if (message.followUpId) await this.conversation.update({ ...activity, id: message.followUpId });
    else message.followUpId = await this.send(activity);
  }

  /** A message outside the stream; the end of an answer carries the AI label, citations and feedback. */
  private plainMessage(text: string, answer: boolean): Partial<Activity> {
    return {
      type: "message",
      text,
      ...(answer ? { entities: [citationEntity(this.sources)], channelData: FEEDBACK_CHANNEL_DATA } : {}),
    };
  }

  /**
   * Sends with Teams' streaming pace kept between this reply's own requests (begin's informative
   * update included, which ReplyStream does not pace).
   */
  private async send(activity: Partial<Activity>): Promise<string> {
    // ReplyStream waits for readyAt(); this guards the informative update, which it does not pace.
    const waitMs = this.readyAt() - this.clock.now();
    if (waitMs > 0) await this.clock.sleep(waitMs);
    this.lastSentAt = this.clock.now();
    try {
      return await this.conversation.send(activity);
    } finally {
      // Counted from when the request was answered, so the next one cannot arrive too soon.
      this.lastSentAt = this.clock.now();
    }
  }

  private newStream(): StreamMessage {
    return { id: "", streamId: undefined, sequence: 0, startedAt: this.clock.now() };
  }

  /**
   * Sends one of the stream's typing requests. Its streamSequence counts only once Teams accepted
   * it: a refused request (429, 5xx) is no part of the stream, and counting it left a gap before the
   * next update's number (found by test/faults/teams-faults.test.ts). Should Teams have taken a
   * request whose answer was lost, the repeated number is dropped (202), which the next update heals.
   */
  private async sendTyping(
    message: StreamMessage,
    streamType: "informative" | "streaming",
    text: string,
  ): Promise<string> {
    const id = await this.send(this.typing(message, streamType, text));
    message.sequence += 1;
    return id;
  }

  private typing(
    message: StreamMessage,
    streamType: "informative" | "streaming",
    text: string,
  ): Partial<Activity> {
    const info = {
      streamType,
      streamSequence: message.sequence + 1,
      ...(message.streamId ? { streamId: message.streamId } : {}),
    };
    return { type: "typing", text, entities: [{ type: "streaminfo", ...info }], channelData: info };
  }

  private finalMessage(message: StreamMessage, text: string, end: ReplyEnd | undefined): Partial<Activity> {
    const stream = message.streamId ? { streamId: message.streamId, streamType: "final" } : undefined;
    const answer = end === "answer";
    return {
      type: "message",
      text,
      entities: [
        ...(stream ? [{ type: "streaminfo", ...stream }] : []),
        ...(answer ? [citationEntity(this.sources)] : []),
      ],
      channelData: { ...(stream ?? {}), ...(answer ? FEEDBACK_CHANNEL_DATA : {}) },
    };
  }
}

/** How many leading characters `a` and `b` share (the follow-up shows the text after the stream's). */
function sharedPrefixLength(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
