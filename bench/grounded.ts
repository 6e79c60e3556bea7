// Grounded turns (the bot searches its documents itself): what the bot adds around the search and
// the model. 1. The engine turn with an instant search and an instant model, grounded against
// ungrounded: the difference is the bot's own retrieval work (prompt with 5 passages, token
// counting, citation mapping, sources). 2. Time to first visible text through the real
// @azure/search-documents and openai clients, with a search double that answers in 100 ms and a
// model double whose first token is immediate: grounded minus ungrounded is the search time plus
// the bot's overhead.
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { createCore } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import type { IncomingMessage } from "../src/engine/types.js";
import type { CompletionEvent, CompletionResult, EmbeddingResult, LlmClient } from "../src/llm/types.js";
import { silentLogger } from "../src/log.js";
import { createMetrics } from "../src/metrics.js";
import type { MessageHandle, ReplySink } from "../src/reply/types.js";
import type { Passage, RetrievalResult, Retriever } from "../src/retrieval/types.js";
import { startAzureOpenAIDouble } from "../test/doubles/azure-openai.js";
import { HR_INDEX, HR_INDEX_NAME, startAzureSearchDouble } from "../test/doubles/azure-search/index.js";
import { BENCH_REDIS_URL, deleteKeys } from "./redis-keys.js";
import { percentile, type Row, summarize } from "./stats.js";

const SEARCH_LATENCY_MS = 100;
const PASSAGE =
  "Full-time employees receive 25 paid vacation days per calendar year, plus public holidays. Part-time employees receive vacation days in proportion to their contracted hours. ".repeat(
    4,
  );

class InstantLlm implements LlmClient {
  readonly kind = "azure-deployment";
  async *stream(): AsyncIterable<CompletionEvent> {
    for (const piece of ["Employees get 25 days", " [1]", " and contractors none", " [3]", "."])
      yield { type: "text", text: piece };
    yield { type: "done", finishReason: "stop", usage: { promptTokens: 900, completionTokens: 12 } };
  }
  async complete(): Promise<CompletionResult> {
    return { text: "vacation days", usage: { promptTokens: 60, completionTokens: 3 } };
  }
  async embed(): Promise<EmbeddingResult> {
    return { vector: [1], tokens: 3 };
  }
}

/** Five passages at once: no search latency at all. */
class InstantRetriever implements Retriever {
  readonly name = "hr-docs";
  private readonly passages: Passage[] = Array.from({ length: 5 }, (_, i) => ({
    id: `doc-${i}`,
    title: `Policy ${i + 1}.pdf`,
    url: `https://intranet.example/policies/${i + 1}`,
    content: PASSAGE,
  }));
  async retrieve(): Promise<RetrievalResult> {
    return { passages: this.passages, embeddingTokens: 0 };
  }
}

/** Accepts everything at once and notes when the first text became visible. */
class FirstTextSink implements ReplySink {
  readonly limits = { maxChars: 40_000, minIntervalMs: 0 };
  firstTextAt: number | undefined;
  async post(text: string): Promise<MessageHandle> {
    this.note(text);
    return { id: "x" };
  }
  async update(_m: MessageHandle, text: string): Promise<void> {
    this.note(text);
  }
  private note(text: string): void {
    if (this.firstTextAt === undefined && text.trim() !== "") this.firstTextAt = performance.now();
  }
}

/** Workspace "G" has the data source on for every conversation (set once); "P" has none. */
const message = (thread: string, text: string, workspace: "G" | "P"): IncomingMessage => ({
  id: randomUUID(),
  platform: "bench",
  threadKey: `bench:${workspace}:C:${thread}`,
  conversationScope: `bench:${workspace}:${thread}`,
  workspaceScope: `bench:${workspace}`,
  userId: "U",
  text,
  rights: async () => ({ conversation: true, workspace: true }),
});

