// Core benchmark: engine overhead per turn (LLM excluded), turns per second, CPU and heap per turn
// with 200 replies in flight, history load/append latency and token-trim cost, against the local
// Redis. Prints a table; asserts nothing.
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { Tiktoken } from "js-tiktoken/lite";
import o200kRanks from "js-tiktoken/ranks/o200k_base";
import { createCore } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { fitToBudget } from "../src/engine/token-budget.js";
import { countTokens, loadEncoders } from "../src/engine/tokens.js";
import type { IncomingMessage } from "../src/engine/types.js";
import type {
  CompletionEvent,
  CompletionRequest,
  CompletionResult,
  EmbeddingResult,
  LlmClient,
} from "../src/llm/types.js";
import { silentLogger } from "../src/log.js";
import { createMetrics } from "../src/metrics.js";
import type { MessageHandle, ReplySink } from "../src/reply/types.js";
import { encodeThreadKey } from "../src/store/keys.js";
import { RedisStore } from "../src/store/redis.js";
import type { StoredMessage } from "../src/store/types.js";
import { startAzureOpenAIDouble } from "../test/doubles/azure-openai.js";
import { collectGarbage } from "./gc.js";
import { BENCH_REDIS_URL, deleteKeys } from "./redis-keys.js";
import { type Row, summarize } from "./stats.js";

const TOKENS_PER_ANSWER = 50;

/** An LLM with no latency at all: every token is ready at once, so only the engine is measured. */
class InstantLlm implements LlmClient {
  readonly kind = "azure-deployment";
  async *stream(_request: CompletionRequest): AsyncIterable<CompletionEvent> {
    for (let i = 0; i < TOKENS_PER_ANSWER; i++) yield { type: "text", text: ` tok${i}` };
    yield {
      type: "done",
      finishReason: "stop",
      usage: { promptTokens: 100, completionTokens: TOKENS_PER_ANSWER },
    };
  }
  async complete(): Promise<CompletionResult> {
    return { text: "a standalone search query", usage: { promptTokens: 50, completionTokens: 5 } };
  }
  async embed(): Promise<EmbeddingResult> {
    return { vector: [0.6, 0.8], tokens: 5 };
  }
}

/**
 * The instant LLM, except that while held (`hold()`) every answer stops halfway until released, so
 * many replies can be in flight at the same time.
 */
class HeldLlm extends InstantLlm {
  /** Answers stopped halfway in the current hold. */
  waiting = 0;
  private gate: Promise<void> | undefined;

  /** From now on answers stop halfway; the returned function lets them all go on. */
  hold(): () => void {
    let release = () => {};
    this.gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.waiting = 0;
    return () => {
      this.gate = undefined;
      release();
    };
  }

  override async *stream(request: CompletionRequest): AsyncIterable<CompletionEvent> {
    let i = 0;
    for await (const event of super.stream(request)) {
      const gate = this.gate;
      if (i++ === TOKENS_PER_ANSWER / 2 && gate) {
        this.waiting++;
        await gate;
      }
      yield event;
    }
  }
}

/** A sink that accepts everything at once (a platform with no latency and no pacing). */
class NullSink implements ReplySink {
  readonly limits = { maxChars: 40_000, minIntervalMs: 0 };
  async post(): Promise<MessageHandle> {
    return { id: "x" };
  }
  async update(): Promise<void> {}
}

function message(thread: string, text: string): IncomingMessage {
  return {
    id: randomUUID(),
    platform: "bench",
    threadKey: encodeThreadKey({ platform: "bench", tenant: "T", channel: "C", thread }),
    conversationScope: "bench:T:C",
    workspaceScope: "bench:T",
    userId: "U",
    text,
    rights: async () => ({ conversation: true, workspace: true }),
  };
}

async function timeEach(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    samples.push(performance.now() - t0);
  }
  return samples;
}

