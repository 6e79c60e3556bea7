// Slack's agent view, end to end over signed HTTP against the Slack double: agent sessions and the
// Stop button (on the answering process and on another one), session titles, "summarize this" from
// what the user is looking at, the Summarize thread shortcut, and apps where Slack refuses agent
// features.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, beforeEach, describe, it } from "node:test";
import { encodeThreadKey } from "../../../src/store/keys.js";
import { type AzureOpenAIDouble, startAzureOpenAIDouble } from "../../doubles/azure-openai.js";
import { appContextChangedEvent, appMentionEvent, messageEvent } from "../../doubles/slack/event-payloads.js";
import { interactivityForm, messageShortcut } from "../../doubles/slack/interaction-payloads.js";
import { postSlack } from "../../doubles/slack/signing.js";
import { ALICE, BOB, BOT_USER, webClient } from "../../doubles/slack/test-support.js";
import {
  DEFAULT_TEAM,
  type RecordedCall,
  type SlackDouble,
  startSlackDouble,
} from "../../doubles/slack/web-api-double.js";
import { captureLogs } from "../../helpers/log-capture.js";
import { SIGNING_SECRET, type SlackHarness, settled, startSlackHarness, waitFor } from "./harness.js";

const CHANNEL = "C0AGENTV01";
const DM = "D0AGENTALI";
const TEAM = DEFAULT_TEAM.teamId;
const SESSION = "agents.sessions.setStatus";
const PIECES = [
  "Alpha ",
  "beta ",
  "gamma ",
  "delta ",
  "epsilon ",
  "zeta ",
  "eta ",
  "theta ",
  "iota ",
  "kappa.",
];

interface ChatBody {
  messages: Array<{ role: string; content: string }>;
}

/** Alice mentions the bot in `channel`; returns the mention's ts (the thread and session). */
async function ask(h: SlackHarness, question: string, channel = CHANNEL): Promise<string> {
  const text = `<@${BOT_USER}> ${question}`;
  const ts = h.slack.seedMessage({ channel, user: ALICE, text });
  const res = await h.sendEvent(appMentionEvent({ user: ALICE, channel, ts, text }));
  assert.equal(res.status, 200);
  return ts;
}

/** Alice writes in her DM with the bot (the Messages tab); returns the message's ts. */
async function dm(h: SlackHarness, text: string, threadTs?: string): Promise<string> {
  const ts = h.slack.seedMessage({ channel: DM, user: ALICE, text, ...(threadTs ? { threadTs } : {}) });
  await h.sendEvent(messageEvent({ user: ALICE, channel: DM, ts, text, ...(threadTs ? { threadTs } : {}) }));
  return ts;
}

const ok = (calls: RecordedCall[]) => calls.filter((c) => c.body.ok === true);

function streamOf(slack: SlackDouble, threadTs: string): Promise<string> {
  return waitFor(
    () => {
      const call = ok(slack.callsTo("chat.startStream")).find((c) => c.args.thread_ts === threadTs);
      return typeof call?.body.ts === "string" ? call.body.ts : undefined;
    },
    5_000,
    "a started stream",
  );
}

/** Waits until the stream shows some text and then presses Stop; returns what was shown then. */
async function pressStopMidAnswer(
  slack: SlackDouble,
  bot: SlackHarness,
  threadTs: string,
): Promise<{ ts: string; callsAtStop: number }> {
  const ts = await streamOf(slack, threadTs);
  await waitFor(() => ok(slack.callsTo("chat.appendStream")).length > 0, 5_000, "a first append");
  const event = slack.stopSession(CHANNEL, threadTs, ALICE);
  assert.deepEqual(event.streaming_message_ts, [ts], "Slack names the stream it stopped");
  const callsAtStop = slack.calls.length;
  assert.equal((await bot.sendEvent(event)).status, 200);
  return { ts, callsAtStop };
}

