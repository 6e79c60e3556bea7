// Three bot processes behind one Slack app, on one Redis and on a three-node Redis Cluster: every
// delivery of an event (Slack's retries included) can reach a different process. They behave like
// one bot: each message answered once, one thread's turns one at a time in order with the whole
// history, every finished turn stored once.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createStore } from "../../src/store/create.js";
import { encodeThreadKey } from "../../src/store/keys.js";
import type { Store } from "../../src/store/types.js";
import {
  type AzureOpenAIDouble,
  type RecordedRequest,
  startAzureOpenAIDouble,
} from "../doubles/azure-openai.js";
import { appMentionEvent, messageEvent } from "../doubles/slack/event-payloads.js";
import { ALICE, BOT_USER, TEAM } from "../doubles/slack/test-support.js";
import { type SlackDouble, startSlackDouble } from "../doubles/slack/web-api-double.js";
import { until } from "../helpers/bot-process.js";
import { startCluster, type TestCluster } from "../helpers/redis-servers.js";
import { type Replicas, startSlackReplicas } from "../helpers/slack-replicas.js";
import { assertInvariants, marker, slackShown, type Turn } from "./invariants.js";

const REPLICAS = 3;
const THREADS = 4;
const TURNS = 3;

interface ChatBody {
  messages: Array<{ role: string; content: string }>;
}

const question = (thread: number, turn: number) => `thread ${thread} question ${turn}`;
/** The model's answer to a question: the turn's marker, then words naming the question. */
function answerTo(text: string): string[] {
  const match = /thread (\d+) question (\d+)/.exec(text);
  const [thread, turn] = [Number(match?.[1]), Number(match?.[2])];
  return [`${marker(turn)} `, `answer `, `to `, `thread `, `${thread} `, `turn `, `${turn}.`];
}

/** A different process for each delivery of one event, starting at `first`. */
const spread = (first: number, deliveries: number) =>
  Array.from({ length: deliveries }, (_, i) => (first + i) % REPLICAS);

for (const topology of ["one Redis", "a three-node Redis Cluster"] as const) {
  describe(`${REPLICAS} bot processes on ${topology}`, { timeout: 120_000 }, () => {
    let slack: SlackDouble;
    let llm: AzureOpenAIDouble;
    let cluster: TestCluster | undefined;
    let replicas: Replicas;
    let store: Store;
    before(async () => {
      slack = await startSlackDouble({ timeScale: 0.05 });
      llm = await startAzureOpenAIDouble();
      llm.setFallback((req) => ({
        kind: "stream",
        pieces: answerTo((req.body as ChatBody).messages.at(-1)?.content ?? ""),
        delayMs: 40,
      }));
      if (topology === "a three-node Redis Cluster") cluster = await startCluster();
      const redisUrl = cluster?.url ?? `${process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379"}/3`;
      replicas = await startSlackReplicas({
        count: REPLICAS,
        slackUrl: slack.url,
        llmUrl: llm.url,
        redisUrl,
        cluster: cluster !== undefined,
      });
      store = createStore({
        redis: {
          url: redisUrl,
          keyPrefix: replicas.keyPrefix,
          cluster: cluster !== undefined,
          commandTimeoutMs: 3_000,
        },
      });
    });
    after(async () => {
      await replicas?.stop();
      await store?.close();
      await slack?.close();
      await llm?.close();
      await cluster?.stop();
    });

    it("answers every message once, in order, with its thread's whole history", async () => {
      const channel = (t: number) => `C0REPLIC${t}${topology.length % 10}`;
      const roots: string[] = [];
      const shownAnswer = (t: number, turn: number) =>
        until(
          async () =>
            slackShown(slack, channel(t), roots[t] ?? "").some((m) => m.text.startsWith(marker(turn)))
              ? true
              : undefined,
          20_000,
          `thread ${t} answer ${turn}`,
        );

      // Each thread a user of its own; a mention comes as app_mention and as message, each of them
      // re-delivered, every delivery to another process.
      await Promise.all(
        Array.from({ length: THREADS }, async (_, t) => {
          const text = `<@${BOT_USER}> ${question(t, 1)}`;
          const root = slack.seedMessage({ channel: channel(t), user: ALICE, text });
          roots[t] = root;
          const statuses = await Promise.all([
            replicas.deliver(
              appMentionEvent({ user: ALICE, channel: channel(t), ts: root, text }),
              spread(t, 3),
            ),
            replicas.deliver(
              messageEvent({ user: ALICE, channel: channel(t), ts: root, text }),
              spread(t + 1, 2),
            ),
          ]);
          assert.deepEqual(statuses.flat(), [200, 200, 200, 200, 200]);
          await shownAnswer(t, 1);
          for (let turn = 2; turn <= TURNS; turn++) {
            const follow = question(t, turn);
            const ts = slack.seedMessage({ channel: channel(t), user: ALICE, text: follow, threadTs: root });
            const event = messageEvent({
              user: ALICE,
              channel: channel(t),
              ts,
              threadTs: root,
              text: follow,
            });
            await replicas.deliver(event, spread(t + turn, 2));
            // The last two turns of the last thread come together: the second waits for the first
            // on another process. The others wait for the answer, as a reading user does.
            if (t === THREADS - 1 && turn === TURNS - 1) {
              await until(
                async () => (llm.requests.some((r) => lastUser(r) === follow) ? true : undefined),
                20_000,
                "the model asked",
              );
              continue;
            }
            await shownAnswer(t, turn);
          }
        }),
      );
      await sleep(300); // a late duplicate would show by now

      for (let t = 0; t < THREADS; t++) {
        const turns: Turn[] = Array.from({ length: TURNS }, (_, i) => ({
          question: question(t, i + 1),
          answer: answerTo(question(t, i + 1)).join(""),
          expect: "finished",
        }));
        const threadKey = encodeThreadKey({
          platform: "slack",
          tenant: TEAM,
          channel: channel(t),
          thread: roots[t] ?? "",
        });
        const history = await until(
          async () => {
            const stored = await store.load(threadKey);
            return stored.length === TURNS * 2 ? stored : undefined;
          },
          10_000,
          `thread ${t}'s history`,
        );
        assertInvariants({
          shown: slackShown(slack, channel(t), roots[t] ?? ""),
          turns,
          history,
          what: `thread ${t}`,
        });
        // One model call per message, each with the thread's earlier turns, in order.
        for (const [i, turn] of turns.entries()) {
          const calls = llm.requests.filter((r) => lastUser(r) === turn.question);
          assert.equal(calls.length, 1, `${turn.question}: ${calls.length} model calls`);
          const sent = contents(calls[0]).slice(1);
          assert.deepEqual(sent, [
            ...turns.slice(0, i).flatMap((p) => [p.question, p.answer]),
            turn.question,
          ]);
        }
      }
      assert.equal(Object.keys(slack.rateLimited).length, 0, `429s: ${JSON.stringify(slack.rateLimited)}`);
      assert.deepEqual(slack.specViolations, []);
      for (const bot of replicas.bots) assert.doesNotMatch(bot.output(), /"level":"(error|fatal)"/);
    });
  });
}

/** The contents of the messages a model request carried. */
function contents(request: RecordedRequest | undefined): string[] {
  return ((request?.body ?? { messages: [] }) as ChatBody).messages.map((m) => m.content);
}

function lastUser(request: RecordedRequest): string {
  return contents(request).at(-1) ?? "";
}
