// The thinking status is for a slow start: an answer whose first words come within
// THINKING_DELAY_MS shows at once with no status call; a slow one shows "is thinking…" first (or the
// placeholder where there is no status), and nothing is left of it once the answer is there.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { THINKING_DELAY_MS } from "../../../adapters/slack/sink.js";
import { appMentionEvent } from "../../doubles/slack/event-payloads.js";
import { ALICE, BOT_USER } from "../../doubles/slack/test-support.js";
import { type SlackHarness, settled, startSlackHarness } from "./harness.js";

const CHANNEL = "C0THINKST1";

for (const mode of ["auto", "update"] as const) {
  describe(`the thinking status (SLACK_STREAMING=${mode})`, { timeout: 30_000 }, () => {
    let h: SlackHarness;
    // Slack's own pace (time scale 1): the status waits its whole THINKING_DELAY_MS.
    before(async () => {
      h = await startSlackHarness({ timeScale: 1, env: { SLACK_STREAMING: mode } });
    });
    after(async () => {
      await h?.close();
    });

    const ask = async (question: string) => {
      const text = `<@${BOT_USER}> ${question}`;
      const ts = h.slack.seedMessage({ channel: CHANNEL, user: ALICE, text });
      await h.sendEvent(appMentionEvent({ user: ALICE, channel: CHANNEL, ts, text }));
      await settled(h.core, 10_000);
      return ts;
    };
    const working = () =>
      h.slack.calls.filter((c) => c.method === "assistant.threads.setStatus" || c.args.text === "_Thinking…_")
        .length;

    it("is not shown when the first words come at once", async () => {
      h.slack.reset();
      h.llm.script({ kind: "stream", pieces: ["Quick answer."] });
      const root = await ask("quick");
      assert.equal(working(), 0, "no status call");
      assert.deepEqual(
        h.slack
          .thread(CHANNEL, root)
          .slice(1)
          .map((m) => m.text),
        ["Quick answer."],
      );
    });

    it("is shown while the first words are slow, and gone once they are there", async () => {
      h.slack.reset();
      h.llm.script({ kind: "stream", pieces: ["Slow", " answer."], delayMs: THINKING_DELAY_MS * 2 });
      const root = await ask("slow");
      assert.equal(working(), 1, "one status call");
      const replies = h.slack.thread(CHANNEL, root).slice(1);
      assert.deepEqual(
        replies.map((m) => m.text),
        ["Slow answer."],
      );
      assert.equal(h.slack.status(CHANNEL, root), undefined, "the status is gone");
      assert.deepEqual(h.slack.specViolations, []);
    });
  });
}
