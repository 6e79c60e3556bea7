import type { NumberedSource } from "../citations/types.js";
import { BotError, ReplyStoppedError, SinkRateLimitedError } from "../errors.js";
import { type Logger, silentLogger } from "../log.js";
import { systemClock } from "./clock.js";
import { appendWithin, splitText } from "./split.js";
import type { Clock, MessageHandle, ReplyEnd, ReplySink, WorkDescription, WorkStep } from "./types.js";

// ReplyStream: turns the LLM's text deltas into paced calls on one ReplySink. One pump loop makes
// every sink call in turn, so two calls for one message never overlap and messages keep their order;
// push() only records text and wakes the pump, so it stays cheap per token.

/** Consecutive failed intermediate updates after which only final updates are still tried. */
export const MAX_CONSECUTIVE_UPDATE_FAILURES = 5;
/** Tries at a message's final call (final text or failure note) before the message is given up. */
export const FINAL_ATTEMPTS = 5;
/** Wait after the first failed final call; doubles after each further failure (0.5, 1, 2, 4 s). */
const FINAL_RETRY_BASE_MS = 500;
/** Longest Retry-After honoured as given; a longer one is capped so one reply cannot hang for minutes. */
const MAX_RETRY_AFTER_MS = 60_000;
/** Put between partial text and the failure note. */
const DEFAULT_FAILURE_NOTE_PREFIX = "\n\n⚠️ ";

export interface ReplyStats {
  /** Messages created (post calls that succeeded). */
  posts: number;
  /** Update calls that succeeded, final ones included. */
  updates: number;
  /** Sink calls answered with a platform rate limit (429). */
  rateLimited: number;
  /** Sink calls that failed for any other reason. */
  failedCalls: number;
  /** Clock time the stream was created. */
  startedAt: number;
  /** Clock time the first message became visible (its post returned). */
  firstVisibleAt: number | undefined;
  /** Clock time finish() or fail() completed. */
  finishedAt: number | undefined;
}

export interface ReplyStreamOptions {
  clock?: Clock;
  logger?: Logger;
  /** Aborting it has the effect of abort(). */
  signal?: AbortSignal;
  /** Put between partial text and the failure message in fail(); default "\n\n⚠️ ". */
  failureNotePrefix?: string;
}

interface Message {
  handle: MessageHandle | undefined;
  /** Index in the stream's text where this message's own content starts. */
  start: number;
  /** Length of the reopened code fence the message starts with (not part of the stream's text). */
  carryLen: number;
  /** Set when a split closed the message: its final text, and where the next message's content starts. */
  piece: string | undefined;
  end: number;
  /** Text of the last successful call, and how many characters of the stream's text (from start) it shows. */
  shown: string;
  covered: number;
  lastCallAt: number | undefined;
  /** Earliest time for the next final attempt (backoff after a failure). */
  retryAt: number;
  finalAttempts: number;
  finalized: boolean;
  /** The final call failed FINAL_ATTEMPTS times. */
  abandoned: boolean;
}

type StepKind = "update" | "final" | "failure";

interface Step {
  kind: StepKind;
  message: Message;
  text: string;
  covered: number;
  notBefore: number;
}

export class ReplyStream {
  readonly #sink: ReplySink;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #maxChars: number;
  readonly #minIntervalMs: number;
  readonly #paceFinal: boolean;
  readonly #notePrefix: string;

  #text = "";
  /** Whole text of the last message, the one still growing. */
  #current = "";
  #messages: Message[] = [newMessage(0, 0)];

  #pump: Promise<void> | undefined;
  #wake: AbortController | undefined;
  #beginSettled: Promise<void> = Promise.resolve();
  #begun = false;
  #blockedUntil = 0;
  /** Intermediate updates only wait until then (a limit that does not apply to final calls). */
  #updatesBlockedUntil = 0;
  #consecutiveFailures = 0;
  #updatesDisabled = false;
  #aborted = false;
  #finishing = false;
  #failure: string | undefined;
  #finalError: unknown;
  #outcome: "finished" | "failed" | undefined;
  /** The user stopped the reply: nothing more is sent, what was shown stays. */
  #stopped = false;
  #warnedLatePush = false;
  #detachSignal: (() => void) | undefined;
  readonly #stats: ReplyStats;

