// A shutdown right after Slack's ack: the event is owed an answer (Slack will not send it again),
// so the bot finishes it before it stops, although the turn had not reached the engine yet.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { shutdown } from "../../../src/app.js";
import { appMentionEvent } from "../../doubles/slack/event-payloads.js";
import { ALICE, BOB, BOT_USER } from "../../doubles/slack/test-support.js";
import { nextTs, type SlackHarness, startSlackHarness } from "./harness.js";

const CHANNEL = "C0000SHUTD";

describe("Slack shutdown", () => {
  let h: SlackHarness;
  before(async () => {
    h = await startSlackHarness();
  });
  after(async () => {
    await h.slack.close();
    await h.llm.close();
  });

  it("answers a mention acknowledged just before SIGTERM, still reading the thread first", async () => {
    const root = h.slack.seedMessage({ channel: CHANNEL, user: BOB, text: "Lunch at noon?" });
    // The earlier thread messages are read before the turn starts: slow, so the shutdown lands there.
    h.slack.setLatency("conversations.replies", 300);
    h.llm.script({ kind: "stream", pieces: ["Noon works."] });
    const res = await h.sendEvent(
      appMentionEvent({
        user: ALICE,
        channel: CHANNEL,
        ts: nextTs(),
        threadTs: root,
        text: `<@${BOT_USER}> does noon work?`,
      }),
    );
    assert.equal(res.status, 200);
    await shutdown(h.core, h.server, [() => h.adapter.stop()]);

    assert.equal(h.slack.callsTo("conversations.replies").length, 1);
    assert.equal(h.slack.thread(CHANNEL, root).at(-1)?.text, "Noon works.");
    assert.equal(h.core.engine.inFlight, 0);
  });
});
