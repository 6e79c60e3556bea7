// Answers from an index the bot searches itself, as Slack and Teams users see them: [n] markers,
// a Sources section with links (Slack), citation entities (Teams). The search runs against the
// Azure AI Search double over HTTPS; the model double cites the passage the prompt numbered.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { RecordedRequest, Scenario } from "../doubles/azure-openai.js";
import {
  type AzureSearchDouble,
  PRODUCT_INDEX,
  startAzureSearchDouble,
} from "../doubles/azure-search/index.js";
import { appMentionEvent } from "../doubles/slack/event-payloads.js";
import { ALICE, BOT_USER } from "../doubles/slack/test-support.js";
import { personalConversationId, personalMessage } from "../doubles/teams/activities.js";
import { type SlackHarness, settled, startSlackHarness } from "./slack/harness.js";
import { startTeamsHarness, type TeamsHarness } from "./teams/harness.js";

const CHANNEL = "C0000PRODS";

/** Cites the passage about the router's warranty by the number the prompt gave it. */
function answerFromSources(request: RecordedRequest): Scenario {
  const messages = (request.body as { messages: Array<{ role: string; content: string }> }).messages;
  const sources = messages.at(-2)?.content ?? "";
  const block = sources.split(/\n\n(?=\[\d+\] )/).find((b) => b.includes("two-year warranty; register"));
  const n = block ? /^\[(\d+)\]/.exec(block)?.[1] : undefined;
  return {
    kind: "stream",
    pieces: n ? ["The X200 has a two-year warranty", ` [${n}]`, "."] : ["Not found."],
  };
}

let search: AzureSearchDouble;
const env = () => ({
  AZURE_OPENAI_DEPLOYMENT: "gpt-5-mini",
  AZURE_SEARCH_ENDPOINT: search.url,
  AZURE_SEARCH_INDEX: "products",
  AZURE_SEARCH_API_KEY: "test-search-key",
});
before(async () => {
  search = await startAzureSearchDouble({ indexes: [PRODUCT_INDEX] });
});
after(() => search.close());

describe("grounded answers in Slack", { timeout: 30_000 }, () => {
  let h: SlackHarness;
  before(async () => {
    h = await startSlackHarness({ env: env(), search: { ca: search.ca } });
    h.llm.setFallback(answerFromSources);
  });
  after(() => h.close());

  it("shows [1] in the text and the product page as a clickable source", async () => {
    const mention = (text: string) => {
      const full = `<@${BOT_USER}> ${text}`;
      const ts = h.slack.seedMessage({ channel: CHANNEL, user: ALICE, text: full });
      return { ts, event: appMentionEvent({ user: ALICE, channel: CHANNEL, ts, text: full }) };
    };
    const on = mention("settings set datasource products");
    await h.sendEvent(on.event);
    await settled(h.core);
    assert.match(h.slack.thread(CHANNEL, on.ts)[1]?.text ?? "", /`datasource` is now `products`/);

    const ask = mention("what warranty does the X200 router have?");
    await h.sendEvent(ask.event);
    await settled(h.core);
    const [answer] = h.slack.thread(CHANNEL, ask.ts).slice(1);
    assert.ok(answer?.text.startsWith("The X200 has a two-year warranty [1]."), answer?.text);
    const blocks = JSON.stringify(answer?.blocks ?? []);
    assert.match(blocks, /Sources/);
    assert.match(blocks, /<https:\/\/www\.contoso\.example\/products\/router-x200\|Contoso Router X200>/);
    assert.deepEqual(h.slack.specViolations, []);
    assert.deepEqual(h.llm.specViolations, []);
    assert.deepEqual(search.violations, []);
  });

  it("says what it is doing while the first words are slow, then shows the search as a task card with its sources", async () => {
    h.llm.setFallback((request) => ({ ...answerFromSources(request), delayMs: 300 }) as Scenario);
    const full = `<@${BOT_USER}> and the X200's warranty terms?`;
    const ts = h.slack.seedMessage({ channel: CHANNEL, user: ALICE, text: full });
    await h.sendEvent(appMentionEvent({ user: ALICE, channel: CHANNEL, ts, text: full }));
    await settled(h.core);
    h.llm.setFallback(answerFromSources);
    const status = h.slack.callsTo("assistant.threads.setStatus").find((c) => c.args.thread_ts === ts);
    assert.deepEqual(status?.args.loading_messages, [
      "Searching products…",
      "Reading 5 sources…",
      "Writing…",
    ]);

    // The stream opens with the search's card, complete, linking what it found; then the answer.
    const start = h.slack.callsTo("chat.startStream").find((c) => c.args.thread_ts === ts);
    const chunks = start?.args.chunks as Array<Record<string, unknown>>;
    assert.equal(start?.args.markdown_text, undefined, "the text goes in a chunk after the card");
    const card = chunks[0] as {
      type: string;
      title: string;
      status: string;
      details: string;
      sources: Array<{ type: string; url: string; text: string }>;
    };
    assert.equal(card.type, "task_update");
    assert.equal(card.title, "Searching products");
    assert.equal(card.status, "complete");
    assert.equal(card.details, "Found 5 sources");
    assert.ok(
      card.sources.some(
        (s) =>
          s.type === "url" &&
          s.url === "https://www.contoso.example/products/router-x200" &&
          s.text === "Contoso Router X200",
      ),
      JSON.stringify(card.sources),
    );
    assert.equal(chunks[1]?.type, "markdown_text");
    const [answer] = h.slack.thread(CHANNEL, ts).slice(1);
    assert.ok(answer?.text.startsWith("The X200 has a two-year warranty [1]."), answer?.text);
    assert.deepEqual(h.slack.specViolations, []);
  });

  it("shows a failed search on its card with the reason, and still answers in words", async () => {
    search.failNext("search", { status: 400, message: "Invalid expression", times: 1 });
    const full = `<@${BOT_USER}> is the X200 waterproof?`;
    const ts = h.slack.seedMessage({ channel: CHANNEL, user: ALICE, text: full });
    await h.sendEvent(appMentionEvent({ user: ALICE, channel: CHANNEL, ts, text: full }));
    await settled(h.core);
    const calls = h.slack.calls.filter((c) => c.args.thread_ts === ts || c.args.channel === CHANNEL);
    const cards = calls.flatMap((c) =>
      ((c.args.chunks as Array<Record<string, unknown>> | undefined) ?? []).filter(
        (k) => k.type === "task_update",
      ),
    );
    assert.equal(cards.at(-1)?.status, "error");
    assert.ok(String(cards.at(-1)?.details ?? "").length > 0, "the reason is on the card");
    const [reply] = h.slack.thread(CHANNEL, ts).slice(1);
    assert.ok(reply?.text, "the thread gets a reply that says what happened");
    assert.notEqual(reply?.streaming, "streaming", "and it is not left streaming");
    assert.deepEqual(h.slack.specViolations, []);
    search.reset();
  });
});

