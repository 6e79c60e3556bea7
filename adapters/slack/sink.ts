// The Slack reply sink. In a thread it streams natively (chat.startStream / appendStream /
// stopStream, Markdown in `markdown_text`) with a thinking status when the first token is slow. Where
// native streaming is unavailable, refused, or expires mid-answer it posts and edits instead
// (chat.postMessage + chat.update), continuing on the same message. SLACK_STREAMING=update forces
// post-and-edit with classic mrkdwn text, for workspaces without Markdown message support. With an
// agent session (agent-session.ts) the sink starts it, checks for the user's Stop before each call,
// and ends it with the answer; a search shows as a task card on the stream's next call.
import type { Block } from "@slack/web-api";
import type { NumberedSource } from "../../src/citations/types.js";
import { ReplyStoppedError } from "../../src/errors.js";
import type { Logger } from "../../src/log.js";
import { systemClock } from "../../src/reply/clock.js";
import { type Delayed, runAfter } from "../../src/reply/delayed.js";
import { clipText } from "../../src/reply/split.js";
import type {
  Clock,
  MessageHandle,
  ReplyEnd,
  ReplySink,
  SinkLimits,
  WorkDescription,
  WorkStep,
} from "../../src/reply/types.js";
import { workingMessages } from "../../src/reply/working-messages.js";
import type { AgentSession } from "./agent-session.js";
import { isSlackError, type SlackApi } from "./api.js";
import {
  feedbackBlock,
  markdownBlock,
  SLACK_MARKDOWN_MAX_CHARS,
  SLACK_MAX_BLOCKS,
  SLACK_TEXT_MAX_CHARS,
  sectionBlocks,
} from "./blocks.js";
import { markdownToMrkdwn } from "./mrkdwn.js";
import { sourcesBlocks } from "./sources.js";

export type SlackStreamingMode = "auto" | "native" | "update";

export interface SlackReplyTarget {
  channel: string;
  /** Thread to reply in; undefined replies at the top level (a top-level DM conversation). */
  threadTs: string | undefined;
  /** The person asking; chat.startStream needs them when streaming to a channel. */
  recipientUserId: string;
  recipientTeamId: string;
}

/**
 * One appendStream or chat.update per message every 1.35 s at most (the workspace budget may allow
 * fewer): a 5 s answer shows in 5 calls, start and stop included, with the text about 95 characters
 * behind the model on average (npm run bench -- slack). With the agent session's one call that is 6
 * a reply; every 1.2 s would add a call for 10 characters less.
 */
const SLACK_UPDATE_INTERVAL_MS = 1_350;
/** Classic `text` takes 4,000 characters; Markdown converted to mrkdwn can grow by escaping, so stop short. */
const MRKDWN_SOURCE_MAX_CHARS = 3_500;
export const FEEDBACK_ACTION_ID = "answer_feedback";
const THINKING_STATUS = "is thinking…";
/** Blocks kept free for the Sources section when the answer itself is split into sections. */
const SOURCE_BLOCKS_RESERVED = 3;
const THINKING_PLACEHOLDER = "_Thinking…_";
/** What a placeholder says when the user stopped the answer before its first words. */
const STOPPED_NOTE = "_Stopped._";
/**
 * The thinking status (or placeholder) goes out only when the first words take longer than this:
 * an answer that starts sooner shows at once, without a call that would be replaced a moment later.
 */
export const THINKING_DELAY_MS = 500;

/** Answers to chat.startStream meaning "not here": fall back to post-and-edit for this reply. */
const NATIVE_UNAVAILABLE = new Set([
  "channel_type_not_supported",
  "not_allowed_token_type",
  "unknown_method",
  "missing_scope",
  "feature_not_enabled",
  "invalid_arguments",
  "restricted_action",
  "missing_recipient_user_id",
  "missing_recipient_team_id",
]);

/** Slack's own trouble (its docs say part of the call may have happened): retried, never a "no". */
const SLACK_TRANSIENT = new Set(["internal_error", "fatal_error", "service_unavailable", "request_timeout"]);

