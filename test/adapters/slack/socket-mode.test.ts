// Socket Mode end to end: the real Bolt SocketModeReceiver (SLACK_APP_TOKEN set, no signing secret)
// connects to the Socket Mode double, which hands out a WebSocket URL from apps.connections.open and
// pushes envelopes; the answers land in the Slack Web API double behind it.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { WebClient } from "@slack/web-api";
import { FEEDBACK_ACTION_ID } from "../../../adapters/slack/sink.js";
import { appMentionEvent, eventEnvelope } from "../../doubles/slack/event-payloads.js";
import { feedbackButtonsClick, slashCommand } from "../../doubles/slack/interaction-payloads.js";
import {
  DEFAULT_APP_TOKEN,
  type SocketModeDouble,
  startSocketModeDouble,
} from "../../doubles/slack/socket-mode-double.js";
import { ALICE, BOB, BOT_USER, slackError, TEAM } from "../../doubles/slack/test-support.js";
import { startSlackDouble } from "../../doubles/slack/web-api-double.js";
import { nextTs, type SlackHarness, settled, startSlackHarness, waitFor } from "./harness.js";

const CHANNEL = "C0000GENRL";
const TIME_SCALE = 0.05;

describe("Slack over Socket Mode", () => {
  let socket: SocketModeDouble;
  let h: SlackHarness;
  before(async () => {
    const web = await startSlackDouble({ timeScale: TIME_SCALE });
    socket = await startSocketModeDouble({ web });
    h = await startSlackHarness({
      slack: web,
      timeScale: TIME_SCALE,
      env: { SLACK_APP_TOKEN: DEFAULT_APP_TOKEN, SLACK_SIGNING_SECRET: "", SLACK_API_URL: socket.url },
    });
  });
  after(async () => {
    await h.close();
    await socket.close();
    await h.slack.close();
  });
  beforeEach(() => {
    h.slack.reset();
    h.llm.reset();
    socket.reset();
  });

  /** A user mentions the bot in CHANNEL (the message exists in Slack); Slack pushes the event. */
  const mention = (text: string, eventId?: string) => {
    const full = `<@${BOT_USER}> ${text}`;
    const ts = h.slack.seedMessage({ channel: CHANNEL, user: ALICE, text: full });
    const envelopeId = socket.sendEvent(
      eventEnvelope(appMentionEvent({ user: ALICE, channel: CHANNEL, ts, text: full }), { eventId }),
    );
    return { ts, envelopeId };
  };

  it("connected at start with the app-level token, and apps.connections.open refuses other tokens", async () => {
    assert.equal(socket.connections, 1);
    assert.equal(socket.connectionsOpened, 1);
    const client = (token: string) =>
      new WebClient(token, { slackApiUrl: socket.url, retryConfig: { retries: 0 } }).apps.connections.open();
    assert.equal(await slackError(client("xapp-1-A0000APP01-0-wrong")), "invalid_auth");
    const ok = await client(DEFAULT_APP_TOKEN);
    assert.match(String(ok.url), /^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=[\w-]+&app_id=A0000APP01$/);
  });

  it("acks a mention by envelope id and answers in a thread under it", async () => {
    h.llm.script({ kind: "stream", pieces: ["Paris is", " the capital", " of France."] });
    const { ts, envelopeId } = mention("capital of France?");
    const ack = await socket.waitForAck(envelopeId);
    assert.deepEqual(ack.payload ?? {}, {}, "an Events API ack carries no response");
    await settled(h.core);

    const thread = h.slack.thread(CHANNEL, ts);
    assert.equal(thread.length, 2, "the mention and one answer");
    assert.equal(thread[1]?.text, "Paris is the capital of France.");
    const firstCall = h.slack.calls[0];
    assert.ok(firstCall && ack.at <= firstCall.time, "acked before the answer is started");
    assert.deepEqual(h.slack.specViolations, []);
    assert.deepEqual(socket.problems, []);
  });

  it("puts a slash command's ephemeral answer in the ack itself", async () => {
    const envelopeId = socket.sendSlashCommand(
      slashCommand({ command: "/aibot", text: "settings", userId: BOB, channelId: CHANNEL }),
    );
    const ack = await socket.waitForAck(envelopeId);
    assert.equal(ack.payload?.response_type, "ephemeral");
    assert.match(String(ack.payload?.text), /Settings for this conversation/);
    assert.equal(h.slack.callsTo("chat.postEphemeral").length, 0, "no separate ephemeral message");

    const usage = await socket.waitForAck(
      socket.sendSlashCommand(
        slashCommand({ command: "/aibot", text: "what is the weather", userId: BOB, channelId: CHANNEL }),
      ),
    );
    assert.match(String(usage.payload?.text), /changes my settings/);
    assert.deepEqual(socket.problems, []);
  });

  it("acks a feedback click sent as an interactive envelope and records it", async () => {
    const envelopeId = socket.sendInteractive(
      feedbackButtonsClick({
        userId: BOB,
        channelId: CHANNEL,
        messageTs: "1800000000.000200",
        threadTs: "1800000000.000100",
        actionId: FEEDBACK_ACTION_ID,
        value: "negative",
        messageText: "The answer",
      }),
    );
    const ack = await socket.waitForAck(envelopeId);
    assert.deepEqual(ack.payload ?? {}, {});
    const list = await waitForAsync(async () => {
      const found = await h.core.store.listFeedback(`slack:${TEAM}:${CHANNEL}`, 10);
      return found.length > 0 ? found : undefined;
    });
    assert.equal(list[0]?.reaction, "negative");
    assert.equal(list[0]?.messageId, "1800000000.000200");
  });

  it("acks a redelivered event (same event_id, retry_attempt 1) without answering twice", async () => {
    h.llm.setFallback({ kind: "stream", pieces: ["Once."] });
    const { ts, envelopeId } = mention("hi", `EvSOCKET${Date.now()}`);
    await socket.waitForAck(envelopeId);
    await settled(h.core);

    const retry = socket.redeliver(envelopeId);
    const retried = socket.sent.at(-1);
    assert.equal(retried?.retry_attempt, 1);
    assert.notEqual(retry, envelopeId, "a new envelope id for the new delivery");
    await socket.waitForAck(retry);
    await settled(h.core);

    assert.equal(h.llm.requests.length, 1);
    const thread = h.slack.thread(CHANNEL, ts);
    assert.equal(thread.length, 2, "the mention and one answer");
    assert.equal(thread[1]?.text, "Once.");
    assert.deepEqual(socket.problems, []);
  });

  it("reconnects after Slack asks it to (disconnect, refresh_requested) and keeps answering", async () => {
    // @slack/socket-mode pings every 5 s / 3 and drops a connection that does not pong.
    await waitFor(() => socket.pingsReceived > 0, 2_500, "a ping from the client");
    const before = socket.connectionsOpened;
    socket.disconnect("refresh_requested");
    await waitFor(() => socket.connections === 0, 2_000, "the old connection to close");
    assert.deepEqual(socket.closes, [{ connection: before, by: "client", code: 1000 }]);
    // @slack/socket-mode waits clientPingTimeout (5 s by default) before reconnecting.
    await waitFor(
      () => socket.connectionsOpened === before + 1 && socket.connections === 1,
      8_000,
      "a new connection",
    );
    assert.equal(socket.opens.length, 1, "a fresh apps.connections.open for the new connection");
    assert.equal(socket.opens[0]?.ok, true);

    h.llm.script({ kind: "stream", pieces: ["Still here."] });
    const { ts, envelopeId } = mention("are you there?");
    await socket.waitForAck(envelopeId);
    await settled(h.core);
    assert.equal(h.slack.thread(CHANNEL, ts)[1]?.text, "Still here.");
    assert.deepEqual(socket.problems, []);
  });

  it("needs no HTTP route: POST /slack/events delivers nothing in Socket Mode", async () => {
    const ts = nextTs();
    const res = await h.sendEvent(
      appMentionEvent({ user: ALICE, channel: CHANNEL, ts, text: `<@${BOT_USER}> over http?` }),
    );
    assert.equal(res.status, 404);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(h.core.engine.inFlight, 0);
    assert.equal(h.llm.requests.length, 0);
    assert.deepEqual(
      h.slack.calls.map((c) => c.method),
      [],
    );
  });
});

async function waitForAsync<T>(check: () => Promise<T | undefined>, timeoutMs = 3_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}
