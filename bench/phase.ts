// One measured phase of a load benchmark: sends each reply's inbound request, spread evenly over
// `spreadMs`, and watches what users see, after every call the platform double records and every
// 20 ms, until every reply is final. Gives the figures Slack and Teams share, all against the times
// the model double actually wrote its chunks: ack latency, first visible text, last words, staleness
// of the visible text, exact finals, and the bot's CPU time (from /proc) over the phase.
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import type { BotUnderTest } from "./bot-under-test.js";
import type { ModelDouble } from "./model-double.js";
import type { CpuTime } from "./proc-stats.js";

export interface PhaseReply {
  key: string;
  /** Sends the inbound request (event, activity); resolves with the HTTP status. */
  send(): Promise<number>;
  /** What the user sees of the answer now. */
  visibleText(): string;
  /** No message of the answer is still streaming. */
  settled(): boolean;
}

export interface PhaseResult {
  replies: number;
  /** Inbound request to its HTTP answer (ms). */
  ackMs: number[];
  /** First visible answer text minus the model's first text chunk (ms). */
  firstTextMs: number[];
  /** The whole answer visible minus the model's last text chunk (ms). */
  lastWordsMs: number[];
  /** Of that, the model's own: its stream's end minus its last text chunk (ms). */
  modelTailMs: number[];
  /** Characters the model had sent that were not visible, sampled every 20 ms while it streamed. */
  staleChars: number[];
  /** How long ago the oldest character not yet visible was sent (ms), the same samples. */
  staleMs: number[];
  /** Mean stale characters per reply, for the worst reply. */
  worstReplyStaleChars: number;
  /** Visible text equal to the answer, nothing still streaming. */
  exact: number;
  /** Replies that never showed answer text or never the whole answer. */
  unfinished: string[];
  /** The bot's utime and stime from before the first request until everything settled (ms). */
  botCpu: CpuTime;
  /** From the first request until every reply was final. */
  wallS: number;
  /** This process's own event-loop delay p99 (ms): how late its timestamps may be. */
  benchLoopDelayMs: number;
}

const SAMPLE_EVERY_MS = 20;
/** After the last reply is final: the bot's trailing work (history, usage) lands in its CPU time. */
const SETTLE_MS = 500;
const TIMEOUT_MS = 90_000;
const LOOP_RESOLUTION_MS = 10;

/**
 * `onPlatformCall` subscribes to the calls the platform double records (after it applied each one)
 * and returns the unsubscribe function.
 */
export async function runPhase(options: {
  replies: PhaseReply[];
  spreadMs: number;
  model: ModelDouble;
  bot: BotUnderTest;
  onPlatformCall(fn: () => void): () => void;
}): Promise<PhaseResult> {
  const { replies, model, bot } = options;
  const answer = model.answer;
  const firstVisible = new Map<string, number>();
  const whole = new Map<string, number>();
  const staleChars: number[] = [];
  const staleMs: number[] = [];
  const staleByReply = new Map<string, number[]>();

  /** What each reply shows now: first answer text, the whole answer. */
  const look = (now: number) => {
    for (const r of replies) {
      if (whole.has(r.key)) continue;
      const shown = r.visibleText();
      if (!firstVisible.has(r.key) && commonPrefix(shown, answer) > 0) firstVisible.set(r.key, now);
      if (shown === answer) whole.set(r.key, now);
    }
  };
  /** Staleness of each reply whose model is streaming now. */
  const sample = (now: number) => {
    for (const r of replies) {
      const first = model.firstTextAt(r.key);
      const last = model.lastTextAt(r.key);
      if (first === undefined || first > now || (last !== undefined && last < now)) continue;
      const sent = model.charsSentBy(r.key, now);
      const shown = commonPrefix(r.visibleText(), answer);
      const chars = Math.max(0, sent - shown);
      staleChars.push(chars);
      staleMs.push(chars > 0 ? now - (model.charSentAt(r.key, shown) ?? now) : 0);
      const mine = staleByReply.get(r.key) ?? [];
      mine.push(chars);
      staleByReply.set(r.key, mine);
    }
  };
  const done = () => replies.every((r) => whole.has(r.key) && r.settled());

  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loopDelay.enable();
  const unsubscribe = options.onPlatformCall(() => look(Date.now()));
  const cpu0 = bot.cpuMs();
  const t0 = performance.now();
  let failed = false;
  const sending = Promise.all(
    replies.map(async (r, i) => {
      await sleep((i * options.spreadMs) / replies.length);
      const started = performance.now();
      const status = await r.send();
      if (status !== 200) throw new Error(`inbound request for ${r.key} answered ${status}`);
      return performance.now() - started;
    }),
  );
  sending.catch(() => {
    failed = true;
  });
  const deadline = Date.now() + TIMEOUT_MS;
  while (!done() && !failed && Date.now() < deadline) {
    await sleep(SAMPLE_EVERY_MS);
    const now = Date.now();
    look(now);
    sample(now);
  }
  const ackMs = await sending;
  const wallS = (performance.now() - t0) / 1000;
  await sleep(SETTLE_MS);
  const cpu1 = bot.cpuMs();
  const botCpu = { user: cpu1.user - cpu0.user, system: cpu1.system - cpu0.system };
  unsubscribe();
  loopDelay.disable();

  const firstTextMs: number[] = [];
  const lastWordsMs: number[] = [];
  const modelTailMs: number[] = [];
  const unfinished: string[] = [];
  let exact = 0;
  for (const r of replies) {
    const shown = firstVisible.get(r.key);
    const modelFirst = model.firstTextAt(r.key);
    if (shown !== undefined && modelFirst !== undefined) firstTextMs.push(shown - modelFirst);
    const all = whole.get(r.key);
    const modelLast = model.lastTextAt(r.key);
    if (all !== undefined && modelLast !== undefined) lastWordsMs.push(all - modelLast);
    const modelEnd = model.endedAt(r.key);
    if (modelEnd !== undefined && modelLast !== undefined) modelTailMs.push(modelEnd - modelLast);
    if (r.visibleText() === answer && r.settled()) exact++;
    if (shown === undefined || all === undefined) unfinished.push(r.key);
  }
  const replyMeans = [...staleByReply.values()].map(mean);
  return {
    replies: replies.length,
    ackMs,
    firstTextMs,
    lastWordsMs,
    modelTailMs,
    staleChars,
    staleMs,
    worstReplyStaleChars: replyMeans.length ? Math.max(...replyMeans) : Number.NaN,
    exact,
    unfinished,
    botCpu,
    wallS,
    // The histogram holds whole intervals between its timer's runs: the delay is beyond the resolution.
    benchLoopDelayMs: Math.max(0, loopDelay.percentile(99) / 1e6 - LOOP_RESOLUTION_MS),
  };
}

export function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN;
}

/** Length of the longest common prefix: how much of the answer the visible text shows, in order. */
function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}
