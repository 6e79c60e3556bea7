// Redis killed while an answer streams, and started again: the answer still ends whole, the turn
// is stored once Redis is back (in order, once), and the thread's next turn is answered with the
// whole history, without waiting out a lock the dead Redis still held. Redis keeps an append-only
// file here, as a production Redis does, so what it had before the crash is back after it.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { encodeThreadKey } from "../../src/store/keys.js";
import { type SlackHarness, settled, startSlackHarness, waitFor } from "../adapters/slack/harness.js";
import { appMentionEvent, messageEvent } from "../doubles/slack/event-payloads.js";
import { ALICE, BOT_USER, TEAM } from "../doubles/slack/test-support.js";
import { type RedisServer, startRedisServer } from "../helpers/redis-servers.js";
import { assertInvariants, marker, scriptedAnswer, slackShown, type Turn } from "./invariants.js";

const CHANNEL = "C0REDISMID";

interface ChatBody {
  messages: Array<{ role: string; content: string }>;
}

describe("Redis killed in the middle of an answer", { timeout: 60_000 }, () => {
  let dir: string;
  let redis: RedisServer;
  let h: SlackHarness;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "redis-aof-"));
    redis = await startRedisServer(["--appendonly", "yes", "--appendfsync", "always", "--dir", dir]);
    h = await startSlackHarness({ env: { REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: "300" } });
  });
  after(async () => {
    await h?.close();
    await redis?.kill();
    await rm(dir, { recursive: true, force: true });
  });

  const ready = async () => (await fetch(`${h.url.replace(/\/slack\/events$/, "")}/readyz`)).status === 200;

  for (const when of ["after the answer ended", "before the answer ends"] as const) {
    it(`finishes the answer, stores it once and goes on with history (Redis back ${when})`, async () => {
      h.llm.reset();
      const one = scriptedAnswer(1, 3, 0);
      const two = scriptedAnswer(2, 30, 40);
      const three = scriptedAnswer(3, 3, 0);
      h.llm.script(one.scenario, two.scenario, three.scenario);

      const first = `<@${BOT_USER}> question 1`;
      const root = h.slack.seedMessage({ channel: CHANNEL, user: ALICE, text: first });
      await h.sendEvent(appMentionEvent({ user: ALICE, channel: CHANNEL, ts: root, text: first }));
      await settled(h.core);

      const follow = async (text: string) => {
        const ts = h.slack.seedMessage({ channel: CHANNEL, user: ALICE, text, threadTs: root });
        await h.sendEvent(messageEvent({ user: ALICE, channel: CHANNEL, ts, threadTs: root, text }));
      };
      await follow("question 2");
      await waitFor(
        () => slackShown(h.slack, CHANNEL, root).some((m) => m.text.startsWith(`${marker(2)} w1 w2`)),
        10_000,
        "the second answer streaming",
      );
      await redis.kill();
      if (when === "after the answer ended") {
        await settled(h.core, 15_000);
        await sleep(200);
      } else {
        await sleep(300);
      }
      await redis.restart();
      await settled(h.core, 15_000);
      for (const deadline = Date.now() + 10_000; !(await ready()); await sleep(100)) {
        assert.ok(Date.now() < deadline, "the bot did not come back to Redis by itself");
      }

      const startedAt = Date.now();
      await follow("question 3");
      await settled(h.core, 15_000);
      // A lock the dead Redis held would hold this turn for its whole lease (10 s).
      assert.ok(Date.now() - startedAt < 5_000, `turn 3 took ${Date.now() - startedAt} ms`);

      const turns: Turn[] = [
        { question: "question 1", answer: one.text, expect: "finished" },
        { question: "question 2", answer: two.text, expect: "finished" },
        { question: "question 3", answer: three.text, expect: "finished" },
      ];
      const threadKey = encodeThreadKey({ platform: "slack", tenant: TEAM, channel: CHANNEL, thread: root });
      assertInvariants({
        shown: slackShown(h.slack, CHANNEL, root),
        turns,
        history: await h.core.store.load(threadKey),
      });
      const sent = ((h.llm.requests.at(-1)?.body ?? { messages: [] }) as ChatBody).messages
        .slice(1)
        .map((m) => m.content);
      assert.deepEqual(
        sent,
        [...turns.slice(0, 2).flatMap((t) => [t.question, t.answer]), "question 3"],
        "turn 3 saw the whole history",
      );
      assert.deepEqual(h.slack.specViolations, []);
    });
  }
});
