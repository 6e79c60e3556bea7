import type { NumberedSource } from "../../src/citations/types.js";
import { SinkRateLimitedError } from "../../src/errors.js";
import type { Clock, MessageHandle, ReplySink, SinkLimits } from "../../src/reply/types.js";

// A ReplySink for tests: records every call with its clock times, can be scripted to fail, to
// answer 429 or to take time, and notes every broken sink rule (overlapping calls on one message,
// text over the limit, calls after a final) in `violations`.

export type SinkMethod = "begin" | "post" | "update";

export interface SinkCall {
  /** 1-based among post and update calls (begin is 0). */
  n: number;
  method: SinkMethod;
  /** Message id; for a post, the id it returned (undefined when it failed). */
  handle: string | undefined;
  text: string;
  final: boolean;
  /** Clock times the call started and returned. */
  at: number;
  endAt: number | undefined;
  outcome: "pending" | "ok" | "error" | "rate_limited";
}

/** Decides how one call goes: undefined for success, or the error to throw. */
export type CallScript = (call: SinkCall) => Error | undefined;

export interface RecordingSinkOptions {
  limits?: Partial<SinkLimits>;
  /** Time each post or update takes, on the injected clock. */
  latencyMs?: number | ((call: SinkCall) => number);
  /** Give the sink a begin(); an Error makes begin() throw it after `beginLatencyMs`. */
  begin?: boolean | Error;
  beginLatencyMs?: number;
  /** Called as each call starts, e.g. to note what the caller's state was at that moment. */
  onCall?: (call: SinkCall) => void;
}

export class RecordingSink implements ReplySink {
  readonly limits: SinkLimits;
  readonly calls: SinkCall[] = [];
  readonly violations: string[] = [];
  /** Most post/update calls that were in flight at once. */
  maxConcurrent = 0;
  begin?: () => Promise<void>;

  readonly #clock: Clock;
  readonly #latency: (call: SinkCall) => number;
  readonly #onCall: ((call: SinkCall) => void) | undefined;
  readonly #scripts: CallScript[] = [];
  readonly #inFlight = new Set<string>();
  readonly #finalized = new Set<string>();
  #n = 0;
  #ids = 0;
  #concurrent = 0;

  constructor(clock: Clock, options: RecordingSinkOptions = {}) {
    this.#clock = clock;
    this.limits = { maxChars: 4_000, minIntervalMs: 1_000, ...options.limits };
    const latency = options.latencyMs ?? 0;
    this.#latency = typeof latency === "number" ? () => latency : latency;
    this.#onCall = options.onCall;
    if (options.begin !== undefined && options.begin !== false) {
      const failure = options.begin === true ? undefined : options.begin;
      const latencyMs = options.beginLatencyMs ?? 0;
      this.begin = async () => {
        const call = this.#record("begin", undefined, "", false, 0);
        await this.#clock.sleep(latencyMs);
        this.#settle(call, failure);
        if (failure) throw failure;
      };
    }
  }

  /** Makes the `n`th post/update call (1-based) throw `error`. */
  failOn(n: number, error: Error = new Error(`scripted failure of call ${n}`)): this {
    return this.script((call) => (call.n === n ? error : undefined));
  }

  /** Makes the `n`th post/update call answer 429 with the given Retry-After. */
  rateLimitOn(n: number, retryAfterMs: number): this {
    return this.failOn(n, new SinkRateLimitedError(retryAfterMs));
  }

  /** Adds a rule that may fail any call; the first rule returning an error wins. */
  script(rule: CallScript): this {
    this.#scripts.push(rule);
    return this;
  }

  async post(text: string, final: boolean): Promise<MessageHandle> {
    const call = this.#record("post", undefined, text, final, ++this.#n);
    this.maxConcurrent = Math.max(this.maxConcurrent, ++this.#concurrent);
    try {
      await this.#clock.sleep(this.#latency(call));
    } finally {
      this.#concurrent--;
    }
    const error = this.#decide(call);
    this.#settle(call, error);
    if (error) throw error;
    const id = `m${++this.#ids}`;
    call.handle = id;
    if (final) this.#finalized.add(id);
    return { id };
  }

  async update(message: MessageHandle, text: string, final: boolean): Promise<void> {
    const id = message.id;
    if (this.#inFlight.has(id)) this.violations.push(`overlapping calls on ${id} at ${this.#clock.now()}`);
    if (this.#finalized.has(id)) this.violations.push(`update of ${id} after its final call`);
    const call = this.#record("update", id, text, final, ++this.#n);
    this.#inFlight.add(id);
    this.maxConcurrent = Math.max(this.maxConcurrent, ++this.#concurrent);
    try {
      await this.#clock.sleep(this.#latency(call));
      const error = this.#decide(call);
      this.#settle(call, error);
      if (error) throw error;
      if (final) this.#finalized.add(id);
    } finally {
      this.#inFlight.delete(id);
      this.#concurrent--;
    }
  }

  /** Successful post/update calls, oldest first. */
  get delivered(): SinkCall[] {
    return this.calls.filter((c) => c.outcome === "ok" && c.method !== "begin");
  }

  /** Ids of messages that were posted, in order. */
  get messageIds(): string[] {
    return this.delivered.filter((c) => c.method === "post").map((c) => c.handle as string);
  }

  /** What each message shows now, and whether its last successful call was final. */
  get messages(): { id: string; text: string; final: boolean }[] {
    return this.messageIds.map((id) => {
      const last = this.delivered.filter((c) => c.handle === id).at(-1);
      return { id, text: last?.text ?? "", final: last?.final ?? false };
    });
  }

  /** Ids of posted messages whose last successful call was not final. */
  get unfinished(): string[] {
    return this.messages.filter((m) => !m.final).map((m) => m.id);
  }

  #record(method: SinkMethod, handle: string | undefined, text: string, final: boolean, n: number): SinkCall {
    if (text.length > this.limits.maxChars) {
      this.violations.push(`call ${n} sent ${text.length} chars, limit ${this.limits.maxChars}`);
    }
    const call: SinkCall = {
      n,
      method,
      handle,
      text,
      final,
      at: this.#clock.now(),
      endAt: undefined,
      outcome: "pending",
    };
    this.calls.push(call);
    this.#onCall?.(call);
    return call;
  }

  #decide(call: SinkCall): Error | undefined {
    for (const rule of this.#scripts) {
      const error = rule(call);
      if (error) return error;
    }
    return undefined;
  }

  #settle(call: SinkCall, error: Error | undefined): void {
    call.endAt = this.#clock.now();
    if (!error) call.outcome = "ok";
    else call.outcome = error instanceof SinkRateLimitedError ? "rate_limited" : "error";
  }
}

/** A recording sink that also keeps the sources the engine hands it (grounded answers). */
export class SourcesSink extends RecordingSink {
  sources: NumberedSource[] = [];
  setSources(sources: NumberedSource[]): void {
    this.sources = sources;
  }
  /** The text of the last message: the answer, or the failure note. */
  get text(): string {
    return this.messages.at(-1)?.text ?? "";
  }
}