/**
 * Answers to chat.appendStream / chat.stopStream saying the stream ended on Slack's side for a reason
 * other than the user's stop (it expired, or was stopped elsewhere): the answer goes on by chat.update
 * of the same message. The only such code in the methods' docs (specs/slack/docs.slack.dev/methods);
 * the user's stop is `stopped_by_user`.
 */
const STREAM_ENDED_BY_SLACK = ["message_not_in_streaming_state"];

export interface SlackSinkOptions {
  mode: SlackStreamingMode;
  logger: Logger;
  /** Multiplies the update interval (tests and benchmarks run Slack's pacing faster). */
  timeScale?: number;
  clock?: Clock;
  /** The thread's agent session (agent_view): processing while the turn runs, Stop honoured. */
  session?: AgentSession;
}

interface SlackMessage extends MessageHandle {
  /** Created by chat.startStream and not yet stopped (or expired). */
  streaming: boolean;
  /** Its chat.stopStream was taken from the budget with its start. */
  stopReserved?: boolean;
  /** Markdown the message shows so far (for appendStream deltas). */
  sent: string;
}

export class SlackReplySink implements ReplySink {
  readonly limits: SinkLimits;
  private readonly api: SlackApi;
  private readonly target: SlackReplyTarget;
  private readonly logger: Logger;
  private readonly mode: SlackStreamingMode;
  private nativeAvailable: boolean;
  /** SLACK_STREAMING=native and chat.startStream refused this conversation: the answer cannot be shown. */
  private nativeRefusal: Error | undefined;
  /**
   * A message Slack already shows that ReplyStream has no handle for yet: the thinking placeholder,
   * a stream started for the search's task card, or a stream started by a final post() whose stop
   * failed. The next post() continues it, so a retried post neither leaves it behind nor shows the
   * answer twice.
   */
  private pending: SlackMessage | undefined;
  /** Sources the answer cites (On Your Data), shown under its last message. */
  private sources: NumberedSource[] = [];
  /** The thinking status: planned by begin(), shown if no text came within THINKING_DELAY_MS. */
  /** The thinking status: planned by begin(), shown only if no text came in time. */
  private working: Delayed | undefined;
  /** What the turn does before its first words (a search), for the status's loading messages. */
  private work: WorkDescription | undefined;
  private readonly clock: Clock;
  private readonly thinkingDelayMs: number;
  private readonly session: AgentSession | undefined;
  /** Task-card updates waiting for the stream's next call. */
  private readonly stepChunks: Record<string, unknown>[] = [];

  constructor(api: SlackApi, target: SlackReplyTarget, options: SlackSinkOptions) {
    const { mode, logger, timeScale = 1 } = options;
    this.api = api;
    this.clock = options.clock ?? systemClock;
    this.target = target;
    this.mode = mode;
    this.logger = logger;
    this.session = options.session;
    // Streamed messages are thread replies; a top-level DM conversation posts and edits.
    this.nativeAvailable = mode !== "update" && target.threadTs !== undefined;
    this.limits = {
      maxChars: mode === "update" ? MRKDWN_SOURCE_MAX_CHARS : SLACK_MARKDOWN_MAX_CHARS,
      minIntervalMs: Math.max(1, Math.round(SLACK_UPDATE_INTERVAL_MS * timeScale)),
      // Slack's limits are per method per workspace (the API budget enforces them), not per message.
      paceFinal: false,
    };
    this.thinkingDelayMs = Math.max(1, Math.round(THINKING_DELAY_MS * timeScale));
  }

  setSources(sources: NumberedSource[]): void {
    this.sources = sources;
  }

  describeWork(work: WorkDescription): void {
    this.work = work;
  }

  /** What goes under a finished answer: its sources, then the feedback buttons. */
  private answerBlocks(maxBlocks: number): Block[] {
    const feedback = feedbackBlock(FEEDBACK_ACTION_ID);
    return [...sourcesBlocks(this.sources, Math.max(0, maxBlocks - 1)), feedback];
  }

