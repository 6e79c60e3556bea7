// The builders, postSlack and the Web API double together, through a real Bolt app: signed events,
// a slash command and a feedback click reach their listeners, and replies land in the double.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { App, HTTPReceiver, LogLevel } from "@slack/bolt";
import {
  appMentionEvent,
  eventEnvelope,
  feedbackButtonsClick,
  interactivityForm,
  postSlack,
  slashCommandForm,
  urlVerification,
} from "../doubles/slack/signing.js";
import { ALICE, BOT_USER } from "../doubles/slack/test-support.js";
import { DEFAULT_TEAM, type SlackDouble, startSlackDouble } from "../doubles/slack/web-api-double.js";

const SECRET = "test-signing-secret";
let double: SlackDouble;
let server: Server;
let eventsUrl: string;
const seen: { retryNum?: number; feedback?: string; command?: string } = {};

before(async () => {
  double = await startSlackDouble({ rateLimiting: false });
  const receiver = new HTTPReceiver({ signingSecret: SECRET, logLevel: LogLevel.ERROR });
  const app = new App({
    token: DEFAULT_TEAM.botToken,
    receiver,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: double.url, retryConfig: { retries: 0 } },
  });
  app.event("app_mention", async ({ event, say, context }) => {
    seen.retryNum = context.retryNum;
    await say({ text: `You said: ${event.text}`, thread_ts: event.ts });
  });
  app.command("/ask", async ({ command, ack }) => {
    seen.command = command.text;
    await ack();
  });
  app.action({ type: "block_actions", action_id: "feedback" }, async ({ action, ack }) => {
    seen.feedback = (action as { value?: string }).value;
    await ack();
  });
  server = createServer(receiver.requestListener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  eventsUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await double.close();
});

test("url_verification is answered with the challenge", async () => {
  const res = await postSlack(eventsUrl, urlVerification("c0ffee"), { secret: SECRET });
  assert.equal(res.status, 200);
  // Slack accepts the challenge as plain text or as {"challenge"}; Bolt sends the JSON form.
  assert.deepEqual(await res.json(), { challenge: "c0ffee" });
});

test("a signed app_mention reaches Bolt and its reply lands in the thread of the double", async () => {
  const ts = double.seedMessage({ channel: "C0BOLT0001", user: ALICE, text: `<@${BOT_USER}> hello` });
  const event = appMentionEvent({ user: ALICE, channel: "C0BOLT0001", text: `<@${BOT_USER}> hello`, ts });
  const res = await postSlack(eventsUrl, eventEnvelope(event), {
    secret: SECRET,
    retryNum: 1,
    retryReason: "http_timeout",
  });
  assert.equal(res.status, 200);
  const deadline = Date.now() + 2_000;
  while (double.thread("C0BOLT0001", ts).length < 2 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal(double.thread("C0BOLT0001", ts)[1]?.text, `You said: <@${BOT_USER}> hello`);
  assert.equal(seen.retryNum, 1);
  assert.deepEqual(double.specViolations, []);
});

test("a wrong signature is refused", async () => {
  const res = await postSlack(eventsUrl, urlVerification(), { secret: SECRET, signature: "v0=deadbeef" });
  assert.equal(res.status, 401);
});

test("a slash command and a feedback click are acknowledged and dispatched", async () => {
  const command = await postSlack(
    eventsUrl,
    slashCommandForm({ command: "/ask", text: "model gpt-4o", userId: ALICE, channelId: "C0BOLT0001" }),
    { secret: SECRET },
  );
  assert.equal(command.status, 200);
  assert.equal(seen.command, "model gpt-4o");
  const click = await postSlack(
    eventsUrl,
    interactivityForm(
      feedbackButtonsClick({ userId: ALICE, channelId: "C0BOLT0001", messageTs: "1700000000.000100" }),
    ),
    { secret: SECRET },
  );
  assert.equal(click.status, 200);
  assert.equal(seen.feedback, "positive_feedback");
});
