import type { NumberedSource } from "../citations/types.js";
import type { SettingsView } from "../settings/resolve.js";

// The reply-sink port: how ReplyStream shows text on one platform. A sink works in whole texts:
// every call carries the complete text the message should show; a sink that streams natively
// (Slack appendStream) turns that into a delta itself.

export interface SinkLimits {
  /** Longest text one message may hold on this platform; longer answers continue in a new message. */
  maxChars: number;
  /** Minimum time between two updates of one message (platform pacing). */
  minIntervalMs: number;
  /**
   * Whether a message's final call waits `minIntervalMs` after its previous call too (default true).
   * false where the platform's limits are per method rather than per message and the sink enforces
   * them itself (Slack): the last words then show as soon as the model has written them.
   */
  paceFinal?: boolean;
}

/** Opaque handle of a message the sink posted. */
export type MessageHandle = { readonly id: string };

/**
 * Why a message received its final call: the end of a streamed answer, the failure note, or a
 * piece finalized because the answer continues in a new message. Absent for plain posts (command
 * answers). Sinks use it to decorate answers only (e.g. feedback buttons).
 */
export type ReplyEnd = "answer" | "failure" | "continued";

export interface ReplySink {
  readonly limits: SinkLimits;
  /**
   * The earliest clock time the sink can take its next call (a platform pace the sink tracks
   * itself, e.g. Teams' one streaming request per second counted from the last answer). ReplyStream
   * waits for it, so the call carries the newest text rather than text that waited in the sink.
   */
  readyAt?(): number;
  /**
   * The sources the finished answer cites (On Your Data), set before its final call: a sink shows
   * them with the answer (a Sources section, citation entities). Optional.
   */
  setSources?(sources: NumberedSource[]): void;
  /**
   * Shows the conversation's settings as the platform's own form (a Teams Adaptive Card). Optional:
   * without it, `settings` is answered as text.
   */
  showSettings?(view: SettingsView): Promise<void>;
  /**
   * Shows a command's report (`usage`) as the platform's own card (Teams' Adaptive Card). Optional:
   * without it, the report is posted as text.
   */
  showReport?(markdown: string): Promise<void>;
  /**
   * What the bot does before its first words (searching a data source), so a working status can
   * say it: "Searching hr-docs…". Called before begin()'s status shows. Optional.
   */
  describeWork?(work: WorkDescription): void;
  /**
   * A step of the work before the answer (the search) started, finished or failed, for a platform
   * that shows steps (Slack's task cards). Best effort: a failure here never fails the answer.
   * Optional.
   */
  showStep?(step: WorkStep): Promise<void>;
  /** Show that the bot is working (status line, typing, placeholder). Optional. */
  begin?(): Promise<void>;
  /** Creates a message showing `text`. `final` is true when no update will follow. */
  post(text: string, final: boolean, end?: ReplyEnd): Promise<MessageHandle>;
  /** Replaces the text of a posted message. `final` is true for the last update of that message. */
  update(message: MessageHandle, text: string, final: boolean, end?: ReplyEnd): Promise<void>;
}

/** The steps of a turn before its first words. */
export interface WorkDescription {
  /** The data source searched for this answer. */
  dataSource?: string;
  /** How many sources the search found, once it has. */
  sourcesFound?: number;
}

/** One step of the work before an answer, as a platform may show it. */
export interface WorkStep {
  /** Stable within a turn: the same step's later states replace its earlier ones. */
  id: string;
  /** What the step does: "Searching hr-docs". */
  title: string;
  status: "in_progress" | "complete" | "error";
  /** What came of it ("Found 4 sources"), or why it failed. */
  details?: string;
  /** What it found: links to the sources. */
  sources?: Array<{ title: string; url: string }>;
}

export interface Clock {
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}
