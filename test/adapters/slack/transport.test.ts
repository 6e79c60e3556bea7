// The HTTP door: signatures, url_verification, malformed bodies, and the ack deadline.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { appMentionEvent, eventEnvelope, urlVerification } from "../../doubles/slack/event-payloads.js";
import { postSlack, signSlackRequest } from "../../doubles/slack/signing.js";
import { ALICE, BOT_USER } from "../../doubles/slack/test-support.js";
import { SIGNING_SECRET, type SlackHarness, settled, startSlackHarness } from "./harness.js";

describe("Slack transport", () => {
  let h: SlackHarness;
  before(async () => {
    h = await startSlackHarness();
  });
  after(() => h.close());

  const mention = () =>
    eventEnvelope(
      appMentionEvent({
        user: ALICE,
        channel: "C0000GENRL",
        ts: "1800000000.000100",
        text: `<@${BOT_USER}> hi`,
      }),
    );

  it("refuses a wrong signature with 401 and runs nothing", async () => {
    const res = await postSlack(h.url, mention(), { secret: "not-the-secret" });
    assert.equal(res.status, 401);
    await settled(h.core);
    assert.equal(h.llm.requests.length, 0);
  });

  it("refuses a timestamp more than 5 minutes off with 401", async () => {
    const res = await postSlack(h.url, mention(), {
      secret: SIGNING_SECRET,
      timestamp: Date.now() / 1000 - 301,
    });
    assert.equal(res.status, 401);
    const unsigned = await fetch(h.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    assert.equal(unsigned.status, 401);
    await settled(h.core);
    assert.equal(h.llm.requests.length, 0);
  });

  it("answers url_verification with the challenge", async () => {
    const body = urlVerification("abc123");
    const res = await postSlack(h.url, body, { secret: SIGNING_SECRET });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { challenge: "abc123" });
  });

  it("answers a malformed body with 400", async () => {
    for (const [body, contentType] of [
      ["{not json", "application/json"],
      ["[1,2,3]", "application/json"],
      ["payload=%7Bbroken", "application/x-www-form-urlencoded"],
    ] as const) {
      const res = await postSlack(h.url, body, { secret: SIGNING_SECRET, contentType });
      assert.equal(res.status, 400, `${contentType}: ${body}`);
    }
    const xml = "<xml/>";
    const headers = {
      "content-type": "text/xml",
      ...signSlackRequest(SIGNING_SECRET, xml, Date.now() / 1000),
    };
    assert.equal((await fetch(h.url, { method: "POST", headers, body: xml })).status, 400);
  });

  it("acknowledges an event at once, before the answer is written", async () => {
    // The double pauses before each of its ~8 chunks: the answer takes over a second.
    h.llm.script({ kind: "stream", pieces: ["slow", " answer"], delayMs: 150 });
    const started = Date.now();
    const res = await postSlack(h.url, mention(), { secret: SIGNING_SECRET });
    const ackMs = Date.now() - started;
    assert.equal(res.status, 200);
    assert.ok(ackMs < 500, `acked after ${ackMs} ms, long before the answer was written`);
    await settled(h.core);
    assert.equal(h.llm.requests.length, 1, "the work went on after the ack");
  });
});