describe("grounded answers in Teams", { timeout: 30_000 }, () => {
  let h: TeamsHarness;
  before(async () => {
    h = await startTeamsHarness({ env: env(), search: { ca: search.ca } });
    h.llm.setFallback(answerFromSources);
  });
  after(() => h.close());

  it("shows [1] with a citation entity linking the product page", async () => {
    const conversationId = personalConversationId();
    await h.post(personalMessage(h.base, { text: "settings set datasource products", conversationId }));
    await h.settled();
    await h.post(
      personalMessage(h.base, { text: "what warranty does the X200 router have?", conversationId }),
    );
    await h.settled();

    const answer = h.connector.visible(conversationId).at(-1);
    assert.equal(answer?.text, "The X200 has a two-year warranty [1].");
    assert.equal(answer?.citations, 1);
    const root = answer?.entities.find((e) => e.type === "https://schema.org/Message") as
      | {
          citation?: Array<{
            position: number;
            appearance: { name: string; url?: string; abstract?: string };
          }>;
        }
      | undefined;
    assert.deepEqual(
      root?.citation?.map((c) => [c.position, c.appearance.name, c.appearance.url]),
      [[1, "Contoso Router X200", "https://www.contoso.example/products/router-x200"]],
    );
    assert.match(root?.citation?.[0]?.appearance.abstract ?? "", /^Dual-band Wi-Fi 6 router/);
    assert.deepEqual(h.connector.violations, []);
  });

  it("says which data source it searches while the first words are slow", async () => {
    const conversationId = personalConversationId();
    await h.post(personalMessage(h.base, { text: "settings set datasource products", conversationId }));
    await h.settled();
    h.connector.reset();
    h.llm.setFallback((request) => ({ ...answerFromSources(request), delayMs: 300 }) as Scenario);
    await h.post(personalMessage(h.base, { text: "and its warranty terms?", conversationId }));
    await h.settled();
    h.llm.setFallback(answerFromSources);
    const first = h.connector.calls[0]?.body as { text?: string; channelData?: { streamType?: string } };
    assert.deepEqual([first?.channelData?.streamType, first?.text], ["informative", "Searching products…"]);
    assert.deepEqual(h.connector.violations, []);
  });
});