describe("Slack agent view", { timeout: 60_000 }, () => {
  let slack: SlackDouble;
  let llm: AzureOpenAIDouble;
  let a: SlackHarness;
  let b: SlackHarness;
  const log = captureLogs("info");
  before(async () => {
    slack = await startSlackDouble({ timeScale: 0.05 });
    llm = await startAzureOpenAIDouble();
    // Two processes of one bot on one Redis, like two replicas.
    const keyPrefix = `test:agent:${randomUUID()}:`;
    a = await startSlackHarness({ slack, llm, keyPrefix, logger: log.logger });
    b = await startSlackHarness({ slack, llm, keyPrefix });
    slack.addChannel(CHANNEL, { teamId: TEAM });
  });
  after(async () => {
    await a.close();
    await b.close();
    await slack.close();
    await llm.close();
  });
  beforeEach(() => {
    slack.reset();
    llm.reset();
    log.lines.length = 0;
  });
  const settledBoth = () => Promise.all([settled(a.core), settled(b.core)]);

  it("runs each answered thread as a session: processing while it works, active when done, titled from the question", async () => {
    llm.setFallback({ kind: "stream", pieces: ["Twenty-five days."] });
    const root = await ask(a, "How many *vacation* days do I get?\nI joined in May.");
    await settledBoth();

    const statuses = slack.callsTo(SESSION).map((c) => c.args.status);
    assert.deepEqual(statuses, ["processing"], "one setStatus: processing");
    const first = slack.callsTo(SESSION)[0];
    assert.equal(first?.args.thread_ts, root);
    assert.equal(first?.args.initiator_user_id, ALICE);
    assert.equal(first?.args.title, "How many vacation days do I get?");
    const stop = slack.callsTo("chat.stopStream")[0];
    assert.equal(
      stop?.args.session_status,
      "active",
      "the final stop ends processing without a call of its own",
    );
    assert.equal(slack.session(CHANNEL, root)?.status, "active");
    assert.equal(slack.session(CHANNEL, root)?.title, "How many vacation days do I get?");
    assert.ok(
      slack.calls.indexOf(first as RecordedCall) <
        slack.calls.indexOf(slack.callsTo("chat.startStream")[0] as RecordedCall),
      "the Stop button shows before the first words",
    );
    assert.deepEqual(slack.specViolations, []);
  });

  it("Stop mid-answer: nothing more is sent, the model is no longer read, history keeps what was shown, the session leaves processing", async () => {
    llm.script({ kind: "stream", pieces: PIECES, delayMs: 80 }, { kind: "stream", pieces: ["Noted."] });
    const root = await ask(a, "greek letters, slowly");
    const { ts, callsAtStop } = await pressStopMidAnswer(slack, a, root);
    await settledBoth();

    const shown = slack.visibleText(CHANNEL, ts) ?? "";
    assert.ok(shown.length > 0 && PIECES.join("").startsWith(shown) && shown.length < PIECES.join("").length);
    const later = slack.calls.slice(callsAtStop).filter((c) => c.method.startsWith("chat.") && c.body.ok);
    assert.deepEqual(later, [], "no stream call went through after the stop");
    assert.equal(slack.session(CHANNEL, root)?.status, "active");
    assert.ok(
      log.lines.some((l) => l.msg === "the user stopped the answer"),
      "the engine stopped reading the model",
    );
    const threadKey = encodeThreadKey({ platform: "slack", tenant: TEAM, channel: CHANNEL, thread: root });
    const history = await a.core.store.load(threadKey);
    assert.deepEqual(
      history.map((m) => [m.role, m.content]),
      [
        ["user", "greek letters, slowly"],
        ["assistant", shown],
      ],
    );

    // The next question in the thread works as usual, with what was shown as the earlier answer.
    const followUp = slack.seedMessage({ channel: CHANNEL, user: ALICE, text: "thanks", threadTs: root });
    await a.sendEvent(
      messageEvent({ user: ALICE, channel: CHANNEL, ts: followUp, threadTs: root, text: "thanks" }),
    );
    await settledBoth();
    const prompt = (llm.requests[1]?.body as ChatBody | undefined)?.messages.slice(1).map((m) => m.content);
    assert.deepEqual(prompt, ["greek letters, slowly", shown, "thanks"]);
    assert.equal(slack.thread(CHANNEL, root).at(-1)?.text, "Noted.");
    assert.deepEqual(slack.specViolations, []);
  });

  it("Stop delivered to another process stops the answer where it runs", async () => {
    llm.script({ kind: "stream", pieces: PIECES, delayMs: 80 });
    const root = await ask(a, "greek letters on process A");
    const { ts, callsAtStop } = await pressStopMidAnswer(slack, b, root);
    await settledBoth();

    const shown = slack.visibleText(CHANNEL, ts) ?? "";
    assert.ok(shown.length < PIECES.join("").length, "the answer was cut short");
    const later = slack.calls.slice(callsAtStop).filter((c) => c.method.startsWith("chat.") && c.body.ok);
    assert.deepEqual(later, []);
    assert.equal(
      slack.session(CHANNEL, root)?.status,
      "active",
      "process B moved the session out of processing",
    );
    assert.ok(
      log.lines.some((l) => l.msg === "the user stopped the answer"),
      "process A stopped reading",
    );
    const threadKey = encodeThreadKey({ platform: "slack", tenant: TEAM, channel: CHANNEL, thread: root });
    assert.equal((await a.core.store.load(threadKey)).at(-1)?.content, shown);
  });

  it("Stop in an answer shown by post-and-edit (no native stream) stops the edits too", async () => {
    const plain = "C0AGNOSTRM";
    slack.addChannel(plain, { teamId: TEAM });
    slack.setStreamingUnavailable(plain);
    llm.script({ kind: "stream", pieces: PIECES, delayMs: 80 });
    const root = await ask(a, "greek letters, edited", plain);
    await waitFor(() => ok(slack.callsTo("chat.update")).length > 0, 5_000, "a first edit");
    const event = slack.stopSession(plain, root, ALICE);
    assert.deepEqual(event.streaming_message_ts, []);
    const callsAtStop = slack.calls.length;
    await b.sendEvent(event);
    await settledBoth();
    const edits = slack.calls.slice(callsAtStop).filter((c) => c.method === "chat.update");
    assert.ok(edits.length <= 1, "at most an edit already on its way");
    const reply = slack.thread(plain, root).at(-1);
    assert.ok(reply && PIECES.join("").startsWith(reply.text) && reply.text.length < PIECES.join("").length);
    assert.equal(slack.session(plain, root)?.status, "active");
  });

  it("stopped_by_user from chat.appendStream stops the answer the same way and ends processing", async () => {
    llm.script({ kind: "stream", pieces: PIECES, delayMs: 80 });
    slack.failNext("chat.appendStream", "stopped_by_user");
    const root = await ask(a, "greek letters, stopped in the stream");
    await settledBoth();
    const ts = ok(slack.callsTo("chat.startStream")).find((c) => c.args.thread_ts === root)?.body
      .ts as string;
    const shown = slack.visibleText(CHANNEL, ts) ?? "";
    assert.ok(shown.length < PIECES.join("").length);
    assert.equal(slack.session(CHANNEL, root)?.status, "active");
    assert.ok(log.lines.some((l) => l.msg === "the user stopped the answer"));
    const threadKey = encodeThreadKey({ platform: "slack", tenant: TEAM, channel: CHANNEL, thread: root });
    assert.equal((await a.core.store.load(threadKey)).at(-1)?.content, shown);
  });

  it("keeps a title the user set: the next turn neither renames the session nor sends a title", async () => {
    llm.setFallback({ kind: "stream", pieces: ["Sure."] });
    const root = await ask(a, "Plan the offsite agenda");
    await settledBoth();
    assert.equal(slack.session(CHANNEL, root)?.title, "Plan the offsite agenda");

    const renamed = slack.renameSession(CHANNEL, root, ALICE, "Offsite 2027");
    assert.equal((await b.sendEvent(renamed)).status, 200);
    await settledBoth();
    const next = slack.seedMessage({
      channel: CHANNEL,
      user: ALICE,
      text: "add a lunch break",
      threadTs: root,
    });
    await a.sendEvent(
      messageEvent({ user: ALICE, channel: CHANNEL, ts: next, threadTs: root, text: "add a lunch break" }),
    );
    await settledBoth();

    assert.equal(slack.session(CHANNEL, root)?.title, "Offsite 2027");
    assert.equal(slack.callsTo("agents.sessions.rename").length, 0);
    assert.ok(
      slack
        .callsTo(SESSION)
        .every(
          (c) => c.args.title === undefined || c.args.thread_ts !== root || c === slack.callsTo(SESSION)[0],
        ),
    );
    assert.deepEqual(slack.specViolations, []);
  });

  it("titles a session that already existed without a title by agents.sessions.rename", async () => {
    llm.setFallback({ kind: "stream", pieces: ["Here it is."] });
    const text = `<@${BOT_USER}> Summarize the Q3 roadmap`;
    const root = slack.seedMessage({ channel: CHANNEL, user: ALICE, text });
    await webClient(slack).apiCall(SESSION, { channel_id: CHANNEL, thread_ts: root, status: "active" });
    slack.reset();
    await a.sendEvent(appMentionEvent({ user: ALICE, channel: CHANNEL, ts: root, text }));
    await settledBoth();
    await waitFor(() => slack.callsTo("agents.sessions.rename").length > 0, 5_000, "a rename");
    assert.equal(slack.callsTo("agents.sessions.rename")[0]?.args.title, "Summarize the Q3 roadmap");
    assert.equal(slack.session(CHANNEL, root)?.title, "Summarize the Q3 roadmap");
  });

  it("answers as before where Slack refuses sessions (feature_disabled): said once in the log, not asked again", async () => {
    llm.setFallback({ kind: "stream", pieces: ["Still answering."] });
    slack.failNext(SESSION, "feature_disabled");
    const first = await ask(a, "first question");
    await settledBoth();
    const second = await ask(a, "second question");
    await settledBoth();

    assert.equal(slack.callsTo(SESSION).length, 1, "asked once, then not again in this workspace");
    for (const root of [first, second]) {
      assert.equal(slack.thread(CHANNEL, root).at(-1)?.text, "Still answering.");
    }
    assert.equal(slack.callsTo("chat.stopStream").filter((c) => c.args.session_status).length, 0);
    const said = log.lines.filter(
      (l) => l.feature === "agent sessions" && l.slackError === "feature_disabled",
    );
    assert.equal(said.length, 1);
    assert.deepEqual(slack.specViolations, []);
  });
});

