// Redis stopped under a running Slack bot: mentions are still answered, with a note that the
// conversation's earlier messages were not available; /readyz says 503 while /healthz stays 200;
// when Redis is back the bot uses it again by itself, and the turn answered during the outage is in
// the history of the next one.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { nextTs, type SlackHarness, settled, startSlackHarness } from "../adapters/slack/harness.js";
import { appMentionEvent, messageEvent } from "../doubles/slack/event-payloads.js";
import { ALICE, BOT_USER } from "../doubles/slack/test-support.js";
import { type RedisServer, startRedisServer } from "../helpers/redis-servers.js";

const CHANNEL = "C0000OUTAG";

interface ChatBody {
  messages: Array<{ role: string; content: string }>;
}

describe("Redis outage under a running Slack bot", { timeout: 60_000 }, () => {
  let redis: RedisServer;
  let h: SlackHarness;
  let base = "";
  before(async () => {
    redis = await startRedisServer();
    h = await startSlackHarness({ env: { REDIS_URL: redis.url } });
    base = h.url.replace(/\/slack\/events$/, "");
    h.llm.setFallback((req) => ({
      kind: "stream",
      pieces: [`Answer to ${(req.body as ChatBody).messages.at(-1)?.content}.`],
    }));
  });
  after(async () => {
    await h.close();
    await redis.kill();
  });
  const status = async (path: string) => (await fetch(`${base}${path}`)).status;
  const sent = (i: number) =>
    ((h.llm.requests[i]?.body ?? { messages: [] }) as ChatBody).messages.map((m) => m.content);

  it("answers with a note while Redis is down, and with history again once it is back", async () => {
    const root = nextTs();
    await h.sendEvent(
      appMentionEvent({ user: ALICE, channel: CHANNEL, ts: root, text: `<@${BOT_USER}> one` }),
    );
    await settled(h.core);
    assert.equal(h.slack.thread(CHANNEL, root).at(-1)?.text, "Answer to one.");
    assert.equal(await status("/readyz"), 200);

    await redis.kill();
    await h.sendEvent(
      messageEvent({ user: ALICE, channel: CHANNEL, ts: nextTs(), threadTs: root, text: "two" }),
    );
    await settled(h.core, 15_000);
    const during = h.slack.thread(CHANNEL, root).at(-1)?.text ?? "";
    assert.match(during, /^Answer to two\.\n\n_\(My memory store is unreachable right now/);
    assert.deepEqual(sent(1).slice(1), ["two"], "no history while Redis is down");
    assert.equal(await status("/readyz"), 503);
    assert.equal(await status("/healthz"), 200);
    assert.match(await (await fetch(`${base}/metrics`)).text(), /bot_degraded_turns_total 1/);

    await redis.restart();
    const deadline = Date.now() + 10_000;
    while ((await status("/readyz")) !== 200) {
      if (Date.now() > deadline) assert.fail("the bot did not come back to Redis by itself");
      await sleep(100);
    }
    await sleep(1_500); // the store's probe stores the waiting turn
    await h.sendEvent(
      messageEvent({ user: ALICE, channel: CHANNEL, ts: nextTs(), threadTs: root, text: "three" }),
    );
    await settled(h.core);
    assert.equal(h.slack.thread(CHANNEL, root).at(-1)?.text, "Answer to three.");
    // The restarted Redis kept nothing (no persistence); the turn of the outage was stored on its
    // return (the answer without the note, which is about that moment, not part of the answer).
    assert.deepEqual(sent(2).slice(1), ["two", "Answer to two.", "three"]);
    assert.deepEqual(h.slack.specViolations, []);
  });
});
