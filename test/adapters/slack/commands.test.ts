// The settings slash command, permissions, and feedback buttons.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { FEEDBACK_ACTION_ID } from "../../../adapters/slack/sink.js";
import { appMentionEvent } from "../../doubles/slack/event-payloads.js";
import {
  feedbackButtonsClick,
  interactivityForm,
  slashCommandForm,
} from "../../doubles/slack/interaction-payloads.js";
import { postSlack } from "../../doubles/slack/signing.js";
import { ALICE, BOB, BOT_USER, TEAM } from "../../doubles/slack/test-support.js";
import { SIGNING_SECRET, type SlackHarness, settled, startSlackHarness } from "./harness.js";

const CHANNEL = "C0000GENRL";
const BOB_DM = "D0000BOBDM";

describe("Slack settings command and feedback", () => {
  let h: SlackHarness;
  before(async () => {
    h = await startSlackHarness();
  });
  after(() => h.close());
  beforeEach(() => {
    h.slack.reset();
    h.llm.reset();
  });

  const command = async (text: string, userId: string, channelId = CHANNEL) => {
    const res = await postSlack(h.url, slashCommandForm({ command: "/aibot", text, userId, channelId }), {
      secret: SIGNING_SECRET,
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { response_type?: string; text?: string };
    assert.equal(body.response_type, "ephemeral", "answers only to the person who asked");
    return body.text ?? "";
  };

  it("shows the settings to anyone, and help for an empty command", async () => {
    assert.match(await command("settings", BOB), /Settings for this conversation/);
    assert.match(await command("", BOB), /What I can do/);
    assert.match(await command("what is the weather", BOB), /changes my settings/);
  });

  it("lets only admins change a channel's settings, and says so", async () => {
    assert.match(
      await command("settings set temperature 0.3", BOB),
      /Only admins can change this channel's settings/,
    );
    assert.deepEqual(await h.core.store.getSettings(`slack:${TEAM}:${CHANNEL}`), {});

    assert.match(await command("settings set temperature 0.3", ALICE), /`temperature` is now `0.3`/);
    assert.deepEqual(await h.core.store.getSettings(`slack:${TEAM}:${CHANNEL}`), { temperature: "0.3" });
    assert.match(await command("settings set temperature 9", ALICE), /must be a number from 0 to 2/);

    // The next answer in that channel uses it.
    h.llm.script({ kind: "stream", pieces: ["ok"] });
    const ts = h.slack.seedMessage({ channel: CHANNEL, user: BOB, text: `<@${BOT_USER}> hi` });
    await h.sendEvent(appMentionEvent({ user: BOB, channel: CHANNEL, ts, text: `<@${BOT_USER}> hi` }));
    await settled(h.core);
    const [request] = h.llm.requests;
    assert.ok(request);
    assert.equal((request.body as { temperature?: number }).temperature, 0.3);
  });

  it("lets a person change their own DM's settings and forget it", async () => {
    assert.match(
      await command("settings set system_prompt Answer in French.", BOB, BOB_DM),
      /`system_prompt` is now/,
    );
    assert.deepEqual(await h.core.store.getSettings(`slack:${TEAM}:${BOB_DM}`), {
      system_prompt: "Answer in French.",
    });
    assert.match(await command("forget", BOB, BOB_DM), /forgotten/);
    assert.match(await command("forget", BOB, CHANNEL), /every thread is its own conversation/);
  });

  it("records a feedback click with the message and conversation, and counts it", async () => {
    const click = (choice: "positive" | "negative") =>
      postSlack(
        h.url,
        interactivityForm(
          feedbackButtonsClick({
            userId: BOB,
            channelId: CHANNEL,
            messageTs: "1800000000.000200",
            threadTs: "1800000000.000100",
            actionId: FEEDBACK_ACTION_ID,
            value: choice,
            messageText: "The answer",
          }),
        ),
        { secret: SIGNING_SECRET },
      );
    assert.equal((await click("negative")).status, 200);
    assert.equal((await click("positive")).status, 200);
    const list = await waitForFeedback(h, 1);
    assert.equal(list.length, 1, "a second click replaces the first");
    assert.equal(list[0]?.reaction, "positive");
    assert.equal(list[0]?.messageId, "1800000000.000200");
    assert.equal(list[0]?.userId, BOB);
    const metrics = await h.core.metrics.registry.metrics();
    assert.match(metrics, /bot_feedback_total\{platform="slack",reaction="positive"\} 1/);
    assert.match(metrics, /bot_feedback_total\{platform="slack",reaction="negative"\} 1/);
  });
});

async function waitForFeedback(h: SlackHarness, count: number) {
  const deadline = Date.now() + 3_000;
  for (;;) {
    const list = await h.core.store.listFeedback(`slack:${TEAM}:${CHANNEL}`, 10);
    const metrics = await h.core.metrics.registry.metrics();
    if (list.length >= count && /reaction="positive"\} 1/.test(metrics)) return list;
    if (Date.now() > deadline) return list;
    await new Promise((r) => setTimeout(r, 10));
  }
}
