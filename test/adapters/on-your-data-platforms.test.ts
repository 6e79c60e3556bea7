// Cited answers as Slack and Teams users see them: numbered [n] markers in the text, and the
// sources as a Sources section with links (Slack) or citation entities (Teams).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DEFAULT_OYD_CITATIONS } from "../doubles/azure-openai.js";
import { appMentionEvent } from "../doubles/slack/event-payloads.js";
import { slashCommandForm } from "../doubles/slack/interaction-payloads.js";
import { postSlack } from "../doubles/slack/signing.js";
import { ALICE, BOT_USER } from "../doubles/slack/test-support.js";
import { cardSubmit, personalConversationId, personalMessage } from "../doubles/teams/activities.js";
import { SIGNING_SECRET, type SlackHarness, settled, startSlackHarness } from "./slack/harness.js";
import { startTeamsHarness, type TeamsHarness } from "./teams/harness.js";

const SEARCH_ENV = {
  AZURE_SEARCH_MODE: "on_your_data",
  AZURE_SEARCH_ENDPOINT: "https://my-search.search.windows.net",
  AZURE_SEARCH_INDEX: "pet-docs",
  AZURE_SEARCH_API_KEY: "search-admin-key-0123456789",
};
const PIECES = ["Dogs need daily walks", " [doc1]", " and fresh water", " [doc2]", "."];

describe("cited answers in Slack", () => {
  let h: SlackHarness;
  before(async () => {
    h = await startSlackHarness({ env: SEARCH_ENV });
  });
  after(() => h.close());

  it("turns the data source on with one command and shows numbered, clickable sources", async () => {
    const res = await postSlack(
      h.url,
      slashCommandForm({
        command: "/aibot",
        text: "settings set datasource pet-docs",
        userId: ALICE,
        channelId: "C0000PETS1",
      }),
      { secret: SIGNING_SECRET },
    );
    assert.match(((await res.json()) as { text?: string }).text ?? "", /`datasource` is now `pet-docs`/);

    h.llm.script({ kind: "stream", pieces: PIECES, citations: DEFAULT_OYD_CITATIONS });
    const text = `<@${BOT_USER}> how do I care for my dog?`;
    const ts = h.slack.seedMessage({ channel: "C0000PETS1", user: ALICE, text });
    await h.sendEvent(appMentionEvent({ user: ALICE, channel: "C0000PETS1", ts, text }));
    await settled(h.core);

    const [answer] = h.slack.thread("C0000PETS1", ts).slice(1);
    assert.equal(
      answer?.text.startsWith("Dogs need daily walks [1] and fresh water [2]."),
      true,
      answer?.text,
    );
    const blocks = JSON.stringify(answer?.blocks ?? []);
    assert.match(blocks, /Sources/);
    assert.match(
      blocks,
      /<https:\/\/contoso\.blob\.core\.windows\.net\/docs\/dog-care\.pdf\|Dog care basics>/,
    );
    assert.match(blocks, /Water and food/);
    assert.match(blocks, /feedback_buttons/);
    assert.deepEqual(h.slack.specViolations, []);
    assert.deepEqual(h.llm.specViolations, []);
  });
});

describe("cited answers in Teams", () => {
  let h: TeamsHarness;
  before(async () => {
    h = await startTeamsHarness({ env: SEARCH_ENV });
  });
  after(() => h.close());

  it("shows [n] markers with citation entities on the final message", async () => {
    const conversationId = personalConversationId();
    await h.post(personalMessage(h.base, { text: "settings set datasource pet-docs", conversationId }));
    await h.settled();
    h.llm.script({ kind: "stream", pieces: PIECES, citations: DEFAULT_OYD_CITATIONS });
    await h.post(personalMessage(h.base, { text: "how do I care for my dog?", conversationId }));
    await h.settled();

    const answer = h.connector.visible(conversationId).at(-1);
    assert.equal(answer?.text, "Dogs need daily walks [1] and fresh water [2].");
    assert.equal(answer?.citations, 2);
    assert.equal(answer?.aiGenerated, true);
    const root = answer?.entities.find((e) => e.type === "https://schema.org/Message") as
      | { citation?: Array<{ position: number; appearance: { name: string; url?: string } }> }
      | undefined;
    assert.deepEqual(
      root?.citation?.map((c) => [c.position, c.appearance.name, c.appearance.url]),
      [
        [1, "Dog care basics", "https://contoso.blob.core.windows.net/docs/dog-care.pdf"],
        [2, "Water and food (water.md)", undefined], // no link: the file path says where it is
      ],
    );
    assert.deepEqual(h.connector.violations, []);
  });

  it("offers the data source on the settings card, and saving the card for another change keeps it on", async () => {
    const conversationId = personalConversationId();
    await h.post(personalMessage(h.base, { text: "settings set datasource pet-docs", conversationId }));
    await h.post(personalMessage(h.base, { text: "settings", conversationId }));
    await h.settled();
    const card = h.connector.visible(conversationId).at(-1)?.attachments[0] as {
      content?: { body?: Array<{ id?: string; value?: string; choices?: Array<{ value: string }> }> };
    };
    const inputs = (card?.content?.body ?? []).filter((b) => b.id !== undefined);
    const dataSource = inputs.find((b) => b.id === "datasource");
    assert.deepEqual(
      dataSource?.choices?.map((c) => c.value),
      ["off", "pet-docs"],
    );
    assert.equal(dataSource?.value, "pet-docs", "the card shows the data source that is on");

    // Teams sends every input's value back: the shown ones, with only the temperature changed.
    const value: Record<string, string> = { action: "settings.save" };
    for (const input of inputs) if (input.id) value[input.id] = input.value ?? "";
    value.temperature = "0.4";
    await h.post(cardSubmit(h.base, { conversationId, replyToId: "card", value }));
    await h.settled();
    const saved = h.connector.visible(conversationId).at(-1)?.text ?? "";
    assert.match(saved, /`temperature` is now `0.4`/);
    assert.doesNotMatch(saved, /datasource/);

    h.llm.script({ kind: "stream", pieces: PIECES, citations: DEFAULT_OYD_CITATIONS });
    await h.post(personalMessage(h.base, { text: "and cats?", conversationId }));
    await h.settled();
    const request = h.llm.requests.at(-1)?.body as { data_sources?: unknown[]; temperature?: number };
    assert.equal(request.temperature, 0.4);
    assert.equal(request.data_sources?.length, 1, "the answer is still grounded in pet-docs");
  });
});
