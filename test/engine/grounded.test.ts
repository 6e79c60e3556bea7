// Answers from your documents through the engine when the bot searches Azure AI Search itself:
// the real openai and @azure/search-documents clients against the Azure OpenAI and Azure AI Search
// doubles over HTTP(S), a real Redis. The model double answers from what the request really holds:
// it cites the number the prompt gave the passage it needs.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { after, before, beforeEach, describe, it } from "node:test";
import { ConsoleSink } from "../../adapters/console/console-sink.js";
import { type Core, createCore } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { silentLogger } from "../../src/log.js";
import { createMetrics } from "../../src/metrics.js";
import { systemClock } from "../../src/reply/clock.js";
import {
  type AzureOpenAIDouble,
  DEFAULT_API_KEY,
  type RecordedRequest,
  type Scenario,
  startAzureOpenAIDouble,
} from "../doubles/azure-openai.js";
import {
  type AzureSearchDouble,
  HR_INDEX,
  HR_INDEX_NAME,
  HR_KNOWLEDGE_BASE,
  PRODUCT_INDEX,
  startAzureSearchDouble,
} from "../doubles/azure-search/index.js";
import { consoleMessage } from "../helpers/console-message.js";
import { SourcesSink } from "../helpers/recording-sink.js";

const REDIS_URL = `${process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379"}/3`;
const SEARCH_KEY = "test-search-key";

interface ChatBody {
  messages: Array<{ role: string; content: string }>;
  stream?: boolean;
  temperature?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
}
const chat = (r: RecordedRequest | undefined) => r?.body as ChatBody;

/** The number the prompt gave the passage that contains `needle`, or undefined. */
function numberOf(request: RecordedRequest, needle: string): number | undefined {
  const sources = chat(request).messages.find((m) => m.role === "system" && m.content.includes("\n[1] "));
  const blocks = sources?.content.split(/\n\n(?=\[\d+\] )/) ?? [];
  const block = blocks.find((b) => b.includes(needle));
  return block ? Number(/^\[(\d+)\]/.exec(block)?.[1]) : undefined;
}

/**
 * A model that answers from its sources: a rewrite request gets `rewrite`; an answer cites the
 * passage holding each fact it knows, or says it found nothing.
 */
function modelThatReads(rewrite = "vacation days for contractors") {
  return (request: RecordedRequest): Scenario => {
    const body = chat(request);
    if (body.stream !== true) return { kind: "stream", pieces: [rewrite] };
    const employees = numberOf(request, "25 paid vacation days");
    const contractors = numberOf(request, "do not receive paid vacation days");
    if (contractors !== undefined && body.messages.at(-1)?.content.includes("contractors"))
      return {
        kind: "stream",
        pieces: ["Contractors get no paid vacation from Contoso ", `[${contractors}]`, "."],
      };
    if (employees !== undefined)
      return { kind: "stream", pieces: ["Full-time employees get 25 days", ` [${employees}]`, "."] };
    return { kind: "stream", pieces: ["I could not find that in the documents."] };
  };
}

