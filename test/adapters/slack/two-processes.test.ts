// Two bot processes behind one Slack app share Redis: a re-delivered event is answered once, and
// messages of one thread are handled one at a time in arrival order, whichever process gets them.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { type AzureOpenAIDouble, startAzureOpenAIDouble } from "../../doubles/azure-openai.js";
import { appMentionEvent, messageEvent } from "../../doubles/slack/event-payloads.js";
import { ALICE, BOT_USER } from "../../doubles/slack/test-support.js";
import { type SlackDouble, startSlackDouble } from "../../doubles/slack/web-api-double.js";
import { type SlackHarness, settled, startSlackHarness, waitFor } from "./harness.js";

const CHANNEL = "C0000TWOPR";

describe("Slack with two bot processes", () => {
  let slack: SlackDouble;
  let llm: AzureOpenAIDouble;
  let a: SlackHarness;
  let b: SlackHarness;
  before(async () => {
    slack = await startSlackDouble({ timeScale: 0.05 });
    llm = await startAzureOpenAIDouble();
    const keyPrefix = `test:slack2:${randomUUID()}:`;
    a = await startSlackHarness({ slack, llm, keyPrefix });
    b = await startSlackHarness({ slack, llm, keyPrefix });
  });
  after(async () => {
    await a.close();
    await b.close();
    await slack.close();
    await llm.close();
  });

  it("answers an event delivered to both processes once", async () => {
    llm.setFallback({ kind: "stream", pieces: ["only once"], delayMs: 20 });
    const text = `<@${BOT_USER}> hello`;
    const ts = slack.seedMessage({ channel: CHANNEL, user: ALICE, text });
    const event = appMentionEvent({ user: ALICE, channel: CHANNEL, ts, text });
    await Promise.all([
      a.sendEvent(event, { eventId: "EvShared1" }),
      b.sendEvent(event, { eventId: "EvShared1", retryNum: 1 }),
    ]);
    await Promise.all([settled(a.core), settled(b.core)]);
    assert.equal(llm.requests.length, 1);
    assert.deepEqual(
      slack
        .thread(CHANNEL, ts)
        .slice(1)
        .map((m) => m.text),
      ["only once"],
    );
  });

  it("keeps one thread's turns in order across the two processes", async () => {
    llm.reset();
    llm.setFallback((req) => {
      const last = (req.body as { messages: Array<{ content: string }> }).messages.at(-1)?.content ?? "";
      return { kind: "stream", pieces: [`re: ${last}`], delayMs: 30 };
    });
    const text = `<@${BOT_USER}> first`;
    const root = slack.seedMessage({ channel: CHANNEL, user: ALICE, text });
    await a.sendEvent(appMentionEvent({ user: ALICE, channel: CHANNEL, ts: root, text }));
    await settled(a.core);
    const second = slack.seedMessage({ channel: CHANNEL, user: ALICE, text: "second", threadTs: root });
    const third = slack.seedMessage({ channel: CHANNEL, user: ALICE, text: "third", threadTs: root });
    await b.sendEvent(
      messageEvent({ user: ALICE, channel: CHANNEL, ts: second, threadTs: root, text: "second" }),
    );
    // "third" arrives at the other process while "second" is being answered.
    await waitFor(() => llm.requests.length === 2, 3_000, "the second turn to reach the model");
    await a.sendEvent(
      messageEvent({ user: ALICE, channel: CHANNEL, ts: third, threadTs: root, text: "third" }),
    );
    await Promise.all([settled(a.core), settled(b.core)]);
    const lastRequest = llm.requests.at(-1)?.body as { messages: Array<{ content: string }> };
    assert.deepEqual(
      lastRequest.messages.slice(1).map((m) => m.content),
      ["first", "re: first", "second", "re: second", "third"],
      "the third turn saw the second, answered by the other process",
    );
  });
});
