import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { feedbackFromInvoke } from "../../../adapters/teams/feedback.js";
import { cleanText, type InboundActivity, routeTeamsActivity } from "../../../adapters/teams/routing.js";
import { commandsFromSubmit } from "../../../adapters/teams/settings-card.js";

const BOT = "28:00000000-0000-0000-0000-0000000000b0";
const base = (over: Partial<InboundActivity>): InboundActivity => ({
  type: "message",
  id: "a1",
  text: "hello",
  from: { id: "29:user", aadObjectId: "aad-user" },
  recipient: { id: BOT, name: "Bot" },
  conversation: { id: "a:personal-chat", conversationType: "personal", tenantId: "tenant-1" },
  ...over,
});
const channel = (
  text: string,
  mentions: InboundActivity["entities"],
  id = "19:chan@thread.tacv2;messageid=1700",
) =>
  base({
    text,
    entities: mentions,
    conversation: { id, conversationType: "channel", tenantId: "tenant-1" },
    channelData: { team: { id: "19:team@thread.tacv2" }, channel: { id: "19:chan@thread.tacv2" } },
  });
const mention = (id: string, name: string) => ({
  type: "mention",
  mentioned: { id, name },
  text: `<at>${name}</at>`,
});

describe("Teams routing", () => {
  it("answers every personal message, one conversation per chat", () => {
    const d = routeTeamsActivity(base({}));
    assert.equal(d.kind, "answer");
    assert.ok(
      d.kind === "answer" &&
        d.turn.thread === "main" &&
        d.turn.kind === "personal" &&
        d.turn.userId === "aad-user",
    );
  });

  it("answers a channel mention in its thread, without the bot's mention, keeping other people's names", () => {
    const d = routeTeamsActivity(
      channel("<at>Bot</at> ask <at>Alice Smith</at> about <at>Bot</at>", [
        mention(BOT, "Bot"),
        mention("29:alice", "Alice Smith"),
      ]),
    );
    assert.equal(d.kind, "answer");
    if (d.kind !== "answer") return;
    assert.equal(d.turn.text, "ask Alice Smith about");
    assert.equal(d.turn.thread, "1700");
    assert.equal(d.turn.baseConversationId, "19:chan@thread.tacv2");
    assert.equal(d.turn.scopeId, "19:chan@thread.tacv2");
  });

  it("answers an unmentioned channel reply only in a thread the bot is part of", () => {
    assert.equal(routeTeamsActivity(channel("more please", [])).kind, "answer_if_in_thread");
    assert.equal(routeTeamsActivity(channel("top level", [], "19:chan@thread.tacv2")).kind, "ignore");
  });

  it("answers a bare mention with help, files without text with a note, and ignores others", () => {
    const bare = routeTeamsActivity(channel("<at>Bot</at>", [mention(BOT, "Bot")]));
    assert.ok(bare.kind === "answer" && bare.turn.text === "help");
    assert.equal(
      routeTeamsActivity(base({ text: "", attachments: [{ contentType: "image/png" }] })).kind,
      "text_only",
    );
    assert.equal(routeTeamsActivity(base({ type: "conversationUpdate" })).kind, "ignore");
    assert.equal(routeTeamsActivity(base({ type: "somethingNew" })).kind, "ignore");
    assert.equal(routeTeamsActivity(base({ from: { id: BOT } })).kind, "ignore");
  });

  it("recognises a settings card submit and a feedback invoke", () => {
    const submit = routeTeamsActivity(
      base({ text: undefined, value: { action: "settings.save", temperature: "0.4" } }),
    );
    assert.equal(submit.kind, "settings_submit");
    const fb = routeTeamsActivity(
      base({ type: "invoke", name: "message/submitAction", value: { actionName: "feedback" } }),
    );
    assert.equal(fb.kind, "feedback");
    assert.equal(routeTeamsActivity(base({ type: "invoke", name: "adaptiveCard/action" })).kind, "ignore");
  });

  it("cleans &nbsp; and mention markup", () => {
    assert.equal(
      cleanText(base({ text: "<at>Bot</at>&nbsp;hi&nbsp; there", entities: [mention(BOT, "Bot")] }), BOT),
      "hi there",
    );
  });
});

describe("Teams feedback and settings card", () => {
  it("reads the feedback invoke's reaction and text", () => {
    assert.deepEqual(
      feedbackFromInvoke({
        actionName: "feedback",
        actionValue: { reaction: "dislike", feedback: '{"feedbackText":"too long"}' },
      }),
      { reaction: "negative", text: "too long" },
    );
    assert.deepEqual(
      feedbackFromInvoke({ actionName: "feedback", actionValue: { reaction: "like", feedback: "" } }),
      {
        reaction: "positive",
        text: undefined,
      },
    );
    assert.equal(feedbackFromInvoke({ actionName: "other" }), undefined);
  });

  it("turns a submitted form into settings commands for the changed fields only", () => {
    const current = { temperature: "0.7", model: "gpt-4o", stop: "", system_prompt: "Be nice." };
    assert.deepEqual(
      commandsFromSubmit(
        { action: "settings.save", temperature: "0.2", model: "gpt-4o", stop: "END", system_prompt: "" },
        current,
      ),
      ["settings reset system_prompt", "settings set temperature 0.2", "settings set stop END"],
    );
  });
});