describe("grounded answers (the bot searches itself)", { timeout: 60_000 }, () => {
  let llm: AzureOpenAIDouble;
  let search: AzureSearchDouble;
  let core: Core;
  const message = consoleMessage;
  const sink = () => new SourcesSink(systemClock, { limits: { minIntervalMs: 5 } });
  const ask = async (text: string, thread = "t1") => {
    const s = sink();
    const outcome = await core.engine.handle(message(text, thread), s);
    return { s, outcome };
  };
  const start = async (env: Record<string, string> = {}) => {
    await core?.store.close();
    const config = loadConfig({
      AZURE_OPENAI_ENDPOINT: llm.url,
      AZURE_OPENAI_API_KEY: DEFAULT_API_KEY,
      AZURE_OPENAI_DEPLOYMENT: "gpt-4.1",
      REDIS_URL,
      REDIS_KEY_PREFIX: `test:grounded:${randomUUID()}:`,
      AZURE_SEARCH_ENDPOINT: search.url,
      AZURE_SEARCH_INDEX: HR_INDEX_NAME,
      AZURE_SEARCH_API_KEY: SEARCH_KEY,
      AZURE_SEARCH_SOURCE_NAME: "hr-docs",
      ...env,
    });
    core = await createCore(config, silentLogger, { metrics: createMetrics(), search: { ca: search.ca } });
    await ask("settings set datasource hr-docs", "setup");
    llm.reset();
    search.reset();
  };
  const searches = () =>
    search.requests.filter((r) => r.operation === "search" || r.operation === "retrieve");
  const searchText = (i: number) => (searches()[i]?.body as { search?: string } | undefined)?.search;
  const answers = () => llm.requests.filter((r) => r.operation === "chat" && chat(r).stream === true);
  const rewrites = () => llm.requests.filter((r) => r.operation === "chat" && chat(r).stream !== true);
  const metric = async (name: string) => {
    const text = await core.metrics.registry.metrics();
    return Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text)?.[1] ?? 0);
  };

  before(async () => {
    llm = await startAzureOpenAIDouble({ fallback: modelThatReads() });
    search = await startAzureSearchDouble({
      indexes: [HR_INDEX, PRODUCT_INDEX],
      knowledgeBases: [HR_KNOWLEDGE_BASE],
    });
  });
  after(async () => {
    await core?.store.close();
    await llm.close();
    await search.close();
  });
  beforeEach(() => start());

  it("answers on a non-GPT-4o deployment with [n] markers and the cited sources; history keeps no passages", async () => {
    const { s, outcome } = await ask("How many vacation days do full-time employees get?");
    assert.equal(outcome, "answered");
    assert.equal(s.text, "Full-time employees get 25 days [1].");
    assert.deepEqual(
      s.sources.map((x) => [x.n, x.title]),
      [[1, "Employee-Handbook-2025.pdf"]],
    );
    const request = answers()[0];
    assert.equal(request?.model, "gpt-4.1");
    assert.equal(request?.body && "data_sources" in (request.body as object), false, "not On Your Data");
    const prompt = chat(request).messages;
    assert.equal(prompt.at(-1)?.content, "How many vacation days do full-time employees get?");
    assert.match(prompt.at(-2)?.content ?? "", /^Here are the passages a search of "hr-docs" found/);
    assert.match(prompt.at(-2)?.content ?? "", /Cite every statement .* like \[1\]/);
    assert.equal(searchText(0), "How many vacation days do full-time employees get?");
    assert.equal(rewrites().length, 0, "a first question is not rewritten");

    const history = await core.store.load("console:T:C:t1");
    assert.deepEqual(
      history.map((m) => m.content),
      ["How many vacation days do full-time employees get?", "Full-time employees get 25 days [1]."],
    );
    assert.deepEqual(llm.specViolations, []);
    assert.deepEqual(search.violations, []);
    assert.equal(await metric("bot_answer_sources_sum"), 1);
    assert.ok((await metric("bot_search_duration_seconds_count")) >= 1);
  });

  it("searches for what a follow-up means: the rewrite holds the first question's subject", async () => {
    await ask("How many vacation days do employees get?");
    const { s } = await ask("And for contractors?");
    const rewrite = rewrites()[0];
    assert.ok(rewrite, "one rewrite call");
    assert.equal(chat(rewrite).stream, false, "read whole, not streamed");
    assert.equal(chat(rewrite).max_completion_tokens ?? chat(rewrite).max_tokens, 64, "a short answer");
    assert.match(
      chat(rewrite).messages.at(-1)?.content ?? "",
      /User: How many vacation days do employees get\?/,
    );
    assert.match(chat(rewrite).messages.at(-1)?.content ?? "", /Last message: And for contractors\?/);
    assert.equal(searchText(1), "vacation days for contractors");
    assert.equal(s.text, "Contractors get no paid vacation from Contoso [1].");
    assert.equal(s.sources[0]?.title, "Contractor-Guidelines.pdf");
    assert.ok((await metric("bot_search_rewrite_tokens_total")) > 0, "the rewrite's tokens are counted");
    // The usage ledger keeps the search's own tokens apart, and counts them in the total.
    const usage = await core.store.usageReport("console:T", new Date().toISOString().slice(0, 7));
    assert.equal(usage.total.rewriteTokens, await metric("bot_search_rewrite_tokens_total"));
    assert.equal(usage.total.extraTokens, usage.total.rewriteTokens + usage.total.embeddingTokens);
    assert.ok(usage.total.tokens >= usage.total.promptTokens + usage.total.extraTokens);
  });

  it("with AZURE_SEARCH_QUERY_REWRITE=false the newest message is the query", async () => {
    await start({ AZURE_SEARCH_QUERY_REWRITE: "false" });
    await ask("How many vacation days do employees get?");
    await ask("And for contractors?");
    assert.equal(rewrites().length, 0);
    assert.equal(searchText(1), "And for contractors?");
  });

  it("says so when the search finds nothing, and shows no Sources", async () => {
    const { s } = await ask("xyzzy plugh");
    assert.match(chat(answers()[0]).messages.at(-2)?.content ?? "", /^A search of "hr-docs" found nothing/);
    assert.match(
      s.text,
      /^I could not find that in the documents\.\n\n_\(Nothing in \*\*hr-docs\*\* matched/,
    );
    assert.deepEqual(s.sources, []);
  });

  it("a refused key, a missing index, throttling and a slow search: one clear sentence, no model call", async () => {
    const cases: Array<[() => void, RegExp]> = [
      [() => search.failNext("search", { status: 403 }), /document search failed.*administrator/],
      [() => search.failNext("search", { status: 429 }), /document search is busy right now/],
      [() => search.failNext("search", { status: 503 }), /document search is busy right now/],
    ];
    for (const [fail, says] of cases) {
      fail();
      const { s, outcome } = await ask("vacation days?");
      assert.equal(outcome, "failed");
      assert.match(s.text, says);
      assert.equal(answers().length, 0);
    }
    const errors = await core.metrics.registry.getSingleMetricAsString("bot_search_errors_total");
    assert.match(errors, /kind="refused"} 1/);
    assert.match(errors, /kind="throttled"} 2/);

    await start({ AZURE_SEARCH_INDEX: "no-such-index", AZURE_SEARCH_SOURCE_NAME: "hr-docs" });
    assert.match((await ask("vacation?")).s.text, /document search failed/);

    await start({ AZURE_SEARCH_TIMEOUT_MS: "500" });
    await ask("warm up"); // the index definition is read and cached
    search.hangNext("search");
    assert.match((await ask("vacation?")).s.text, /document search took too long/);
  });

  it("with fallback on, answers without the documents and says so", async () => {
    await start({ AZURE_SEARCH_FALLBACK_WITHOUT_DATA_SOURCE: "true" });
    search.failNext("search", { status: 403 });
    llm.script({ kind: "stream", pieces: ["Usually about 25 days."] });
    const { s, outcome } = await ask("How many vacation days?");
    assert.equal(outcome, "answered");
    assert.match(
      s.text,
      /^_\(The document search in \*\*hr-docs\*\* failed, so this answer does not use those documents\.\)_\n\nUsually about 25 days\.$/,
    );
    assert.equal(chat(answers()[0]).messages.length, 2, "no sources message");
  });

  it("a knowledge base: its extracted content becomes the numbered sources", async () => {
    await start({
      AZURE_SEARCH_MODE: "knowledge_base",
      AZURE_SEARCH_INDEX: "",
      AZURE_SEARCH_KNOWLEDGE_BASE: HR_KNOWLEDGE_BASE.name,
    });
    const { s } = await ask("How many vacation days do full-time employees get?");
    assert.equal(searches()[0]?.operation, "retrieve");
    assert.equal(s.text, "Full-time employees get 25 days [1].");
    assert.equal(s.sources[0]?.title, "Employee-Handbook-2025.pdf");
    assert.deepEqual(search.violations, []);
  });

  it("prints the sources after the answer in `npm run chat`", async () => {
    let printed = "";
    const out = new Writable({
      write(chunk, _encoding, done) {
        printed += String(chunk);
        done();
      },
    });
    await core.engine.handle(
      message("How many vacation days do full-time employees get?"),
      new ConsoleSink(out),
    );
    assert.equal(
      printed,
      "Full-time employees get 25 days [1].\n\nSources:\n  [1] Employee-Handbook-2025.pdf\n\n",
    );
  });

  const endpoints: Array<[string, Record<string, string>, (r: RecordedRequest) => void]> = [
    ["the /openai/v1 route", { OPENAI_API_VERSION: "v1" }, (r) => assert.equal(r.route, "azure-v1")],
    [
      "the model inference endpoint",
      { AZURE_OPENAI_ENDPOINT: "", OPENAI_BASE_URL: "", LLM_PROVIDER: "azure-inference" },
      (r) => assert.equal(r.route, "azure-inference"),
    ],
    [
      "an OpenAI-compatible server",
      { LLM_PROVIDER: "openai", OPENAI_MODEL: "llama3.1" },
      (r) => assert.equal(r.route, "openai-compatible"),
    ],
    [
      "a reasoning model",
      { AZURE_OPENAI_DEPLOYMENT: "o3-mini" },
      (r) => {
        assert.equal(chat(r).temperature, undefined);
        assert.equal(chat(r).max_tokens, undefined);
      },
    ],
  ];
  for (const [name, env, check] of endpoints) {
    it(`works on ${name}`, async () => {
      const overrides =
        env.LLM_PROVIDER === "azure-inference"
          ? { ...env, AZURE_OPENAI_ENDPOINT: `${llm.url}/models` }
          : env.LLM_PROVIDER === "openai"
            ? { ...env, OPENAI_BASE_URL: `${llm.url}/v1` }
            : env;
      await start(Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== "")));
      await ask("How many vacation days do employees get?");
      const { s } = await ask("And for contractors?");
      assert.equal(s.text, "Contractors get no paid vacation from Contoso [1].");
      assert.equal(s.sources[0]?.title, "Contractor-Guidelines.pdf");
      for (const request of llm.requests) check(request);
      if (env.AZURE_OPENAI_DEPLOYMENT === "o3-mini") {
        assert.equal(chat(rewrites()[0]).max_completion_tokens, 1_024, "room to think before the query");
      }
      assert.deepEqual(llm.specViolations, []);
    });
  }
});
