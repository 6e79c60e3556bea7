// Request signing and payload builders, checked against Slack's published vector and Bolt's verifier.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isValidSlackRequest } from "@slack/bolt";
import {
  appMentionEvent,
  eventEnvelope,
  feedbackButtonsClick,
  interactivityForm,
  messageChangedEvent,
  messageEvent,
  signSlackRequest,
  slashCommandForm,
} from "../doubles/slack/signing.js";
import { ALICE, BOT_USER, TEAM } from "../doubles/slack/test-support.js";

/** Slack's "Verifying requests from Slack" example (docs.slack.dev/authentication/verifying-requests-from-slack). */
const SLACK_VECTOR = {
  secret: "8f742231b10e8888abcd99yyyzzz85a5",
  timestamp: 1531420618,
  body: "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c",
  signature: "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
};

describe("signSlackRequest", () => {
  test("reproduces Slack's documented vector", () => {
    assert.deepEqual(signSlackRequest(SLACK_VECTOR.secret, SLACK_VECTOR.body, SLACK_VECTOR.timestamp), {
      "X-Slack-Request-Timestamp": "1531420618",
      "X-Slack-Signature": SLACK_VECTOR.signature,
    });
  });

  test("Bolt's verifier accepts what it signs and refuses a changed body or a stale timestamp", () => {
    const secret = "test-signing-secret";
    const body = JSON.stringify(
      eventEnvelope(appMentionEvent({ user: ALICE, channel: "C0SIGN0001", text: "hi", ts: "1.000001" })),
    );
    const now = 1_700_000_000;
    const headers = signSlackRequest(secret, body, now);
    const verify = (raw: string, nowSeconds: number) =>
      isValidSlackRequest({
        signingSecret: secret,
        body: raw,
        headers: {
          "x-slack-signature": headers["X-Slack-Signature"],
          "x-slack-request-timestamp": Number(headers["X-Slack-Request-Timestamp"]),
        },
        nowMilliseconds: nowSeconds * 1_000,
      });
    assert.equal(verify(body, now), true);
    assert.equal(verify(`${body} `, now), false);
    const FIVE_MINUTES_S = 5 * 60;
    assert.equal(verify(body, now + FIVE_MINUTES_S + 1), false);
  });
});

describe("payload builders", () => {
  test("an Events API envelope carries the event, its id and the bot's authorization", () => {
    const mention = appMentionEvent({
      user: ALICE,
      channel: "C0BUILD001",
      text: `<@${BOT_USER}> what is new?`,
      ts: "1700000000.000100",
    });
    const envelope = eventEnvelope(mention);
    assert.equal(envelope.type, "event_callback");
    assert.equal(envelope.team_id, TEAM);
    assert.match(envelope.event_id, /^Ev[0-9A-F]+$/);
    assert.deepEqual(envelope.authorizations?.[0], {
      enterprise_id: null,
      team_id: TEAM,
      user_id: BOT_USER,
      is_bot: true,
      is_enterprise_install: false,
    });
    assert.deepEqual(JSON.parse(JSON.stringify(mention.blocks?.[0])).elements[0].elements, [
      { type: "user", user_id: BOT_USER },
      { type: "text", text: " what is new?" },
    ]);
  });

  test("message events: channel types follow the ID; replies carry thread_ts; edits nest the new message", () => {
    assert.equal(
      messageEvent({ user: ALICE, channel: "D0BUILD002", text: "x", ts: "1.000001" }).channel_type,
      "im",
    );
    const reply = messageEvent({
      user: ALICE,
      channel: "C0BUILD002",
      text: "x",
      ts: "2.000001",
      threadTs: "1.000001",
      parentUserId: ALICE,
    });
    assert.equal(reply.channel_type, "channel");
    assert.equal(reply.thread_ts, "1.000001");
    const changed = messageChangedEvent({ previous: reply, newText: "y", editedAtTs: "3.000001" });
    assert.equal(changed.subtype, "message_changed");
    assert.equal((changed.message as { text?: string }).text, "y");
    assert.equal(JSON.parse(JSON.stringify(reply)).subtype, undefined);
  });

  test("a slash command is a form body; a block action is a form with one JSON `payload` field", () => {
    const form = new URLSearchParams(
      slashCommandForm({ command: "/ask", text: "temperature 0.2", userId: ALICE, channelId: "C0BUILD003" }),
    );
    assert.equal(form.get("command"), "/ask");
    assert.equal(form.get("text"), "temperature 0.2");
    assert.equal(form.get("team_id"), TEAM);
    assert.match(form.get("response_url") ?? "", /^https:\/\/hooks\.slack\.com\/commands\//);
    const click = feedbackButtonsClick({
      userId: ALICE,
      channelId: "C0BUILD003",
      messageTs: "5.000001",
      choice: "negative",
    });
    const payload = JSON.parse(new URLSearchParams(interactivityForm(click)).get("payload") ?? "{}");
    assert.equal(payload.type, "block_actions");
    assert.deepEqual(
      { type: payload.actions[0].type, value: payload.actions[0].value },
      { type: "feedback_buttons", value: "negative_feedback" },
    );
    assert.equal(payload.container.message_ts, "5.000001");
  });
});