  async begin(): Promise<void> {
    this.session?.start();
    this.working = runAfter(this.clock, this.thinkingDelayMs, () =>
      this.showWorking().catch((err: unknown) => {
        this.logger.warn({ err }, "could not show that the bot is working; answering without it");
      }),
    );
  }

  /** The first text is here: no status any more, or wait for the one on its way (it must not land after). */
  private async settleWorking(): Promise<void> {
    await this.working?.settle();
  }

  private async showWorking(): Promise<void> {
    const steps = workingMessages(this.work);
    if (this.nativeAvailable && this.target.threadTs) {
      try {
        await this.api.call("assistant.threads.setStatus", {
          channel_id: this.target.channel,
          thread_ts: this.target.threadTs,
          status: THINKING_STATUS,
          ...(steps ? { loading_messages: steps } : {}),
        });
        return;
      } catch (err) {
        // Not an assistant thread (or not allowed here): show a placeholder instead.
        this.logger.debug({ err }, "thinking status unavailable; posting a placeholder");
        if (this.mode === "native") return;
      }
    }
    const ts = await this.postMessage({ text: THINKING_PLACEHOLDER });
    this.pending = { id: ts, streaming: false, sent: "" };
  }

  /**
   * The search as a task card in the stream: each state waits for the stream's next call (the
   * first words start it), with the sources' links once found. Until then the working status says
   * what the bot does ("Searching products…", "Reading 4 sources…").
   */
  async showStep(step: WorkStep): Promise<void> {
    if (!this.nativeAvailable) return;
    const chunk = taskChunk(step);
    const earlier = this.stepChunks.findIndex((c) => c.id === step.id);
    if (earlier >= 0) this.stepChunks[earlier] = chunk;
    else this.stepChunks.push(chunk);
  }

  /** A stream call's content: the new text, after any step updates waiting to go with it. */
  private streamed(delta: string): Record<string, unknown> {
    if (this.stepChunks.length === 0) return delta ? { markdown_text: delta } : {};
    const text = delta ? [{ type: "markdown_text", text: delta }] : [];
    return { chunks: [...this.stepChunks, ...text] };
  }

  async post(text: string, final: boolean, end?: ReplyEnd): Promise<MessageHandle> {
    await this.checkStop();
    const handle = await this.postOnce(text, final, end);
    if (final) await this.answerEnded(end);
    return handle;
  }

  async update(handle: MessageHandle, text: string, final: boolean, end?: ReplyEnd): Promise<void> {
    await this.checkStop();
    await this.updateOnce(handle, text, final, end);
    if (final) await this.answerEnded(end);
  }

  /** The user pressed Stop (on this process or another): nothing more is sent. */
  private async checkStop(): Promise<void> {
    if (!this.session) return;
    await this.session.started();
    if (await this.session.stopRequested()) {
      this.logger.info("the user pressed Stop on the agent session");
      // No status may land after the stop, and a placeholder must not stay "Thinking…".
      await this.settleWorking();
      const placeholder = this.pending;
      if (placeholder && !placeholder.streaming) {
        this.pending = undefined;
        await this.updatePlain(placeholder, STOPPED_NOTE, true).catch((err: unknown) => {
          this.logger.warn({ err }, "could not replace the placeholder after the stop");
        });
      }
      throw new ReplyStoppedError("the user pressed Stop");
    }
  }

  /** A message's final call ended the answer (not a piece that continues): the session is done. */
  private async answerEnded(end: ReplyEnd | undefined): Promise<void> {
    if (end !== "continued") await this.session?.finish();
  }

  private async postOnce(text: string, final: boolean, end?: ReplyEnd): Promise<MessageHandle> {
    await this.settleWorking();
    const pending = this.pending;
    if (pending) {
      // Cleared only once the edit worked: a failed (e.g. 429) edit is retried on the same message.
      await this.updateOnce(pending, text, final, end);
      this.pending = undefined;
      return pending;
    }
    if (this.nativeAvailable) {
      const message = await this.startStream(text, end);
      if (message) {
        if (final) {
          this.pending = message;
          await this.updateOnce(message, text, final, end);
          this.pending = undefined;
        }
        return message;
      }
    }
    const message: SlackMessage = {
      id: await this.postMessage(this.render(text, final, end)),
      streaming: false,
      sent: text,
    };
    return message;
  }

