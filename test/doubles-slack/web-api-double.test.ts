// The Slack Web API double driven by the real @slack/web-api WebClient: messages, threads, the
// other modelled methods, workspaces and failure injection.
import assert from "node:assert/strict";
import { after, afterEach, before, describe, test } from "node:test";
import { WebAPIHTTPError } from "@slack/web-api";
import { ALICE, BOB, BOT_USER, slackError, TEAM, webClient } from "../doubles/slack/test-support.js";
import { DEFAULT_TEAM, type SlackDouble, startSlackDouble } from "../doubles/slack/web-api-double.js";

let double: SlackDouble;
before(async () => {
  // Rate tiers have their own tests; here posting several messages per second must just work.
  double = await startSlackDouble({ rateLimiting: false });
});
after(() => double.close());
afterEach(() => {
  assert.deepEqual(double.specViolations, []);
  double.reset();
});

describe("auth", () => {
  test("auth.test names the workspace and the bot", async () => {
    const res = await webClient(double).auth.test();
    assert.equal(res.team_id, TEAM);
    assert.equal(res.user_id, BOT_USER);
    assert.equal(res.bot_id, DEFAULT_TEAM.botId);
  });

  test("a wrong token answers invalid_auth, none answers not_authed", async () => {
    assert.equal(await slackError(webClient(double, "xoxb-wrong").auth.test()), "invalid_auth");
    const anonymous = await fetch(`${double.url}auth.test`, { method: "POST" });
    assert.deepEqual(await anonymous.json(), { ok: false, error: "not_authed" });
  });
});

describe("messages and threads", () => {
  test("a reply, its update and conversations.replies show what a user sees", async () => {
    const web = webClient(double);
    const parent = double.seedMessage({
      channel: "C0THREAD01",
      user: ALICE,
      text: "What is our refund policy?",
    });
    const posted = await web.chat.postMessage({
      channel: "C0THREAD01",
      thread_ts: parent,
      text: "Thinking…",
    });
    assert.ok(posted.ts);
    await web.chat.update({
      channel: "C0THREAD01",
      ts: posted.ts,
      text: "Refunds within 30 days.",
      blocks: [{ type: "section", text: { type: "mrkdwn", text: "*Refunds* within 30 days." } }],
    });

    assert.deepEqual(
      double.thread("C0THREAD01", parent).map((m) => [m.user, m.text, m.edited]),
      [
        [ALICE, "What is our refund policy?", false],
        [BOT_USER, "*Refunds* within 30 days.", true],
      ],
    );
    const replies = await web.conversations.replies({ channel: "C0THREAD01", ts: parent });
    const [first, second] = replies.messages ?? [];
    assert.equal(first?.ts, parent);
    assert.equal(first?.reply_count, 1);
    assert.equal(second?.parent_user_id, ALICE);
    assert.equal(second?.bot_id, DEFAULT_TEAM.botId);
    assert.equal(second?.text, "Refunds within 30 days.");
    assert.equal(second?.blocks?.length, 1);
  });

  test("ts values are strictly increasing per channel, above seeded ones", async () => {
    const web = webClient(double);
    const seeded = double.seedMessage({
      channel: "C0ORDER001",
      user: BOB,
      text: "hi",
      ts: "1999999999.000001",
    });
    const ts: string[] = [seeded];
    for (let i = 0; i < 5; i++)
      ts.push(String((await web.chat.postMessage({ channel: "C0ORDER001", text: `${i}` })).ts));
    const sorted = [...ts].sort();
    assert.deepEqual(ts, sorted);
    assert.equal(new Set(ts).size, ts.length);
  });

  test("markdown_text is what a user reads; mixing it with text is a conflict; nothing is no_text", async () => {
    const web = webClient(double);
    const res = await web.chat.postMessage({ channel: "C0MARKDOWN", markdown_text: "**bold** answer" });
    assert.equal(double.visibleText("C0MARKDOWN", String(res.ts)), "**bold** answer");
    assert.equal(
      await slackError(
        web.apiCall("chat.postMessage", { channel: "C0MARKDOWN", text: "x", markdown_text: "y" }),
      ),
      "markdown_text_conflict",
    );
    assert.equal(await slackError(web.apiCall("chat.postMessage", { channel: "C0MARKDOWN" })), "no_text");
  });

  test("the bot may only update and delete its own messages", async () => {
    const web = webClient(double);
    const human = double.seedMessage({ channel: "C0OWNER001", user: ALICE, text: "mine" });
    assert.equal(
      await slackError(web.chat.update({ channel: "C0OWNER001", ts: human, text: "x" })),
      "cant_update_message",
    );
    assert.equal(
      await slackError(web.chat.delete({ channel: "C0OWNER001", ts: human })),
      "cant_delete_message",
    );
    assert.equal(
      await slackError(web.chat.update({ channel: "C0OWNER001", ts: "1.000001", text: "x" })),
      "message_not_found",
    );
    const own = await web.chat.postMessage({ channel: "C0OWNER001", text: "bye" });
    await web.chat.delete({ channel: "C0OWNER001", ts: String(own.ts) });
    assert.deepEqual(
      double.channelMessages("C0OWNER001").map((m) => m.text),
      ["mine"],
    );
  });

  test("conversations.replies pages with limit and cursor, and a reply's ts finds its thread", async () => {
    const web = webClient(double);
    const parent = double.seedMessage({ channel: "C0PAGES001", user: ALICE, text: "q" });
    for (const text of ["a", "b", "c"])
      double.seedMessage({ channel: "C0PAGES001", user: BOB, text, threadTs: parent });
    const first = await web.conversations.replies({ channel: "C0PAGES001", ts: parent, limit: 2 });
    assert.equal(first.has_more, true);
    const cursor = first.response_metadata?.next_cursor;
    assert.ok(cursor);
    const rest = await web.conversations.replies({ channel: "C0PAGES001", ts: parent, limit: 2, cursor });
    assert.deepEqual(
      [...(first.messages ?? []), ...(rest.messages ?? [])].map((m) => m.text),
      ["q", "a", "b", "c"],
    );
    const reply = double.thread("C0PAGES001", parent)[2]?.ts ?? "";
    const viaReply = await web.conversations.replies({ channel: "C0PAGES001", ts: reply });
    assert.equal(viaReply.messages?.length, 4);
    assert.equal(
      await slackError(web.conversations.replies({ channel: "C0PAGES001", ts: "5.000001" })),
      "thread_not_found",
    );
  });

  test("calls are recorded with decoded arguments and the caller's workspace", async () => {
    await webClient(double).chat.postMessage({
      channel: "C0RECORD01",
      text: "x",
      unfurl_links: false,
      blocks: [{ type: "markdown", text: "x" }],
    });
    const [call] = double.callsTo("chat.postMessage");
    assert.equal(call?.team, TEAM);
    assert.equal(call?.bodyKind, "form");
    assert.equal(call?.args.unfurl_links, false);
    assert.deepEqual(call?.args.blocks, [{ type: "markdown", text: "x" }]);
    assert.equal(call?.args.token, undefined);
  });
});