  constructor(sink: ReplySink, options: ReplyStreamOptions = {}) {
    const { maxChars, minIntervalMs } = sink.limits;
    if (!Number.isInteger(maxChars) || maxChars < 1) throw new RangeError(`invalid maxChars ${maxChars}`);
    if (!(minIntervalMs >= 0)) throw new RangeError(`invalid minIntervalMs ${minIntervalMs}`);
    this.#sink = sink;
    this.#clock = options.clock ?? systemClock;
    this.#log = (options.logger ?? silentLogger).child({ component: "reply-stream" });
    this.#maxChars = maxChars;
    this.#minIntervalMs = minIntervalMs;
    this.#paceFinal = sink.limits.paceFinal ?? true;
    this.#notePrefix = options.failureNotePrefix ?? DEFAULT_FAILURE_NOTE_PREFIX;
    this.#stats = {
      posts: 0,
      updates: 0,
      rateLimited: 0,
      failedCalls: 0,
      startedAt: this.#clock.now(),
      firstVisibleAt: undefined,
      finishedAt: undefined,
    };
    const signal = options.signal;
    if (signal?.aborted) this.abort();
    else if (signal) {
      // A shutdown signal outlives many replies: the listener goes when this reply completes.
      const onAbort = (): void => this.abort();
      signal.addEventListener("abort", onAbort, { once: true });
      this.#detachSignal = () => signal.removeEventListener("abort", onAbort);
    }
  }

  /** All text pushed so far. */
  get text(): string {
    return this.#text;
  }

  /** The longest start of `text` the user has been shown, across continuation messages. */
  get visibleText(): string {
    let end = 0;
    for (const m of this.#messages) {
      if (m.start > end) break;
      const region = (m.piece === undefined ? this.#text.length : m.end) - m.start;
      const covered = Math.min(m.covered, region);
      end = m.start + covered;
      if (covered < region) break;
    }
    return this.#text.slice(0, end);
  }

  /** True once the sink said the user stopped the reply; push, finish and fail then do nothing. */
  get stoppedByUser(): boolean {
    return this.#stopped;
  }

  /** Messages posted so far. */
  get messageCount(): number {
    return this.#messages.filter((m) => m.handle !== undefined).length;
  }

  get stats(): Readonly<ReplyStats> {
    return { ...this.#stats };
  }

  /** Shows the sink's "working" state. Never throws; the first post waits until it has settled. */
  begin(): Promise<void> {
    const sink = this.#sink;
    if (this.#begun || !sink.begin) return this.#beginSettled;
    this.#begun = true;
    this.#beginSettled = new Promise<void>((resolve) => resolve(sink.begin?.())).catch((err: unknown) => {
      this.#log.warn({ err }, "reply sink begin failed; continuing without a working indicator");
    });
    return this.#beginSettled;
  }

  /** Appends a text delta. Synchronous and cheap; sink calls happen on the pump. */
  push(delta: string): void {
    if (delta === "" || this.#stopped) return;
    if (this.#finishing || this.#failure !== undefined) {
      if (!this.#warnedLatePush) this.#log.warn("text pushed after finish() or fail(); ignored");
      this.#warnedLatePush = true;
      return;
    }
    this.#text += delta;
    this.#current += delta;
    if (this.#current.length > this.#maxChars) {
      while (this.#current.length > this.#maxChars) this.#seal();
      this.#wakeUp();
    }
    this.#kick();
  }

  /**
   * Delivers the complete text: waits for any call in flight, then sends each message's final text
   * with final=true, retrying with backoff. Throws BotError("sink_failed") when that is impossible,
   * and BotError("internal") when no text was pushed (the caller should use fail() instead).
   */
  async finish(): Promise<void> {
    if (this.#failure === undefined && !this.#finishing && !this.#stopped) {
      if (isBlank(this.#text)) throw new BotError("internal", "reply finished without any text");
      this.#finishing = true;
      this.#wakeUp();
      this.#kick();
    }
    await this.#drain();
    this.#completed();
    if (this.#stopped) return;
    if (this.#outcome === "finished" && this.#finalError === undefined) return;
    if (this.#outcome === "failed") throw new BotError("internal", "reply was failed while finishing");
    throw new BotError(
      "sink_failed",
      "the final reply text could not be delivered",
      {},
      { cause: this.#finalError },
    );
  }

  /**
   * Turns the reply into an error reply: `userMessage` alone when nothing was shown yet, otherwise the
   * partial text with the message appended. Tries as hard as a final update; never throws.
   */
  async fail(userMessage: string): Promise<void> {
    try {
      if (this.#stopped) return; // the user stopped it: what they saw stays as it is
      if (this.#outcome !== undefined) {
        this.#log.warn({ outcome: this.#outcome }, "fail() after the reply was completed; ignored");
        return;
      }
      if (this.#failure === undefined) {
        this.#failure = userMessage;
        // Messages given up by finish() get a fresh round of tries.
        for (const m of this.#messages) {
          if (m.finalized) continue;
          m.abandoned = false;
          m.finalAttempts = 0;
          m.retryAt = 0;
        }
        this.#wakeUp();
        this.#kick();
      }
      await this.#drain();
      this.#completed();
      if (this.#outcome === undefined) this.#log.error("failure reply could not be delivered");
    } catch (err) {
      this.#log.error({ err }, "fail() went wrong");
    }
  }

  /** What the turn does before its first words, for the sink's working status. */
  describeWork(work: WorkDescription): void {
    this.#sink.describeWork?.(work);
  }

  /** A step of the work before the answer, for sinks that show steps. Never throws. */
  async showStep(step: WorkStep): Promise<void> {
    if (!this.#sink.showStep || this.#stopped) return;
    try {
      await this.#sink.showStep(step);
    } catch (err) {
      if (err instanceof ReplyStoppedError) {
        this.#userStopped();
        return;
      }
      this.#log.warn({ err, step: step.id }, "could not show a step of the work; answering without it");
    }
  }

  /**
   * The sources the answer cites, for the sink to show with its final call (a Sources section,
   * citation entities). Call before finish().
   */
  setSources(sources: NumberedSource[]): void {
    this.#sink.setSources?.(sources);
  }

  /** Stops intermediate updates (shutdown); the caller then calls finish() or fail(). */
  abort(): void {
    this.#aborted = true;
    this.#wakeUp();
  }

  #completed(): void {
    this.#stats.finishedAt ??= this.#clock.now();
    this.#detachSignal?.();
    this.#detachSignal = undefined;
  }

  get #live(): Message {
    // The array is never empty: it starts with one message and only ever grows or is cut to its last.
    return this.#messages[this.#messages.length - 1] as Message;
  }

  /** Closes the live message with a piece that fits and starts a continuation with the rest. */
  #seal(): void {
    const split = splitText(this.#current, this.#maxChars);
    if (!split) return;
    const live = this.#live;
    live.piece = split.piece;
    live.end = live.start + Math.max(0, split.consumed - live.carryLen);
    this.#messages.push(newMessage(live.end, split.reopen.length));
    this.#current = split.reopen + this.#current.slice(split.consumed);
  }

  #kick(): void {
    if (this.#pump) return;
    this.#pump = this.#run()
      .catch((err: unknown) => this.#log.error({ err }, "reply pump crashed"))
      .finally(() => {
        this.#pump = undefined;
        // Work that arrived between the loop's last look and now.
        if (this.#nextStep()) this.#kick();
      });
  }

  async #drain(): Promise<void> {
    while (this.#pump) await this.#pump;
  }

  #wakeUp(): void {
    this.#wake?.abort();
  }

  async #run(): Promise<void> {
    await this.#beginSettled;
    for (let step = this.#nextStep(); step; step = this.#nextStep()) {
      const blockedUntil =
        step.kind === "update" ? Math.max(this.#blockedUntil, this.#updatesBlockedUntil) : this.#blockedUntil;
      const readyAt = Math.max(step.notBefore, blockedUntil);
      if (this.#clock.now() < readyAt) {
        await this.#sleepUntil(readyAt);
        continue; // re-plan: text, mode or messages may have changed while waiting
      }
      await this.#perform(step);
    }
  }

  async #sleepUntil(at: number): Promise<void> {
    const wake = new AbortController();
    this.#wake = wake;
    try {
      await this.#clock.sleep(at - this.#clock.now(), wake.signal);
    } catch {
      // Woken early; the loop plans again.
    } finally {
      if (this.#wake === wake) this.#wake = undefined;
    }
  }

  /** The next sink call to make, or undefined when there is nothing to do now. */
  #nextStep(): Step | undefined {
    if (this.#stopped) return undefined;
    // Nothing reached the user: the failure message alone replaces whatever was pending.
    if (this.#failure !== undefined && !this.#messages.some((m) => m.handle)) {
      this.#messages = [this.#live];
    }
    const live = this.#live;
    for (const message of this.#messages) {
      if (message.finalized || message.abandoned) continue;
      const final = message !== live || this.#finishing || this.#failure !== undefined;
      const paced =
        message.lastCallAt === undefined || (final && !this.#paceFinal)
          ? 0
          : message.lastCallAt + this.#minIntervalMs;
      const notBefore = Math.max(paced, message.retryAt, this.#sink.readyAt?.() ?? 0);
      if (message !== live) {
        const piece = message.piece ?? "";
        if (!message.handle && isBlank(piece)) {
          message.finalized = true; // nothing worth a message of its own
          continue;
        }
        return { kind: "final", message, text: piece, covered: message.end - message.start, notBefore };
      }
      const covered = Math.max(0, this.#current.length - message.carryLen);
      if (this.#failure !== undefined) return this.#failureStep(message, this.#failure, notBefore);
      if (this.#finishing) {
        if (!message.handle && isBlank(this.#current)) {
          message.finalized = true; // a continuation that only got whitespace
          this.#outcome = "finished";
          return undefined;
        }
        return { kind: "final", message, text: this.#current, covered, notBefore };
      }
      if (this.#aborted || this.#updatesDisabled) return undefined;
      if (isBlank(this.#current) || this.#current === message.shown) return undefined;
      return { kind: "update", message, text: this.#current, covered, notBefore };
    }
    return undefined;
  }

  #failureStep(message: Message, userMessage: string, notBefore: number): Step {
    const step = { kind: "failure" as const, message, covered: 0, notBefore };
    if (!this.#messages.some((m) => m.handle)) {
      return { ...step, text: appendWithin("", userMessage, this.#maxChars).text };
    }
    const note = this.#notePrefix + userMessage;
    const partial = this.#current.trimEnd();
    if (!message.handle && isBlank(partial)) {
      return { ...step, text: appendWithin("", note.trimStart(), this.#maxChars).text };
    }
    const fitted = appendWithin(partial, note, this.#maxChars);
    return { ...step, text: fitted.text, covered: Math.max(0, fitted.kept - message.carryLen) };
  }

  async #perform(step: Step): Promise<void> {
    const { message, text } = step;
    const final = step.kind !== "update";
    const end: ReplyEnd | undefined = !final
      ? undefined
      : step.kind === "failure"
        ? "failure"
        : message === this.#live
          ? "answer"
          : "continued";
    message.lastCallAt = this.#clock.now();
    try {
      if (message.handle) {
        await this.#sink.update(message.handle, text, final, end);
        this.#stats.updates++;
      } else {
        message.handle = await this.#sink.post(text, final, end);
        this.#stats.posts++;
        this.#stats.firstVisibleAt ??= this.#clock.now();
      }
    } catch (err) {
      this.#callFailed(step, err);
      return;
    }
    message.shown = text;
    message.covered = step.covered;
    this.#consecutiveFailures = 0;
    if (!final) return;
    message.finalized = true;
    if (message === this.#live) this.#outcome = step.kind === "failure" ? "failed" : "finished";
  }

  #userStopped(): void {
    this.#stopped = true;
    this.#outcome = "finished";
    this.#log.info("the user stopped the reply");
  }

  #callFailed(step: Step, err: unknown): void {
    if (err instanceof ReplyStoppedError) {
      this.#userStopped();
      return;
    }
    const { message } = step;
    const now = this.#clock.now();
    const rateLimited = err instanceof SinkRateLimitedError;
    const context = { err, kind: step.kind, posted: message.handle !== undefined };
    if (rateLimited) {
      this.#stats.rateLimited++;
      const waitMs = Math.min(Math.max(0, err.retryAfterMs), MAX_RETRY_AFTER_MS);
      if (err.updatesOnly && step.kind === "update") {
        // Skipped, not failed: the final call is not held by this limit.
        this.#updatesBlockedUntil = Math.max(this.#updatesBlockedUntil, now + waitMs);
        this.#log.debug({ retryAfterMs: err.retryAfterMs }, "no room for an update now; skipping it");
        return;
      }
      this.#blockedUntil = Math.max(this.#blockedUntil, now + waitMs);
      this.#log.warn({ ...context, retryAfterMs: err.retryAfterMs }, "reply sink rate limited; waiting");
    } else {
      this.#stats.failedCalls++;
      this.#log.warn(context, "reply sink call failed");
    }

    if (step.kind === "update") {
      // A 429 is pacing, not a broken sink: the catch-up update follows the wait.
      if (rateLimited) return;
      this.#consecutiveFailures++;
      if (this.#consecutiveFailures >= MAX_CONSECUTIVE_UPDATE_FAILURES && !this.#updatesDisabled) {
        this.#updatesDisabled = true;
        this.#log.warn({ failures: this.#consecutiveFailures }, "giving up intermediate reply updates");
      }
      return;
    }

    message.finalAttempts++;
    if (message.finalAttempts >= FINAL_ATTEMPTS) {
      message.abandoned = true;
      this.#finalError = err;
      this.#log.error({ err, kind: step.kind, attempts: message.finalAttempts }, "giving up a reply message");
      return;
    }
    if (!rateLimited) message.retryAt = now + FINAL_RETRY_BASE_MS * 2 ** (message.finalAttempts - 1);
  }
}

function newMessage(start: number, carryLen: number): Message {
  return {
    handle: undefined,
    start,
    carryLen,
    piece: undefined,
    end: start,
    shown: "",
    covered: 0,
    lastCallAt: undefined,
    retryAt: 0,
    finalAttempts: 0,
    finalized: false,
    abandoned: false,
  };
}

function isBlank(text: string): boolean {
  return text.trim() === "";
}