  private async updateOnce(
    handle: MessageHandle,
    text: string,
    final: boolean,
    end?: ReplyEnd,
  ): Promise<void> {
    const message = handle as SlackMessage;
    if (!message.streaming) return this.updatePlain(message, text, final, end);

    try {
      // A stream only grows; any other text (the answer split here, a failure note after text that
      // ended in a space) means stop and edit.
      if (!text.startsWith(message.sent)) {
        await this.stopStream(message, {});
        return await this.updatePlain(message, text, final, end);
      }
      const delta = text.slice(message.sent.length);
      const steps = this.stepChunks.length;
      if (!final) {
        if (delta === "" && steps === 0) return;
        await this.api.call(
          "chat.appendStream",
          { channel: this.target.channel, ts: message.id, ...this.streamed(delta) },
          undefined,
          { update: true },
        );
        message.sent = text;
        this.stepChunks.splice(0, steps);
        return;
      }
      await this.stopStream(message, {
        ...this.streamed(delta),
        ...(end === "answer" ? { blocks: this.answerBlocks(SLACK_MAX_BLOCKS) } : {}),
        // The answer's last stop ends the session's processing too, without a call of its own.
        ...(end !== "continued" ? this.session?.finalStopArgs() : {}),
      });
      message.sent = text;
      this.stepChunks.splice(0, steps);
    } catch (err) {
      if (isSlackError(err, ...STREAM_ENDED_BY_SLACK)) {
        // The stream ended on Slack's side: go on editing the same message, with the whole text.
        message.streaming = false;
        return this.updatePlain(message, text, final, end);
      }
      if (isSlackError(err, "stopped_by_user")) {
        // The user pressed stop: ReplyStream sends nothing more, the engine keeps what was shown.
        // Slack leaves the session's status to the app.
        message.streaming = false;
        await this.session?.finish();
        throw new ReplyStoppedError("the user stopped the stream", { cause: err });
      }
      throw err;
    }
  }

  /**
   * chat.startStream, or undefined when the text is to be posted plainly instead: native streaming
   * is not available in this conversation (auto), or it was refused and this is the failure note
   * (native: the user learns that the answer failed instead of seeing nothing at all).
   */
  private async startStream(text: string, end: ReplyEnd | undefined): Promise<SlackMessage | undefined> {
    if (this.nativeRefusal) {
      // Asking again is futile and spends the workspace's Tier 2 budget.
      if (end === "failure") return undefined;
      throw this.nativeRefusal;
    }
    // Streams are Tier 2 (about 20 starts and 20 stops a minute per workspace): with no room for
    // both now, this reply posts and edits rather than wait up to a minute for its first words.
    const reserved = this.mode === "auto" && (await this.api.reserve("chat.stopStream", "chat.startStream"));
    if (this.mode === "auto" && !reserved) {
      this.logger.info("no room for a native stream in this workspace now; posting and editing");
      this.nativeAvailable = false;
      return undefined;
    }
    const steps = this.stepChunks.length;
    try {
      const result = await this.api.call<{ ts: string }>(
        "chat.startStream",
        {
          channel: this.target.channel,
          thread_ts: this.target.threadTs,
          // The first words, after the search's task card when there is one.
          ...(steps > 0 ? this.streamed(text) : { markdown_text: text }),
          recipient_user_id: this.target.recipientUserId,
          recipient_team_id: this.target.recipientTeamId,
        },
        undefined,
        { reserved },
      );
      this.stepChunks.splice(0, steps);
      return { id: result.ts, streaming: true, sent: text, stopReserved: reserved };
    } catch (err) {
      if (this.mode === "auto" && isSlackError(err) && !SLACK_TRANSIENT.has(err.slackError)) {
        // A definite "no": this reply posts and edits instead, rather than asking again for a
        // stream Slack will refuse again (e.g. user_not_found for the recipient) and leaving the
        // thread without an answer. Slack's own trouble is retried: a stream may have started.
        const expected = NATIVE_UNAVAILABLE.has(err.slackError);
        this.logger[expected ? "info" : "warn"](
          { slackError: err.slackError },
          expected
            ? "native streaming unavailable here; posting and editing"
            : "chat.startStream refused; posting and editing this reply",
        );
        this.nativeAvailable = false;
        return undefined;
      }
      if (isSlackError(err) && NATIVE_UNAVAILABLE.has(err.slackError)) {
        this.nativeRefusal = err;
        if (end === "failure") return undefined;
      }
      throw err;
    }
  }

