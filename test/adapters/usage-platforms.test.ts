// `usage` where people type it: Slack's slash command answers only the asking user; Teams answers
// with an Adaptive Card (its facts are the same figures).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { messageEvent } from "../doubles/slack/event-payloads.js";
import { slashCommandForm } from "../doubles/slack/interaction-payloads.js";
import { postSlack } from "../doubles/slack/signing.js";
import { ALICE } from "../doubles/slack/test-support.js";
import { personalConversationId, personalMessage } from "../doubles/teams/activities.js";
import { SIGNING_SECRET, type SlackHarness, settled, startSlackHarness } from "./slack/harness.js";
import { startTeamsHarness, type TeamsHarness } from "./teams/harness.js";

const QUOTA = { QUOTA_USER_TOKENS_PER_DAY: "50000", MODEL_PRICES: '{"gpt-4o":{"input":2.5,"output":10}}' };

describe("usage in Slack", { timeout: 30_000 }, () => {
  let h: SlackHarness;
  before(async () => {
    h = await startSlackHarness({ env: QUOTA });
    h.llm.setFallback({
      kind: "stream",
      pieces: ["Hi."],
      usage: { promptTokens: 900, completionTokens: 100 },
    });
  });
  after(() => h.close());

  it("answers /aibot usage ephemerally with the user's tokens against the limit", async () => {
    const dm = "D0USAGEAL1";
    const ts = h.slack.seedMessage({ channel: dm, user: ALICE, text: "hello" });
    await h.sendEvent(messageEvent({ user: ALICE, channel: dm, ts, text: "hello" }));
    await settled(h.core);
    const res = await postSlack(
      h.url,
      slashCommandForm({ command: "/aibot", text: "usage", userId: ALICE, channelId: dm }),
      {
        secret: SIGNING_SECRET,
      },
    );
    const body = (await res.json()) as { response_type?: string; text?: string };
    assert.equal(body.response_type, "ephemeral");
    assert.match(body.text ?? "", /Today: 1,000 tokens in 1 turn of 50,000 a day \(2%/);
    // Alice is a workspace admin in the double: she sees the workspace and the cost.
    assert.match(body.text ?? "", /estimated cost 0\.0032/);
  });
});

describe("usage in Teams", { timeout: 30_000 }, () => {
  let h: TeamsHarness;
  before(async () => {
    h = await startTeamsHarness({ env: QUOTA });
    h.llm.setFallback({
      kind: "stream",
      pieces: ["Hi."],
      usage: { promptTokens: 900, completionTokens: 100 },
    });
  });
  after(() => h.close());

  it("answers usage with an Adaptive Card", async () => {
    const conversationId = personalConversationId();
    await h.post(personalMessage(h.base, { text: "hello", conversationId }));
    await h.settled();
    await h.post(personalMessage(h.base, { text: "usage", conversationId }));
    await h.settled();
    const card = h.connector.visible(conversationId).at(-1)?.attachments[0] as
      | {
          contentType: string;
          content: {
            body: Array<{ type: string; text?: string; facts?: Array<{ title: string; value: string }> }>;
          };
        }
      | undefined;
    assert.equal(card?.contentType, "application/vnd.microsoft.card.adaptive");
    const body = card?.content.body ?? [];
    assert.equal(body[0]?.text, "Your usage (UTC)");
    const today = body.find((b) => b.type === "FactSet")?.facts?.find((f) => f.title === "Today");
    assert.match(today?.value ?? "", /^1,000 tokens in 1 turn of 50,000 a day/);
    assert.deepEqual(h.connector.violations ?? [], []);
  });
});