export async function benchGrounded(): Promise<Row[]> {
  const rows: Row[] = [];
  const prefix = `bench:${randomUUID()}:`;
  const base = {
    AZURE_OPENAI_API_KEY: "test-api-key",
    AZURE_OPENAI_DEPLOYMENT: "gpt-4.1",
    REDIS_URL: BENCH_REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    AZURE_SEARCH_ENDPOINT: "https://127.0.0.1:1",
    AZURE_SEARCH_INDEX: "hr-docs",
    AZURE_SEARCH_API_KEY: "test-search-key",
  };

  // 1. The bot's own retrieval work: grounded and ungrounded turns, interleaved, instant everything.
  {
    const core = await createCore(
      loadConfig({ ...base, AZURE_OPENAI_ENDPOINT: "http://127.0.0.1:1/" }),
      silentLogger,
      {
        llm: new InstantLlm(),
        metrics: createMetrics(),
        retrievers: new Map([["hr-docs", new InstantRetriever()]]),
      },
    );
    await core.engine.handle(
      message("setup", "settings workspace set datasource hr-docs", "G"),
      new FirstTextSink(),
    );
    const grounded: number[] = [];
    const plain: number[] = [];
    for (let i = 0; i < 2_400; i++) {
      // Each question in a thread of its own: no history, so no rewrite call either.
      const workspace = i % 2 === 0 ? "G" : "P";
      const t0 = performance.now();
      await core.engine.handle(
        message(`overhead-${i}`, "How many vacation days do we get?", workspace),
        new FirstTextSink(),
      );
      if (i >= 400) (workspace === "G" ? grounded : plain).push(performance.now() - t0);
    }
    const g = [...grounded].sort((a, b) => a - b);
    const p = [...plain].sort((a, b) => a - b);
    rows.push(summarize("engine turn, grounded (instant search + model, 5 passages)", grounded));
    rows.push(summarize("engine turn, no data source (same)", plain));
    rows.push({
      name: "bot overhead of retrieval (grounded − plain)",
      value: `p50 ${(percentile(g, 50) - percentile(p, 50)).toFixed(2)} ms, p99 ${(percentile(g, 99) - percentile(p, 99)).toFixed(2)} ms (goal p99 < 5 ms)`,
    });
    await core.store.close();
  }

  // 2. Time to first visible text with a 100 ms search, through the real clients over HTTP(S).
  {
    const search = await startAzureSearchDouble({ indexes: [HR_INDEX], latencyMs: SEARCH_LATENCY_MS });
    const llm = await startAzureOpenAIDouble({ validate: false, record: false, chunkDelayMs: 0 });
    llm.setFallback({ kind: "stream", pieces: ["Employees get 25 days", " [1]", "."] });
    const core = await createCore(
      loadConfig({
        ...base,
        AZURE_OPENAI_ENDPOINT: llm.url,
        AZURE_SEARCH_ENDPOINT: search.url,
        AZURE_SEARCH_INDEX: HR_INDEX_NAME,
        AZURE_SEARCH_SOURCE_NAME: "hr-docs",
      }),
      silentLogger,
      { metrics: createMetrics(), search: { ca: search.ca } },
    );
    await core.engine.handle(
      message("setup", "settings workspace set datasource hr-docs", "G"),
      new FirstTextSink(),
    );
    const firstText = async (thread: string, workspace: "G" | "P") => {
      const sink = new FirstTextSink();
      const t0 = performance.now();
      await core.engine.handle(
        message(thread, "How many vacation days do full-time employees get?", workspace),
        sink,
      );
      return (sink.firstTextAt ?? performance.now()) - t0;
    };
    const grounded: number[] = [];
    const plain: number[] = [];
    for (let i = 0; i < 140; i++) {
      const workspace = i % 2 === 0 ? "G" : "P";
      // The first grounded turn also reads the index definition: the first 20 are a warm-up.
      const ms = await firstText(`first-${i}`, workspace);
      if (i >= 20) (workspace === "G" ? grounded : plain).push(ms);
    }
    const g = [...grounded].sort((a, b) => a - b);
    const p = [...plain].sort((a, b) => a - b);
    rows.push(summarize(`first visible text, grounded (${SEARCH_LATENCY_MS} ms search double)`, grounded));
    rows.push(summarize("first visible text, no data source", plain));
    rows.push({
      name: "added latency to first text (grounded − plain)",
      value: `p50 ${(percentile(g, 50) - percentile(p, 50)).toFixed(1)} ms = search ${SEARCH_LATENCY_MS} ms + ${(percentile(g, 50) - percentile(p, 50) - SEARCH_LATENCY_MS).toFixed(1)} ms (goal: search + < 20 ms)`,
    });
    await core.store.close();
    await search.close();
    await llm.close();
  }
  await deleteKeys(prefix);
  return rows;
}