describe("other methods", () => {
  test("ephemeral messages are kept apart from the channel", async () => {
    const web = webClient(double);
    const res = await web.chat.postEphemeral({ channel: "C0EPHEM001", user: ALICE, text: "only you" });
    assert.ok(res.message_ts);
    assert.deepEqual(double.channelMessages("C0EPHEM001"), []);
    assert.equal(double.ephemerals("C0EPHEM001")[0]?.text, "only you");
    assert.equal(
      await slackError(web.chat.postEphemeral({ channel: "C0EPHEM001", user: "U0NOBODY01", text: "x" })),
      "user_not_in_channel",
    );
  });

  test("reactions.add counts once per bot and refuses colons", async () => {
    const web = webClient(double);
    const ts = double.seedMessage({ channel: "C0REACT001", user: ALICE, text: "hello" });
    await web.reactions.add({ channel: "C0REACT001", timestamp: ts, name: "eyes" });
    assert.equal(
      await slackError(web.reactions.add({ channel: "C0REACT001", timestamp: ts, name: "eyes" })),
      "already_reacted",
    );
    assert.equal(
      await slackError(web.reactions.add({ channel: "C0REACT001", timestamp: ts, name: ":eyes:" })),
      "invalid_name",
    );
    assert.deepEqual(double.thread("C0REACT001", ts)[0]?.reactions, [{ name: "eyes", count: 1 }]);
  });

  test("users.info tells admins and owners apart", async () => {
    const web = webClient(double);
    const alice = await web.users.info({ user: ALICE });
    assert.equal(alice.user?.is_admin, true);
    assert.equal(alice.user?.is_owner, true);
    const bob = await web.users.info({ user: BOB });
    assert.equal(bob.user?.is_admin, false);
    assert.equal(await slackError(web.users.info({ user: "U0NOBODY01" })), "user_not_found");
  });

  test("assistant status shows until an empty status or a bot reply clears it", async () => {
    const web = webClient(double);
    const thread = double.seedMessage({ channel: "D0ASSIST01", user: ALICE, text: "hi" });
    await web.assistant.threads.setStatus({
      channel_id: "D0ASSIST01",
      thread_ts: thread,
      status: "is thinking…",
    });
    assert.equal(double.status("D0ASSIST01", thread), "is thinking…");
    await web.chat.postMessage({ channel: "D0ASSIST01", thread_ts: thread, text: "answer" });
    assert.equal(double.status("D0ASSIST01", thread), undefined);
    await web.assistant.threads.setSuggestedPrompts({
      channel_id: "D0ASSIST01",
      thread_ts: thread,
      title: "Try",
      prompts: [{ title: "Summarize", message: "Summarize this channel" }],
    });
    await web.assistant.threads.setTitle({ channel_id: "D0ASSIST01", thread_ts: thread, title: "Refunds" });
    assert.equal(double.surfaces.titles.get(`D0ASSIST01/${thread}`), "Refunds");
    assert.deepEqual(double.surfaces.suggestedPrompts.get(`D0ASSIST01/${thread}`)?.prompts, [
      { title: "Summarize", message: "Summarize this channel" },
    ]);
  });

  test("views.open spends its trigger; views.publish sets a Home tab", async () => {
    const web = webClient(double);
    const view = {
      type: "modal" as const,
      title: { type: "plain_text" as const, text: "Settings" },
      blocks: [{ type: "section" as const, text: { type: "mrkdwn" as const, text: "x" } }],
    };
    const opened = await web.views.open({ trigger_id: "123.456.abc", view });
    assert.equal(opened.view?.type, "modal");
    assert.equal(
      await slackError(web.views.open({ trigger_id: "123.456.abc", view })),
      "exchanged_trigger_id",
    );
    await web.views.publish({ user_id: ALICE, view: { type: "home", blocks: [] } });
    assert.ok(double.surfaces.homeViews.has(`${TEAM}/${ALICE}`));
  });
});

