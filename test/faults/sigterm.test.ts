// SIGTERM in the middle of an answer, on the real process as it ships (the production bundle that
// `npm start` and the image run: `dist/src/main.js`), Slack and Teams. A reply that can finish
// within SHUTDOWN_TIMEOUT_MS finishes and is remembered; one that cannot ends with what was shown
// and "I was restarting…" (on Teams as the stream's final message, so no stream is left open), and
// is not remembered. The turn finished before the signal stays in history.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { createStore } from "../../src/store/create.js";
import { encodeThreadKey } from "../../src/store/keys.js";
import type { Store } from "../../src/store/types.js";
import { type AzureOpenAIDouble, DEFAULT_API_KEY, startAzureOpenAIDouble } from "../doubles/azure-openai.js";
import { appMentionEvent, eventEnvelope, messageEvent } from "../doubles/slack/event-payloads.js";
import { postSlack } from "../doubles/slack/signing.js";
import { ALICE, BOT_USER, TEAM } from "../doubles/slack/test-support.js";
import { DEFAULT_TEAM, type SlackDouble, startSlackDouble } from "../doubles/slack/web-api-double.js";
import {
  DEFAULT_TENANT_ID,
  personalConversationId,
  personalMessage,
  postActivity,
} from "../doubles/teams/activities.js";
import { startConnectorDouble, type TeamsConnectorDouble } from "../doubles/teams/connector-double.js";
import { type BotProcess, ensureBuilt, startBotProcess, until, untilReady } from "../helpers/bot-process.js";
import { assertInvariants, marker, scriptedAnswer, slackShown, type Turn, teamsShown } from "./invariants.js";

const SECRET = "sigterm-test-signing-secret";
const CHANNEL = "C0SIGTERM1";
const REDIS_URL = `${process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379"}/3`;
const RESTARTING = /I was restarting and could not finish this answer/;