describe("Slack: summarize what the user is looking at", { timeout: 60_000 }, () => {
  let h: SlackHarness;
  const OPEN = "C0CTXOPEN1";
  const CLOSED = "C0CTXCLOS1";
  const NOBOT = "C0CTXNOBOT";
  before(async () => {
    h = await startSlackHarness();
    h.slack.addChannel(OPEN, { teamId: TEAM, members: [ALICE, BOB] });
    h.slack.addChannel(CLOSED, { teamId: TEAM, members: [BOB] });
    h.slack.addChannel(NOBOT, { teamId: TEAM, members: [ALICE], botIsMember: false });
  });
  after(() => h.close());
  beforeEach(() => {
    h.slack.reset();
    h.llm.reset();
  });

  /** What the model was asked, as one text. */
  const prompt = (i = 0) =>
    ((h.llm.requests[i]?.body as ChatBody | undefined)?.messages ?? []).map((m) => m.content).join("\n");
  const looksAt = (channelId: string, messageTs?: string) =>
    h.sendEvent(appContextChangedEvent({ user: ALICE, channel: DM, viewing: { channelId, messageTs } }));

  it("summarizes the channel the user looks at from its latest messages, citing them by permalink", async () => {
    const launch = h.slack.seedMessage({ channel: OPEN, user: BOB, text: "Launch moves to March 3." });
    h.slack.seedMessage({ channel: OPEN, user: ALICE, text: "Then QA needs the build by Feb 20." });
    h.llm.setFallback({
      kind: "stream",
      pieces: ["The launch moved to March 3 [2]; QA needs the build by Feb 20 [1]."],
    });
    await looksAt(OPEN);
    await settled(h.core);
    const asked = await dm(h, "Summarize this");
    await settled(h.core);

    assert.match(prompt(), /Launch moves to March 3\./);
    assert.match(prompt(), /QA needs the build by Feb 20/);
    assert.match(prompt(), new RegExp(`<@${BOB}>`), "who said what");
    const reply = h.slack.thread(DM, asked).at(-1);
    // Renumbered in the order cited: Bob's message is [1] in the answer and first under Sources.
    assert.match(reply?.text ?? "", /March 3 \[1\]; QA needs the build by Feb 20 \[2\]/);
    const permalink = `https://${TEAM.toLowerCase()}.slack.com/archives/${OPEN}/p${launch.replace(".", "")}`;
    assert.ok(JSON.stringify(reply?.blocks ?? []).includes(permalink), JSON.stringify(reply?.blocks));
    assert.deepEqual(h.slack.specViolations, []);
  });

  it("summarizes the thread of a message the user looks at, with reply permalinks", async () => {
    const root = h.slack.seedMessage({ channel: OPEN, user: BOB, text: "Incident: checkout errors" });
    const fix = h.slack.seedMessage({
      channel: OPEN,
      user: ALICE,
      text: "Rolled back 4.2, errors gone",
      threadTs: root,
    });
    h.llm.setFallback({ kind: "stream", pieces: ["Checkout failed and a rollback fixed it [1]."] });
    await looksAt(OPEN, fix);
    await settled(h.core);
    const asked = await dm(h, "what's going on in this thread?");
    await settled(h.core);

    assert.match(prompt(), /a thread in the channel/);
    assert.match(prompt(), /Rolled back 4\.2/);
    assert.match(prompt(), /Incident: checkout errors/);
    const blocks = JSON.stringify(h.slack.thread(DM, asked).at(-1)?.blocks ?? []);
    // mrkdwn escapes & in the link as &amp; (Slack reads it back as &).
    assert.ok(blocks.includes(`p${fix.replace(".", "")}?thread_ts=${root}&amp;cid=${OPEN}`), blocks);
  });

  it("refuses a channel the user is not a member of, without reading it or asking the model", async () => {
    h.slack.seedMessage({ channel: CLOSED, user: BOB, text: "Salary bands for 2027" });
    await looksAt(CLOSED);
    await settled(h.core);
    const asked = await dm(h, "summarize this channel");
    await settled(h.core);

    assert.equal(h.llm.requests.length, 0);
    assert.equal(h.slack.callsTo("conversations.history").length, 0, "not read for someone outside it");
    assert.match(h.slack.thread(DM, asked).at(-1)?.text ?? "", /can't see <#C0CTXCLOS1> for you/);
  });

  it("says it cannot see a channel it is not in", async () => {
    await looksAt(NOBOT);
    await settled(h.core);
    const asked = await dm(h, "tl;dr please");
    await settled(h.core);
    assert.equal(h.llm.requests.length, 0);
    assert.match(h.slack.thread(DM, asked).at(-1)?.text ?? "", /invite me/);
  });

  it("answers other questions as usual while the user looks at a channel", async () => {
    h.llm.setFallback({ kind: "stream", pieces: ["Paris."] });
    await looksAt(OPEN);
    await settled(h.core);
    await dm(h, "capital of France?");
    await settled(h.core);
    assert.equal(h.slack.callsTo("conversations.history").length, 0);
    assert.doesNotMatch(prompt(), /Launch moves/);
  });

  it("the Summarize thread shortcut answers only the user, with permalinks", async () => {
    const root = h.slack.seedMessage({ channel: OPEN, user: BOB, text: "Offsite: Lisbon or Porto?" });
    h.slack.seedMessage({ channel: OPEN, user: ALICE, text: "Porto, cheaper flights", threadTs: root });
    h.llm.setFallback({ kind: "stream", pieces: ["The team leans to Porto [1]."] });
    const shortcut = messageShortcut({
      callbackId: "summarize_thread",
      userId: ALICE,
      channelId: OPEN,
      messageTs: root,
      messageUser: BOB,
      responseUrl: h.slack.responseUrl(OPEN, ALICE),
    });
    const res = await postSlack(h.url, interactivityForm(shortcut), { secret: SIGNING_SECRET });
    assert.equal(res.status, 200);
    await waitFor(() => h.slack.ephemerals(OPEN).length >= 2, 5_000, "the summary");
    await settled(h.core);

    const [working, summary] = h.slack.ephemerals(OPEN);
    assert.equal(working?.user, ALICE);
    assert.match(working?.text ?? "", /Reading the thread/);
    assert.equal(summary?.user, ALICE);
    assert.match(summary?.text ?? "", /Porto \[1\]/);
    assert.ok(JSON.stringify(summary?.blocks ?? []).includes("/archives/C0CTXOPEN1/p"));
    assert.equal(h.slack.thread(OPEN, root).length, 2, "nothing posted in the thread for everyone");
    assert.match(prompt(), /Porto, cheaper flights/);
    assert.deepEqual(h.slack.specViolations, []);
  });

  it("the shortcut in a channel the bot is not in says so, only to the user", async () => {
    const root = h.slack.seedMessage({ channel: NOBOT, user: ALICE, text: "secret plans" });
    const shortcut = messageShortcut({
      callbackId: "summarize_thread",
      userId: ALICE,
      channelId: NOBOT,
      messageTs: root,
      responseUrl: h.slack.responseUrl(NOBOT, ALICE),
    });
    await postSlack(h.url, interactivityForm(shortcut), { secret: SIGNING_SECRET });
    await waitFor(() => h.slack.ephemerals(NOBOT).length >= 2, 5_000, "the refusal");
    assert.match(h.slack.ephemerals(NOBOT)[1]?.text ?? "", /invite me/);
    assert.equal(h.llm.requests.length, 0);
  });
});

describe("Slack without the agent view (SLACK_AGENT_VIEW=false)", { timeout: 30_000 }, () => {
  let h: SlackHarness;
  before(async () => {
    h = await startSlackHarness({ env: { SLACK_AGENT_VIEW: "false" } });
  });
  after(() => h.close());

  it("keeps top-level DMs one continuing conversation, replies top-level, and runs no sessions", async () => {
    h.llm.setFallback((req) => ({
      kind: "stream",
      pieces: [`echo ${(req.body as ChatBody).messages.at(-1)?.content}`],
    }));
    await dm(h, "one");
    await settled(h.core);
    await dm(h, "two");
    await settled(h.core);
    const sent = (h.llm.requests[1]?.body as ChatBody | undefined)?.messages.slice(1).map((m) => m.content);
    assert.deepEqual(sent, ["one", "echo one", "two"]);
    const topLevel = h.slack.channelMessages(DM).filter((m) => m.botId && !m.threadTs);
    assert.deepEqual(
      topLevel.map((m) => m.text),
      ["echo one", "echo two"],
    );
    const root = await ask(h, "a mention");
    await settled(h.core);
    assert.equal(h.slack.thread(CHANNEL, root).length, 2);
    assert.equal(h.slack.callsTo(SESSION).length, 0);
  });
});
