// The allow-lists as Slack and Teams users meet them: outside ALLOWED_CHANNELS / ALLOWED_TEAMS /
// ALLOWED_USERS (or the workspace's own lists) the bot says once per conversation that it is not
// enabled there and never asks the model; inside them it answers as usual; admins can still use
// the settings commands everywhere (to change the lists).
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { appMentionEvent, messageEvent } from "../doubles/slack/event-payloads.js";
import { ALICE, BOB, BOT_USER } from "../doubles/slack/test-support.js";
import {
  channelConversationId,
  channelMention,
  DEFAULT_USER,
  personalMessage,
} from "../doubles/teams/activities.js";
import { type SlackHarness, settled, startSlackHarness } from "./slack/harness.js";
import { startTeamsHarness, type TeamsHarness } from "./teams/harness.js";

const ALLOWED = "C0ALLOWED1";
const OTHER = "C0NOTALLOW";
const NOT_HERE = /not enabled in this conversation/;

describe("allow-lists in Slack", { timeout: 30_000 }, () => {
  let h: SlackHarness;
  before(async () => {
    h = await startSlackHarness({ env: { ALLOWED_CHANNELS: ALLOWED } });
    h.llm.setFallback({ kind: "stream", pieces: ["Answered."] });
  });
  after(() => h.close());
  beforeEach(() => {
    h.slack.reset();
    h.llm.reset();
    h.llm.setFallback({ kind: "stream", pieces: ["Answered."] });
  });
  const mention = async (channel: string, text: string, user: string = ALICE) => {
    const full = `<@${BOT_USER}> ${text}`;
    const ts = h.slack.seedMessage({ channel, user, text: full });
    await h.sendEvent(appMentionEvent({ user, channel, ts, text: full }));
    await settled(h.core);
    return ts;
  };

  it("answers in an allowed channel, and says once elsewhere that it is not enabled there", async () => {
    const ok = await mention(ALLOWED, "hello");
    assert.equal(h.slack.thread(ALLOWED, ok).at(-1)?.text, "Answered.");
    const first = await mention(OTHER, "hello?");
    assert.match(h.slack.thread(OTHER, first).at(-1)?.text ?? "", NOT_HERE);
    const second = await mention(OTHER, "anyone?");
    assert.equal(h.slack.thread(OTHER, second).length, 1, "said once per conversation, then silent");
    assert.equal(h.llm.requests.length, 1, "the model is asked only in the allowed channel");
    const metrics = await h.core.metrics.registry.metrics();
    assert.match(metrics, /bot_access_refusals_total\{reason="channel"\} 2/);
    assert.equal(
      h.slack.callsTo("agents.sessions.setStatus").filter((c) => c.args.channel_id === OTHER).length,
      0,
    );
    assert.equal(
      h.slack.callsTo("assistant.threads.setStatus").filter((c) => c.args.channel_id === OTHER).length,
      0,
      "no thinking status left behind",
    );
  });

  it("answers direct messages (the channel list is about channels)", async () => {
    const dm = "D0ALLOWDM1";
    const ts = h.slack.seedMessage({ channel: dm, user: BOB, text: "hi" });
    await h.sendEvent(messageEvent({ user: BOB, channel: dm, ts, text: "hi" }));
    await settled(h.core);
    assert.equal(h.slack.thread(dm, ts).at(-1)?.text, "Answered.");
  });

  it("lets an admin open another channel for the workspace, and limit the users", async () => {
    const cmd = await mention(OTHER, `settings workspace set allowed_channels ${ALLOWED} ${OTHER}`);
    assert.match(h.slack.thread(OTHER, cmd).at(-1)?.text ?? "", /`C0NOTALLOW` for the workspace/);
    const now = await mention(OTHER, "and now?");
    assert.equal(h.slack.thread(OTHER, now).at(-1)?.text, "Answered.");

    await mention(ALLOWED, `settings workspace set allowed_users ${ALICE}`);
    const bob = await mention(ALLOWED, "me too?", BOB);
    assert.match(h.slack.thread(ALLOWED, bob).at(-1)?.text ?? "", /not enabled for you/);
    const alice = await mention(ALLOWED, "and me?");
    assert.equal(h.slack.thread(ALLOWED, alice).at(-1)?.text, "Answered.");
    await mention(ALLOWED, "settings workspace reset allowed_users");
    await mention(ALLOWED, "settings workspace reset allowed_channels");
  });
});

describe("allow-lists in Teams", { timeout: 30_000 }, () => {
  let h: TeamsHarness;
  const allowedTeam = channelConversationId();
  const otherTeam = channelConversationId();
  before(async () => {
    h = await startTeamsHarness({
      env: { ALLOWED_TEAMS: allowedTeam, ALLOWED_USERS: DEFAULT_USER.aadObjectId },
    });
    h.llm.setFallback({ kind: "stream", pieces: ["Answered in Teams."] });
  });
  after(() => h.close());

  it("answers in an allowed team, says once in another team that it is not enabled there", async () => {
    await h.post(channelMention(h.base, { question: "hello", teamId: allowedTeam }));
    await h.settled();
    assert.equal(h.connector.visible(allowedTeam).at(-1)?.text, "Answered in Teams.");
    await h.post(channelMention(h.base, { question: "hello?", teamId: otherTeam }));
    await h.post(channelMention(h.base, { question: "anyone?", teamId: otherTeam }));
    await h.settled();
    const other = h.connector.visible(otherTeam);
    assert.equal(other.length, 1, "said once");
    assert.match(other[0]?.text ?? "", NOT_HERE);
    assert.equal(h.llm.requests.length, 1);
  });

  it("knows users by their Entra object id: someone else gets 'not enabled for you' once", async () => {
    const stranger = {
      id: "29:stranger",
      name: "Stranger",
      aadObjectId: "00000000-0000-0000-0000-00000000beef",
    };
    const activity = personalMessage({ ...h.base, user: stranger }, { text: "hi" });
    const conversationId = (activity as unknown as { conversation: { id: string } }).conversation.id;
    await h.post(activity);
    await h.post(personalMessage({ ...h.base, user: stranger }, { text: "hi again", conversationId }));
    await h.settled();
    const seen = h.connector.visible(conversationId);
    assert.equal(seen.length, 1);
    assert.match(seen[0]?.text ?? "", /not enabled for you/);
    assert.equal(h.llm.requests.length, 1, "no model call for the stranger");
  });
});