  private async stopStream(message: SlackMessage, extra: Record<string, unknown>): Promise<void> {
    // The reservation covers one try: a retried stop takes its budget (and any 429 hold) as usual.
    const reserved = message.stopReserved;
    message.stopReserved = false;
    await this.api.call(
      "chat.stopStream",
      { channel: this.target.channel, ts: message.id, ...extra },
      undefined,
      { reserved },
    );
    message.streaming = false;
    if (extra.session_status) this.session?.endedByStop();
  }

  private async updatePlain(
    message: SlackMessage,
    text: string,
    final: boolean,
    end?: ReplyEnd,
  ): Promise<void> {
    await this.api.call(
      "chat.update",
      { channel: this.target.channel, ts: message.id, ...this.render(text, final, end) },
      undefined,
      { update: !final },
    );
    message.sent = text;
  }

  private async postMessage(content: Record<string, unknown>): Promise<string> {
    const result = await this.api.call<{ ts: string }>(
      "chat.postMessage",
      {
        channel: this.target.channel,
        ...(this.target.threadTs ? { thread_ts: this.target.threadTs } : {}),
        ...content,
      },
      this.target.channel,
    );
    return result.ts;
  }

  /**
   * The fields of a posted or edited message. Markdown goes in `markdown_text` while it streams;
   * a finished answer becomes blocks (Markdown + feedback buttons) with a plain `text` fallback for
   * notifications. In mrkdwn mode the Markdown is converted for classic `text` and section blocks.
   */
  private render(markdown: string, final: boolean, end?: ReplyEnd): Record<string, unknown> {
    const answer = final && end === "answer";
    if (this.mode === "update") {
      const mrkdwn = markdownToMrkdwn(markdown);
      if (!answer) return { text: clipText(mrkdwn, SLACK_TEXT_MAX_CHARS) };
      const sections = sectionBlocks(
        mrkdwn,
        SLACK_MAX_BLOCKS - 1 - Math.min(this.sources.length, SOURCE_BLOCKS_RESERVED),
      );
      return {
        text: clipText(mrkdwn, SLACK_TEXT_MAX_CHARS),
        blocks: [...sections, ...this.answerBlocks(SLACK_MAX_BLOCKS - sections.length)],
      };
    }
    if (!answer) return { markdown_text: markdown };
    return {
      text: clipText(markdownToMrkdwn(markdown), SLACK_TEXT_MAX_CHARS),
      blocks: [markdownBlock(markdown), ...this.answerBlocks(SLACK_MAX_BLOCKS - 1)],
    };
  }
}

/** task_update `details` longer than this are cut (a short line under the card). */
const TASK_DETAILS_MAX_CHARS = 256;

/** A step as Slack's task_update chunk, with its sources as url elements. */
function taskChunk(step: WorkStep): Record<string, unknown> {
  return {
    type: "task_update",
    id: step.id,
    title: step.title,
    status: step.status,
    ...(step.details ? { details: clipText(step.details, TASK_DETAILS_MAX_CHARS) } : {}),
    ...(step.sources?.length
      ? { sources: step.sources.map((s) => ({ type: "url", url: s.url, text: clipText(s.title, 150) })) }
      : {}),
  };
}