describe("workspaces and failures", () => {
  test("each token acts in its own workspace; another workspace's channel is channel_not_found", async () => {
    double.addTeam({
      teamId: "T0000OTHER",
      botToken: "xoxb-other",
      botUserId: "U0OTHERBOT",
      botId: "B0OTHERBOT",
    });
    double.addChannel("C0TEAMONE1");
    const other = webClient(double, "xoxb-other");
    assert.equal((await other.auth.test()).team_id, "T0000OTHER");
    assert.equal(
      await slackError(other.chat.postMessage({ channel: "C0TEAMONE1", text: "x" })),
      "channel_not_found",
    );
  });

  test("failNext answers a chosen error the given number of times, then the real answer", async () => {
    const web = webClient(double);
    double.failNext("chat.postMessage", "not_in_channel", { times: 2 });
    assert.equal(
      await slackError(web.chat.postMessage({ channel: "C0FAIL0001", text: "x" })),
      "not_in_channel",
    );
    assert.equal(
      await slackError(web.chat.postMessage({ channel: "C0FAIL0001", text: "x" })),
      "not_in_channel",
    );
    assert.ok((await web.chat.postMessage({ channel: "C0FAIL0001", text: "x" })).ok);
  });

  test("an injected HTTP 500 reaches the client as WebAPIHTTPError", async () => {
    double.failNext("chat.update", "internal_error", { status: 500 });
    await assert.rejects(
      webClient(double).chat.update({ channel: "C0FAIL0001", ts: "1.000001", text: "x" }),
      (error) => error instanceof WebAPIHTTPError && error.statusCode === 500,
    );
  });

  test("a channel the bot is not in answers not_in_channel", async () => {
    double.addChannel("C0NOTMEMBR", { botIsMember: false });
    assert.equal(
      await slackError(webClient(double).chat.postMessage({ channel: "C0NOTMEMBR", text: "x" })),
      "not_in_channel",
    );
  });

  test("latency delays the answer", async () => {
    double.setLatency("auth.test", 50);
    const started = performance.now();
    await webClient(double).auth.test();
    assert.ok(performance.now() - started >= 45);
    double.setLatency("auth.test", 0);
  });
});