describe("SIGTERM in the middle of an answer", { timeout: 90_000 }, () => {
  let llm: AzureOpenAIDouble;
  let slack: SlackDouble;
  let connector: TeamsConnectorDouble;
  const bots: BotProcess[] = [];
  const stores: Store[] = [];
  before(async () => {
    await ensureBuilt();
    llm = await startAzureOpenAIDouble();
    slack = await startSlackDouble({ timeScale: 0.05 });
    connector = await startConnectorDouble({ timeScale: 0.05 });
  });
  after(async () => {
    for (const bot of bots) if (bot.child.exitCode === null) bot.child.kill("SIGKILL");
    for (const store of stores) await store.close();
    await llm.close();
    await slack.close();
    await connector.close();
  });

  /** A bot process, and a store on the same keys to read its history with. */
  async function start(env: Record<string, string>) {
    const prefix = `test:sigterm:${randomUUID()}:`;
    const bot = await startBotProcess(
      {
        AZURE_OPENAI_ENDPOINT: llm.url,
        AZURE_OPENAI_API_KEY: DEFAULT_API_KEY,
        AZURE_OPENAI_DEPLOYMENT: "gpt-4o",
        REDIS_URL,
        REDIS_KEY_PREFIX: prefix,
        ...env,
      },
      { entry: "dist" },
    );
    bots.push(bot);
    const store = createStore({
      redis: { url: REDIS_URL, keyPrefix: prefix, cluster: false, commandTimeoutMs: 3_000 },
    });
    stores.push(store);
    await untilReady(bot);
    return { bot, store };
  }

  describe("Slack", () => {
    const slackEnv = (shutdownMs: number) => ({
      SLACK_BOT_TOKEN: DEFAULT_TEAM.botToken,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.url,
      SHUTDOWN_TIMEOUT_MS: String(shutdownMs),
    });
    const send = (bot: BotProcess, event: object) =>
      postSlack(`${bot.base}/slack/events`, eventEnvelope(event), { secret: SECRET });

    /** Turn 1 answered; turn 2 streaming when SIGTERM comes. */
    async function interrupt(shutdownMs: number, second: ReturnType<typeof scriptedAnswer>) {
      const { bot, store } = await start(slackEnv(shutdownMs));
      const first = scriptedAnswer(1, 3, 0);
      llm.script(first.scenario, second.scenario);
      const text = `<@${BOT_USER}> question 1`;
      const root = slack.seedMessage({ channel: CHANNEL, user: ALICE, text });
      await send(bot, appMentionEvent({ user: ALICE, channel: CHANNEL, ts: root, text }));
      await until(
        async () => (slackShown(slack, CHANNEL, root).some((m) => m.text === first.text) ? true : undefined),
        10_000,
        "the first answer",
      );
      const ts = slack.seedMessage({ channel: CHANNEL, user: ALICE, text: "question 2", threadTs: root });
      await send(
        bot,
        messageEvent({ user: ALICE, channel: CHANNEL, ts, threadTs: root, text: "question 2" }),
      );
      await until(
        async () =>
          slackShown(slack, CHANNEL, root).some((m) => m.text.includes(`${marker(2)} w1`)) ? true : undefined,
        10_000,
        "the second answer to show",
      );
      assert.equal(await bot.stop(), 0, "a clean exit");
      assert.doesNotMatch(bot.output(), /\n\s+at /, "no stack trace");
      const threadKey = encodeThreadKey({ platform: "slack", tenant: TEAM, channel: CHANNEL, thread: root });
      return { shown: slackShown(slack, CHANNEL, root), history: await store.load(threadKey), first };
    }

    it("a reply that cannot finish in time ends with what was shown and a restart note", async () => {
      const second = scriptedAnswer(2, 60, 80);
      const { shown, history, first } = await interrupt(300, second);
      const turns: Turn[] = [
        { question: "question 1", answer: first.text, expect: "finished" },
        { question: "question 2", answer: second.text, expect: "unfinished" },
      ];
      assertInvariants({ shown, turns, history, reason: RESTARTING });
      assert.match(shown.at(-1)?.text ?? "", new RegExp(`^${marker(2)} w1 .*\\n\\n⚠️ I was restarting`, "s"));
      assert.deepEqual(slack.specViolations, []);
    });

    it("a reply that can finish within the grace period finishes and is remembered", async () => {
      const second = scriptedAnswer(2, 10, 60);
      const { shown, history, first } = await interrupt(10_000, second);
      const turns: Turn[] = [
        { question: "question 1", answer: first.text, expect: "finished" },
        { question: "question 2", answer: second.text, expect: "finished" },
      ];
      assertInvariants({ shown, turns, history });
      assert.deepEqual(slack.specViolations, []);
    });
  });

  describe("Teams", () => {
    const teamsEnv = (shutdownMs: number) => ({
      TEAMS_ENABLED: "true",
      SHUTDOWN_TIMEOUT_MS: String(shutdownMs),
    });

    async function interrupt(shutdownMs: number, second: ReturnType<typeof scriptedAnswer>) {
      const { bot, store } = await start(teamsEnv(shutdownMs));
      const base = { serviceUrl: connector.url, botAppId: "00000000-0000-0000-0000-0000000000b1" };
      const conversationId = personalConversationId();
      const first = scriptedAnswer(1, 3, 0);
      llm.script(first.scenario, second.scenario);
      const say = (text: string) =>
        postActivity(`${bot.base}/api/messages`, personalMessage(base, { text, conversationId }));
      await say("question 1");
      await until(
        async () =>
          teamsShown(connector, conversationId).some((m) => m.text === first.text && !m.open)
            ? true
            : undefined,
        10_000,
        "the first answer",
      );
      await say("question 2");
      await until(
        async () =>
          teamsShown(connector, conversationId).some((m) => m.text.includes(`${marker(2)} w1`))
            ? true
            : undefined,
        10_000,
        "the second answer to stream",
      );
      assert.equal(await bot.stop(), 0, "a clean exit");
      assert.doesNotMatch(bot.output(), /\n\s+at /, "no stack trace");
      const threadKey = encodeThreadKey({
        platform: "teams",
        tenant: DEFAULT_TENANT_ID,
        channel: conversationId,
        thread: "main",
      });
      return {
        shown: teamsShown(connector, conversationId),
        messages: connector.visible(conversationId),
        history: await store.load(threadKey),
        first,
      };
    }

    it("the stream that cannot finish in time gets its final message with the restart note", async () => {
      const second = scriptedAnswer(2, 60, 80);
      const { shown, messages, history, first } = await interrupt(300, second);
      assertInvariants({
        shown,
        history,
        reason: RESTARTING,
        turns: [
          { question: "question 1", answer: first.text, expect: "finished" },
          { question: "question 2", answer: second.text, expect: "unfinished" },
        ],
      });
      const last = messages.at(-1);
      assert.equal(last?.stream, "final", "the stream was ended with its final message");
      assert.match(last?.text ?? "", new RegExp(`^${marker(2)} w1 .*I was restarting`, "s"));
      assert.deepEqual(connector.violations, []);
    });

    it("a stream that can finish within the grace period finishes and is remembered", async () => {
      const second = scriptedAnswer(2, 10, 60);
      const { shown, history, first } = await interrupt(10_000, second);
      assertInvariants({
        shown,
        history,
        turns: [
          { question: "question 1", answer: first.text, expect: "finished" },
          { question: "question 2", answer: second.text, expect: "finished" },
        ],
      });
      assert.deepEqual(connector.violations, []);
    });
  });
});
