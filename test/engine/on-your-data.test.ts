// "On Your Data" end to end through the engine: a conversation picks a data source by name, the
// request carries it, [docN] markers become [n] as the answer streams, the cited sources reach the
// sink, and history keeps the normalized answer.
import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import { systemClock } from "../../src/reply/clock.js";
import { consoleMessage } from "../helpers/console-message.js";
import { useEngineCore } from "../helpers/engine-core.js";
import { SourcesSink } from "../helpers/recording-sink.js";

const ON_YOUR_DATA = {
  AZURE_SEARCH_MODE: "on_your_data",
  AZURE_SEARCH_ENDPOINT: "https://my-search.search.windows.net",
  AZURE_SEARCH_INDEX: "hr-docs",
};
const message = consoleMessage;
const sink = () => new SourcesSink(systemClock, { limits: { minIntervalMs: 5 } });

describe("On Your Data through the engine", () => {
  const oyd = useEngineCore("oyd", { ...ON_YOUR_DATA, AZURE_SEARCH_API_KEY: "search-admin-key-0123456789" });

  beforeEach(async () => {
    await oyd.core.engine.handle(message("settings set datasource hr-docs"), sink());
    oyd.double.reset();
  });

  it("sends the data source, renumbers the markers and hands the cited sources to the sink", async () => {
    oyd.double.script({
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
    assert.equal(await oyd.core.engine.handle(message("How much leave do I get?"), s), "answered");

    const body = oyd.double.requests[0]?.body as {
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
    const history = await oyd.core.store.load("console:T:C:t1");
    assert.equal(
      history.at(-1)?.content,
      "Take 20 days [1] of leave; ask HR [1][2].",
      "no raw [docN] in history",
    );
    assert.deepEqual(oyd.double.specViolations, []);
  });

  it("says so plainly when the search found nothing", async () => {
    oyd.double.script({ kind: "not-in-data" });
    const s = sink();
    await oyd.core.engine.handle(message("What is the parking policy?"), s);
    assert.match(s.messages.at(-1)?.text ?? "", /not available in the retrieved data/i);
    assert.deepEqual(s.sources, []);
  });

  it("reports a search authentication failure with a clear sentence", async () => {
    oyd.double.script({ kind: "search-auth-failed", searchStatus: 403 });
    const s = sink();
    assert.equal(await oyd.core.engine.handle(message("Anything?"), s), "failed");
    assert.match(s.messages.at(-1)?.text ?? "", /document search/i);
    assert.match(await oyd.core.metrics.registry.metrics(), /bot_errors_total\{kind="datasource_error"\} 1/);
  });

  it("answers without the data source when it is off for the conversation", async () => {
    await oyd.core.engine.handle(message("settings set datasource off"), sink());
    oyd.double.script({ kind: "stream", pieces: ["Plain answer."] });
    await oyd.core.engine.handle(message("hi"), sink());
    const last = oyd.double.requests.at(-1);
    assert.ok(last);
    assert.equal((last.body as { data_sources?: unknown }).data_sources, undefined);
  });
});

describe("On Your Data with fallback", () => {
  const fb = useEngineCore("oyd-fallback", {
    ...ON_YOUR_DATA,
    AZURE_SEARCH_FALLBACK_WITHOUT_DATA_SOURCE: "true",
  });

  it("answers without the data source, saying so, when the search fails and the configuration allows it", async () => {
    const msg = (text: string) => consoleMessage(text, "fb");
    await fb.core.engine.handle(msg("settings set datasource hr-docs"), new SourcesSink(systemClock));
    fb.double.reset();
    fb.double.script({ kind: "search-index-not-found" }, { kind: "stream", pieces: ["General answer."] });
    const s = sink();
    assert.equal(await fb.core.engine.handle(msg("Leave policy?"), s), "answered");
    assert.match(
      s.messages.at(-1)?.text ?? "",
      /document search in \*\*hr-docs\*\* failed[\s\S]*General answer\./,
    );
    const retry = fb.double.requests[1];
    assert.ok(retry);
    assert.equal((retry.body as { data_sources?: unknown }).data_sources, undefined);
  });
});
