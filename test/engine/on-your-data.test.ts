// "On Your Data" end to end through the engine: a conversation picks a data source by name, the
// request carries it, [docN] markers become [n] as the answer streams, the cited sources reach the
// sink, and history keeps the normalized answer.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, beforeEach, describe, it } from "node:test";
import { type Core, createCore } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { silentLogger } from "../../src/log.js";
import { createMetrics } from "../../src/metrics.js";
import { systemClock } from "../../src/reply/clock.js";
import { type AzureOpenAIDouble, DEFAULT_API_KEY, startAzureOpenAIDouble } from "../doubles/azure-openai.js";
import { consoleMessage } from "../helpers/console-message.js";
import { SourcesSink } from "../helpers/recording-sink.js";

const REDIS_URL = `${process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379"}/3`;

describe("On Your Data through the engine", () => {
  let llm: AzureOpenAIDouble;
  let core: Core;
  const message = consoleMessage;
  const sink = () => new SourcesSink(systemClock, { limits: { minIntervalMs: 5 } });

  before(async () => {
    llm = await startAzureOpenAIDouble();
  });
  after(async () => {
    await core?.store.close();
    await llm.close();
  });
  beforeEach(async () => {
    await core?.store.close();
    llm.reset();
    const config = loadConfig({
      AZURE_OPENAI_ENDPOINT: llm.url,
      AZURE_OPENAI_API_KEY: DEFAULT_API_KEY,
      AZURE_OPENAI_DEPLOYMENT: "gpt-4o",
      REDIS_URL,
      REDIS_KEY_PREFIX: `test:oyd:${randomUUID()}:`,
      AZURE_SEARCH_MODE: "on_your_data",
      AZURE_SEARCH_ENDPOINT: "https://my-search.search.windows.net",
      AZURE_SEARCH_INDEX: "hr-docs",
      AZURE_SEARCH_API_KEY: "search-admin-key-0123456789",
    });
    core = await createCore(config, silentLogger, { metrics: createMetrics() });
    await core.engine.handle(message("settings set datasource hr-docs"), sink());
    llm.reset();
  });

  it("sends the data source, renumbers the markers and hands the cited sources to the sink", async () => {
    llm.script({
      kind: "stream",
      pieces: ["Take 20 days [do", "c2] of leave; ask HR [doc2][doc1]", "."],
      citations: [
        {
          content: "Contact HR by email.",
          title: "HR contacts",
          url: "https://intranet/hr",
          filepath: null,
          chunk_id: "0",
        },
        {
          content: "Employees get 20 days of paid leave.",
          title: "Leave policy",
          url: "https://intranet/leave",
          filepath: "leave.pdf",
          chunk_id: "1",
        },
        { content: "Never cited.", title: "Unused", url: null, filepath: null, chunk_id: "2" },
      ],
    });
    const s = sink();
    assert.equal(await core.engine.handle(message("How much leave do I get?"), s), "answered");

    const body = llm.requests[0]?.body as {
      data_sources?: Array<{ type: string; parameters: Record<string, unknown> }>;
    };
    assert.equal(body.data_sources?.length, 1);
    assert.equal(body.data_sources?.[0]?.type, "azure_search");
    assert.equal(body.data_sources?.[0]?.parameters.index_name, "hr-docs");
    assert.equal(s.messages.at(-1)?.text, "Take 20 days [1] of leave; ask HR [1][2].");
    assert.deepEqual(
      s.sources.map((x) => [x.n, x.title, x.url]),
      [
        [1, "Leave policy", "https://intranet/leave"],
        [2, "HR contacts", "https://intranet/hr"],
      ],
    );
    const history = await core.store.load("console:T:C:t1");
    assert.equal(
      history.at(-1)?.content,
      "Take 20 days [1] of leave; ask HR [1][2].",
      "no raw [docN] in history",
    );
    assert.deepEqual(llm.specViolations, []);
  });

  it("says so plainly when the search found nothing", async () => {
    llm.script({ kind: "not-in-data" });
    const s = sink();
    await core.engine.handle(message("What is the parking policy?"), s);
    assert.match(s.messages.at(-1)?.text ?? "", /not available in the retrieved data/i);
    assert.deepEqual(s.sources, []);
  });

  it("reports a search authentication failure with a clear sentence", async () => {
    llm.script({ kind: "search-auth-failed", searchStatus: 403 });
    const s = sink();
    assert.equal(await core.engine.handle(message("Anything?"), s), "failed");
    assert.match(s.messages.at(-1)?.text ?? "", /document search/i);
    assert.match(await core.metrics.registry.metrics(), /bot_errors_total\{kind="datasource_error"\} 1/);
  });

  it("answers without the data source when it is off for the conversation", async () => {
    await core.engine.handle(message("settings set datasource off"), sink());
    llm.script({ kind: "stream", pieces: ["Plain answer."] });
    await core.engine.handle(message("hi"), sink());
    const last = llm.requests.at(-1);
    assert.ok(last);
    assert.equal((last.body as { data_sources?: unknown }).data_sources, undefined);
  });
});

describe("On Your Data with fallback", () => {
  it("answers without the data source, saying so, when the search fails and the configuration allows it", async () => {
    const llm = await startAzureOpenAIDouble();
    const config = loadConfig({
      AZURE_OPENAI_ENDPOINT: llm.url,
      AZURE_OPENAI_API_KEY: DEFAULT_API_KEY,
      AZURE_OPENAI_DEPLOYMENT: "gpt-4o",
      AZURE_SEARCH_MODE: "on_your_data",
      AZURE_SEARCH_ENDPOINT: "https://my-search.search.windows.net",
      AZURE_SEARCH_INDEX: "hr-docs",
      AZURE_SEARCH_FALLBACK_WITHOUT_DATA_SOURCE: "true",
    });
    const core = await createCore(config, silentLogger, { metrics: createMetrics() });
    const msg = (text: string) => consoleMessage(text, "fb");
    await core.engine.handle(msg("settings set datasource hr-docs"), new SourcesSink(systemClock));
    llm.reset();
    llm.script({ kind: "search-index-not-found" }, { kind: "stream", pieces: ["General answer."] });
    const s = new SourcesSink(systemClock, { limits: { minIntervalMs: 5 } });
    assert.equal(await core.engine.handle(msg("Leave policy?"), s), "answered");
    assert.match(
      s.messages.at(-1)?.text ?? "",
      /document search in \*\*hr-docs\*\* failed[\s\S]*General answer\./,
    );
    const retry = llm.requests[1];
    assert.ok(retry);
    assert.equal((retry.body as { data_sources?: unknown }).data_sources, undefined);
    await core.store.close();
    await llm.close();
  });
});