export async function benchCore(): Promise<Row[]> {
  const rows: Row[] = [];
  const prefix = `bench:${randomUUID()}:`;
  const env = {
    AZURE_OPENAI_ENDPOINT: "http://127.0.0.1:1/",
    AZURE_OPENAI_API_KEY: "bench-key",
    AZURE_OPENAI_DEPLOYMENT: "gpt-4o",
    REDIS_URL: BENCH_REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    HISTORY_WINDOW: "40",
  };

  // 1. Engine overhead per turn with an instant LLM and a null sink: settings, history, budget,
  //    lock, streaming into the reply, persisting, usage. Each turn adds to a growing thread.
  {
    const core = await createCore(loadConfig(env), silentLogger, {
      llm: new InstantLlm(),
      metrics: createMetrics(),
    });
    await timeEach(200, (i) => core.engine.handle(message(`warm${i % 10}`, "warm up"), new NullSink()));
    const samples = await timeEach(2_000, (i) =>
      core.engine.handle(message(`t${i % 50}`, `question ${i}`), new NullSink()),
    );
    rows.push(summarize("engine overhead per turn (instant LLM, Redis)", samples));

    // 4. Turns per second: 32 threads at once, on this one Node process (one core; Redis on the other).
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let turns = 0;
    const deadline = t0 + 3_000;
    await Promise.all(
      Array.from({ length: 32 }, async (_, w) => {
        while (performance.now() < deadline) {
          await core.engine.handle(message(`tp${w}`, `q${turns}`), new NullSink());
          turns++;
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    rows.push({
      name: "turns per second (32 threads at once, instant LLM)",
      value: `${Math.round(turns / seconds)} turns/s, ${((cpu.user + cpu.system) / 1000 / turns).toFixed(2)} ms CPU per turn`,
    });
    await core.store.close();
  }

  // 5. CPU and heap per turn with 200 replies in flight at once (instant LLM, null sink).
  rows.push(await concurrentTurns(env, 200));

  // 1b. The same through the real openai client and HTTP, against the zero-latency Azure double.
  {
    const double = await startAzureOpenAIDouble({ validate: false, record: false, chunkDelayMs: 0 });
    double.setFallback({
      kind: "stream",
      pieces: Array.from({ length: TOKENS_PER_ANSWER }, (_, i) => ` tok${i}`),
    });
    const core = await createCore(
      loadConfig({ ...env, AZURE_OPENAI_ENDPOINT: double.url, AZURE_OPENAI_API_KEY: "test-api-key" }),
      silentLogger,
      {
        metrics: createMetrics(),
      },
    );
    await timeEach(100, (i) => core.engine.handle(message(`hw${i % 10}`, "warm up"), new NullSink()));
    const samples = await timeEach(1_000, (i) =>
      core.engine.handle(message(`h${i % 50}`, `question ${i}`), new NullSink()),
    );
    rows.push(summarize("turn incl. openai client + HTTP (zero-latency double)", samples));
    await core.store.close();
    await double.close();
  }

  // 2. History load and append on 10- and 1,000-message threads.
  {
    const store = new RedisStore({ url: BENCH_REDIS_URL, keyPrefix: prefix });
    const body =
      "A typical chat message of a few sentences, about one hundred and fifty characters long, as people write them in Slack threads every day.";
    for (const size of [10, 1_000]) {
      const key = encodeThreadKey({ platform: "bench", tenant: "T", channel: "hist", thread: String(size) });
      const seed: StoredMessage[] = Array.from({ length: size }, (_, i) => ({
        role: i % 2 ? "assistant" : "user",
        content: body,
        at: Date.now(),
        tokens: 30,
        encoding: "o200k_base",
      }));
      await store.append(key, seed, { maxMessages: size, ttlSeconds: 3_600 });
      const append = await timeEach(2_000, () =>
        store.append(key, seed.slice(0, 2), { maxMessages: size, ttlSeconds: 3_600 }),
      );
      const load = await timeEach(2_000, () => store.load(key));
      const window = await timeEach(2_000, () => store.load(key, 40));
      rows.push(summarize(`history append 2 msgs (thread of ${size})`, append));
      rows.push(summarize(`history load all ${size} messages`, load));
      rows.push(summarize(`history load newest 40 (thread of ${size})`, window));
    }
    await store.close();
  }

  // 3. Token-trim cost: fitting a 1,000-message history into a 128k window, with token counts cached
  //    in the stored messages (the normal case) and without (counted on the spot).
  {
    const core = await createCore(loadConfig(env), silentLogger, {
      llm: new InstantLlm(),
      metrics: createMetrics(),
    });
    await core.store.close();
    const profile = core.config.models[0]?.profile;
    if (!profile) throw new Error("no model");
    const text =
      "Could you summarise the quarterly report and list the three biggest risks it mentions? ".repeat(3);
    const history: StoredMessage[] = Array.from({ length: 1_000 }, (_, i) => ({
      role: i % 2 ? "assistant" : "user",
      content: `${i} ${text}`,
      at: 0,
    }));
    const cached = history.map((m) => ({ ...m, tokens: 55, encoding: profile.encoding }));
    const trim = (h: StoredMessage[]) => async () =>
      fitToBudget({
        systemPrompt: "You are helpful.",
        history: h,
        userText: "And the outlook?",
        profile,
        replyTokens: 1_000,
      });
    rows.push(summarize("token trim, 1,000 msgs, counts cached", await timeEach(500, trim(cached))));
    rows.push(summarize("token trim, 1,000 msgs, counted on the spot", await timeEach(50, trim(history))));
  }
  rows.push(...(await tokenizerRows()));
  await deleteKeys(prefix);
  return rows;
}

/**
 * `replies` turns in flight at once, each in its own thread: the model answers at once but holds every
 * answer halfway until all of them are there. CPU per turn (process.cpuUsage, the forced collection
 * left out) and heap per turn: the peak heapUsed above the baseline (garbage included), and what is
 * still live after a full collection while all of them are held.
 */
async function concurrentTurns(env: Record<string, string>, replies: number): Promise<Row> {
  const llm = new HeldLlm();
  const core = await createCore(loadConfig(env), silentLogger, { llm, metrics: createMetrics() });
  await timeEach(200, (i) => core.engine.handle(message(`cw${i % 10}`, "warm up"), new NullSink()));
  collectGarbage();
  const baseline = process.memoryUsage().heapUsed;
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 5);
  const release = llm.hold();
  const cpu0 = process.cpuUsage();
  const turns = Array.from({ length: replies }, (_, i) =>
    core.engine.handle(message(`c${i}`, `question ${i}`), new NullSink()),
  );
  const deadline = Date.now() + 10_000;
  while (llm.waiting < replies && Date.now() < deadline) await sleep(5);
  const cpuToHold = process.cpuUsage(cpu0);
  const held = llm.waiting;
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  collectGarbage();
  const live = process.memoryUsage().heapUsed - baseline;
  const cpu1 = process.cpuUsage();
  release();
  await Promise.all(turns);
  const cpuAfter = process.cpuUsage(cpu1);
  clearInterval(sampler);
  await core.store.close();
  const cpuMs = (cpuToHold.user + cpuToHold.system + cpuAfter.user + cpuAfter.system) / 1000;
  const kib = (bytes: number) => (bytes / 1024 / replies).toFixed(0);
  return {
    name: `${replies} replies in flight at once (instant LLM held halfway, null sink): per turn`,
    value: `${(cpuMs / replies).toFixed(2)} ms CPU; heap ${kib(peak - baseline)} KiB at peak (garbage included), ${kib(live)} KiB live${held < replies ? ` (only ${held} in flight)` : ""}`,
  };
}

/**
 * The tokenizer the bot uses (gpt-tokenizer) against OpenAI's tiktoken in JavaScript (js-tiktoken):
 * load time and heap in a fresh process each, and counting speed here (their counts are equal:
 * test/engine/tokens.test.ts).
 */
async function tokenizerRows(): Promise<Row[]> {
  const load = (module: string, build: string) => {
    const script = `const m0 = process.memoryUsage().heapUsed; const t0 = performance.now(); const m = await import("${module}"); ${build}; const ms = performance.now() - t0; globalThis.gc?.(); console.log(JSON.stringify({ ms, mib: (process.memoryUsage().heapUsed - m0) / 1048576 }));`;
    const out = execFileSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", script], {
      encoding: "utf8",
    });
    return JSON.parse(out) as { ms: number; mib: number };
  };
  const gpt = load("gpt-tokenizer/encoding/o200k_base", "globalThis.keep = m; m.countTokens('warm')");
  const tik = load(
    "js-tiktoken/ranks/o200k_base",
    "const { Tiktoken } = await import('js-tiktoken/lite'); globalThis.keep = new Tiktoken(m.default); globalThis.keep.encode('warm')",
  );
  const passage =
    "Full-time employees receive 25 paid vacation days per calendar year, plus holidays. ".repeat(8);
  const tiktoken = new Tiktoken(o200kRanks);
  await loadEncoders(["o200k_base"]);
  const gptCount = await timeEach(2_000, async (i) => countTokens(passage + i, "o200k_base"));
  const tikCount = await timeEach(2_000, async (i) => tiktoken.encode(passage + i, [], []).length);
  return [
    {
      name: "tokenizer load o200k (fresh process)",
      value: `gpt-tokenizer ${gpt.ms.toFixed(0)} ms, ${gpt.mib.toFixed(0)} MiB heap; js-tiktoken ${tik.ms.toFixed(0)} ms, ${tik.mib.toFixed(0)} MiB heap`,
    },
    summarize("count a 150-token passage, gpt-tokenizer (used)", gptCount),
    summarize("count a 150-token passage, js-tiktoken", tikCount),
  ];
}
