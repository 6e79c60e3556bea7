// How an answer reaches a Slack user: native streaming and its fallbacks (streaming unavailable,
// expired streams, the user's stop), classic mrkdwn post-and-edit, continuation of long answers,
// Slack's 429s and API errors, an LLM failure mid-answer, and many replies sharing one workspace's
// rate budget. Every test reads the thread the way a Slack user sees it, and ends with no reply
// still streaming or showing the placeholder, and no call the Slack double finds against its docs.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import type { DestinationStream } from "pino";
import { createLogger } from "../../../src/log.js";
import { type AzureOpenAIDouble, startAzureOpenAIDouble } from "../../doubles/azure-openai.js";
import { appMentionEvent, messageEvent } from "../../doubles/slack/event-payloads.js";
import { ALICE, BOT_USER } from "../../doubles/slack/test-support.js";
import type { RecordedCall, VisibleMessage } from "../../doubles/slack/web-api-double.js";
import { type SlackHarness, settled, startSlackHarness, waitFor } from "./harness.js";

const CHANNEL = "C0STREAM01";
/** chat.startStream answers channel_type_not_supported here. */
const NO_STREAM_CHANNEL = "C0NOSTRM01";
const THINKING_PLACEHOLDER = "_Thinking…_";
const CUT_NOTE = "The answer was cut off because the connection to the AI service broke. Please try again.";
const GENERIC_FAILURE = "Something went wrong on my side and I could not answer. Please try again.";
/** Slack's Retry-After in these tests, in seconds (the double never sends less than 1). */
const RETRY_AFTER_S = 1;
/** Calls after a 429 may not come sooner than this (ms): Retry-After, less clock rounding. */
const RETRY_AFTER_MIN_GAP_MS = RETRY_AFTER_S * 1_000 - 10;

const SENTENCE = "The quick brown fox jumps over the lazy dog and keeps on running. ";

/** `count` paragraphs of about 480 characters each, numbered from `from`. */
function paragraphs(count: number, from = 1): string[] {
  return Array.from({ length: count }, (_, i) => `Paragraph ${from + i}. ${SENTENCE.repeat(7).trim()}`);
}

/** Paragraphs as LLM pieces, one each, the blank line before a paragraph in its piece. */
function paragraphPieces(paras: string[]): string[] {
  return paras.map((p, i) => (i === 0 ? p : `\n\n${p}`));
}

/** A slow answer: `pieces` `delayMs` apart. */
function slowAnswer(pieces: string[], delayMs = 60) {
  return { kind: "stream" as const, pieces, delayMs };
}

interface ChatBody {
  messages: Array<{ role: string; content: string }>;
}

/** One JSON line of the bot's log. */
type LogLine = Record<string, unknown>;

function memoryLog(): { lines: LogLine[]; stream: DestinationStream } {
  const lines: LogLine[] = [];
  const stream = {
    write(chunk: string) {
      for (const line of chunk.split("\n")) if (line.trim() !== "") lines.push(JSON.parse(line) as LogLine);
    },
  };
  return { lines, stream };
}

/** Alice mentions the bot with `question` in `channel`; returns the mention's ts (the thread root). */
async function ask(h: SlackHarness, question: string, channel = CHANNEL): Promise<string> {
  const text = `<@${BOT_USER}> ${question}`;
  const ts = h.slack.seedMessage({ channel, user: ALICE, text });
  const res = await h.sendEvent(appMentionEvent({ user: ALICE, channel, ts, text }));
  assert.equal(res.status, 200);
  return ts;
}

/** Waits until `n` completions were requested and every turn has finished. */
async function answered(h: SlackHarness, n = 1, timeoutMs = 5_000): Promise<void> {
  await waitFor(() => h.llm.requests.length >= n, timeoutMs, `${n} completion request(s)`);
  await settled(h.core, timeoutMs);
}

/** The bot's replies under a thread root, as a user sees them. */
function replies(h: SlackHarness, channel: string, rootTs: string): VisibleMessage[] {
  return h.slack.thread(channel, rootTs).filter((m) => m.ts !== rootTs);
}

function hasFeedback(message: { blocks?: unknown } | undefined): boolean {
  return JSON.stringify(message?.blocks ?? []).includes('"feedback_buttons"');
}

/** Nothing is left half-done: no message still streaming, none showing the thinking placeholder. */
function assertFinished(messages: VisibleMessage[]): void {
  for (const m of messages) {
    assert.notEqual(m.streaming, "streaming", `message ${m.ts} is still streaming`);
    assert.notEqual(m.text, THINKING_PLACEHOLDER, `message ${m.ts} still shows the placeholder`);
  }
}

function okCalls(calls: RecordedCall[]): RecordedCall[] {
  return calls.filter((c) => c.body.ok === true);
}

/** The ts of the first stream the bot started, once it has started one. */
function streamTs(h: SlackHarness): Promise<string> {
  return waitFor(
    () => {
      const ts = okCalls(h.slack.callsTo("chat.startStream"))[0]?.body.ts;
      return typeof ts === "string" ? ts : undefined;
    },
    5_000,
    "a started stream",
  );
}

/** Waits for the bot's first successful chat.appendStream. */
async function firstAppend(h: SlackHarness): Promise<void> {
  await waitFor(() => okCalls(h.slack.callsTo("chat.appendStream")).length > 0, 5_000, "an append");
}

/** The single 429 the double answered, and the `methods` calls that came after it. */
function callsAfter429(h: SlackHarness, methods: string[]): { gapsMs: number[]; count: number } {
  const limited = h.slack.calls.filter((c) => c.status === 429);
  assert.equal(limited.length, 1);
  const at = limited[0]?.time ?? 0;
  const later = h.slack.calls.filter((c) => c.time > at && methods.includes(c.method));
  return { gapsMs: later.map((c) => c.time - at), count: later.length };
}

// The suites have a bot each and run side by side; the tests of one suite run one after another.
describe("Slack streaming", { concurrency: true }, () => {
  describe("SLACK_STREAMING=auto", { concurrency: false }, () => {
    let h: SlackHarness;
    let llm: AzureOpenAIDouble;
    const log = memoryLog();

    before(async () => {
      // Chunks 30 ms apart unless a script says otherwise, so a `cut` comes after text was shown.
      llm = await startAzureOpenAIDouble({ chunkDelayMs: 30 });
      h = await startSlackHarness({ llm, logger: createLogger("info", log.stream) });
      h.slack.setStreamingUnavailable(NO_STREAM_CHANNEL);
    });
    after(async () => {
      await h.close();
      await llm.close();
    });
    beforeEach(() => {
      h.slack.reset();
      h.llm.reset();
      log.lines.length = 0;
    });

    it("streams natively: text shows before the answer ends, and the end carries feedback", async () => {
      const pieces = ["Streaming ", "shows ", "the ", "text ", "while ", "the ", "model ", "writes."];
      const answer = pieces.join("");
      h.llm.script(slowAnswer(pieces));
      const root = await ask(h, "stream please");

      const partial = await waitFor(
        () => {
          const shown = replies(h, CHANNEL, root)[0];
          return shown?.streaming === "streaming" && shown.text !== "" ? shown.text : undefined;
        },
        5_000,
        "text shown while streaming",
      );
      assert.ok(answer.startsWith(partial) && partial.length < answer.length, `shown early: ${partial}`);
      await answered(h);

      const thread = replies(h, CHANNEL, root);
      assert.deepEqual(
        thread.map((m) => m.text),
        [answer],
      );
      assertFinished(thread);
      assert.equal(thread[0]?.streaming, "stopped");
      assert.ok(hasFeedback(thread[0]), "feedback buttons under the answer");
      const methods = h.slack.calls.map((c) => c.method);
      assert.ok(methods.indexOf("assistant.threads.setStatus") < methods.indexOf("chat.startStream"));
      assert.equal(h.slack.callsTo("chat.startStream").length, 1);
      assert.ok(h.slack.callsTo("chat.appendStream").length >= 1, "at least one append");
      const stops = h.slack.callsTo("chat.stopStream");
      assert.equal(stops.length, 1);
      assert.ok(hasFeedback(stops[0]?.args), "chat.stopStream carries the feedback buttons");
      assert.equal(h.slack.callsTo("chat.postMessage").length, 0);
      assert.equal(h.slack.status(CHANNEL, root), undefined, "the thinking status is gone");
      assert.deepEqual(h.slack.specViolations, []);
    });

    it("posts and edits where native streaming is unavailable, with the same final text", async () => {
      const pieces = ["No ", "native ", "streaming ", "here, ", "so ", "I ", "edit ", "**one** message."];
      const answer = pieces.join("");
      h.llm.script(slowAnswer(pieces));
      const root = await ask(h, "where am I?", NO_STREAM_CHANNEL);

      const partial = await waitFor(
        () => {
          const shown = replies(h, NO_STREAM_CHANNEL, root)[0]?.text;
          return shown && shown !== answer ? shown : undefined;
        },
        5_000,
        "partial text shown",
      );
      assert.ok(answer.startsWith(partial), `shown early: ${partial}`);
      await answered(h);

      const thread = replies(h, NO_STREAM_CHANNEL, root);
      assert.deepEqual(
        thread.map((m) => m.text),
        [answer],
      );
      assertFinished(thread);
      assert.equal(thread[0]?.streaming, undefined, "an ordinary message");
      assert.ok(hasFeedback(thread[0]), "feedback buttons under the answer");
      assert.deepEqual(
        h.slack.callsTo("chat.startStream").map((c) => c.body.error),
        ["channel_type_not_supported"],
      );
      assert.equal(h.slack.callsTo("chat.appendStream").length, 0);
      const posts = okCalls(h.slack.callsTo("chat.postMessage"));
      assert.equal(posts.length, 1);
      const updates = okCalls(h.slack.callsTo("chat.update"));
      assert.ok(updates.length >= 2, "edited while the answer grew, then finished");
      assert.ok(
        updates.every((u) => u.args.ts === posts[0]?.body.ts),
        "every edit is on the posted message",
      );
      assert.deepEqual(h.slack.specViolations, []);
    });

    it("continues an expired stream on the same message with chat.update, losing and repeating nothing", async () => {
      const pieces = [
        "One ",
        "two ",
        "three ",
        "four ",
        "five ",
        "six ",
        "seven ",
        "eight ",
        "nine ",
        "ten.",
      ];
      const answer = pieces.join("");
      h.llm.script(slowAnswer(pieces));
      const root = await ask(h, "count to ten");
      const ts = await streamTs(h);
      await firstAppend(h);
      h.slack.expireStream(CHANNEL, ts);
      await answered(h);

      const thread = replies(h, CHANNEL, root);
      assert.deepEqual(
        thread.map((m) => m.text),
        [answer],
      );
      assert.equal(thread[0]?.ts, ts, "the same message");
      assertFinished(thread);
      assert.ok(hasFeedback(thread[0]));
      const refused = [...h.slack.callsTo("chat.appendStream"), ...h.slack.callsTo("chat.stopStream")].filter(
        (c) => c.body.error === "message_not_in_streaming_state",
      );
      assert.equal(refused.length, 1, "one refused stream call, then edits");
      const updates = okCalls(h.slack.callsTo("chat.update"));
      assert.ok(updates.length >= 1);
      assert.ok(updates.every((u) => u.args.ts === ts));
      const firstEdit = String(updates[0]?.args.markdown_text ?? updates[0]?.args.text);
      assert.ok(firstEdit.startsWith("One two "), `the first edit holds the whole text so far: ${firstEdit}`);
      assert.deepEqual(h.slack.specViolations, []);
    });

    it("edits an expired stream back when the answer is split inside what it already shows", async () => {
      // The stream shows `a`, then expires; `b` takes the answer past 12,000 characters and the cut
      // falls at the last paragraph break, inside what the stream shows: stop fails, edit instead.
      const unfinished = `A long paragraph begins. ${SENTENCE.repeat(10)}`;
      const a = `${paragraphs(20).join("\n\n")}\n\n${unfinished}`;
      const b = `${SENTENCE.repeat(35).trim()}\n\n${paragraphs(4, 21).join("\n\n")}`;
      const answer = a + b;
      const cut = a.length - unfinished.length - 2;
      assert.ok(a.length < 12_000 && answer.length > 12_000 && answer.indexOf("\n\n", cut + 2) > 12_000);
      h.llm.script(slowAnswer([a, b], 150));
      const root = await ask(h, "a long one");
      const ts = await streamTs(h);
      await waitFor(() => h.slack.visibleText(CHANNEL, ts) === a, 5_000, "the first part shown");
      h.slack.expireStream(CHANNEL, ts);
      await answered(h);

      const thread = replies(h, CHANNEL, root);
      assert.deepEqual(
        thread.map((m) => m.text),
        [answer.slice(0, cut), answer.slice(cut + 2)],
      );
      assert.equal(thread[0]?.ts, ts, "the expired message itself was edited");
      assertFinished(thread);
      assert.deepEqual(
        thread.map((m) => hasFeedback(m)),
        [false, true],
      );
      assert.deepEqual(h.slack.specViolations, []);
    });

    it("stops writing to a message when the user presses stop, keeping what was shown", async () => {
      const pieces = ["Alpha ", "beta ", "gamma ", "delta ", "epsilon ", "zeta ", "eta ", "theta."];
      const answer = pieces.join("");
      h.llm.script(slowAnswer(pieces), { kind: "stream", pieces: ["Noted."] });
      const root = await ask(h, "greek letters");
      const ts = await streamTs(h);
      await firstAppend(h);
      h.slack.stopStreamAsUser(CHANNEL, ts);
      const shownAtStop = h.slack.visibleText(CHANNEL, ts) ?? "";
      const callsAtStop = h.slack.calls.length;
      await answered(h);

      const thread = replies(h, CHANNEL, root);
      assert.deepEqual(
        thread.map((m) => m.text),
        [shownAtStop],
        "the text shown at the stop stays",
      );
      assert.ok(answer.startsWith(shownAtStop) && shownAtStop.length < answer.length);
      assert.equal(thread[0]?.streaming, "stopped");
      const later = h.slack.calls.slice(callsAtStop).filter((c) => c.method.startsWith("chat."));
      assert.ok(later.length <= 1, "at most one call learns of the stop");
      assert.ok(later.every((c) => c.body.error === "stopped_by_user"));

      // History keeps what the user saw, not what the model would have gone on to write.
      const followUp = h.slack.seedMessage({ channel: CHANNEL, user: ALICE, text: "thanks", threadTs: root });
      await h.sendEvent(
        messageEvent({ user: ALICE, channel: CHANNEL, ts: followUp, threadTs: root, text: "thanks" }),
      );
      await answered(h, 2);
      const prompt = (h.llm.requests[1]?.body ?? { messages: [] }) as ChatBody;
      assert.deepEqual(
        prompt.messages.slice(1).map((m) => [m.role, m.content]),
        [
          ["user", "greek letters"],
          ["assistant", shownAtStop],
          ["user", "thanks"],
        ],
      );
      assert.deepEqual(
        replies(h, CHANNEL, root).map((m) => m.text),
        [shownAtStop, "thanks", "Noted."],
      );
      assert.deepEqual(h.slack.specViolations, []);
    });

    it("posts no continuation messages after the user pressed stop", async () => {
      h.llm.script(slowAnswer(paragraphPieces(paragraphs(32)), 20));
      const root = await ask(h, "write a lot, slowly");
      const ts = await streamTs(h);
      await firstAppend(h);
      h.slack.stopStreamAsUser(CHANNEL, ts);
      const shownAtStop = h.slack.visibleText(CHANNEL, ts) ?? "";
      await answered(h);

      const thread = replies(h, CHANNEL, root);
      assert.deepEqual(
        thread.map((m) => m.text),
        [shownAtStop],
      );
      assert.equal(thread[0]?.streaming, "stopped");
      assert.equal(h.slack.callsTo("chat.startStream").length, 1);
      assert.equal(h.slack.callsTo("chat.postMessage").length, 0);
      assert.deepEqual(h.slack.specViolations, []);
    });

    it("continues a long answer in new messages of the thread, each within Slack's limits", async () => {
      const paras = paragraphs(32);
      const answer = paras.join("\n\n");
      assert.ok(answer.length > 12_000);
      h.llm.script(slowAnswer(paragraphPieces(paras), 5));
      const root = await ask(h, "write a lot");
      await answered(h);

      const thread = replies(h, CHANNEL, root);
      assert.ok(thread.length >= 2, `continued in ${thread.length} messages`);
      assertFinished(thread);
      for (const m of thread) assert.ok(m.text.length <= 12_000, `a message of ${m.text.length} characters`);
      assert.equal(thread.map((m) => m.text.trim()).join("\n\n"), answer, "nothing lost or repeated");
      assert.deepEqual(
        thread.map((m) => hasFeedback(m)),
        thread.map((_, i) => i === thread.length - 1),
        "feedback only under the last message",
      );
      assert.deepEqual(h.slack.rateLimited, {});
      assert.deepEqual(h.slack.specViolations, []);
    });

    it("waits for Retry-After before the next append when Slack answers 429 to one; the end is not held", async () => {
      const pieces = ["Rate ", "limits ", "are ", "respected ", "and ", "nothing ", "is ", "lost."];
      const answer = pieces.join("");
      h.llm.script(slowAnswer(pieces, 40));
      h.slack.failNext("chat.appendStream", "ratelimited", { status: 429, retryAfterSeconds: RETRY_AFTER_S });
      const root = await ask(h, "go");
      await answered(h, 1, 8_000);

      const thread = replies(h, CHANNEL, root);
      assert.deepEqual(
        thread.map((m) => m.text),
        [answer],
      );
      assertFinished(thread);
      assert.ok(hasFeedback(thread[0]));
      assert.deepEqual(h.slack.rateLimited, { "chat.appendStream": 1 });
      // Slack's limits are per method: only appends wait; the stop (another method) may come sooner.
      const { gapsMs } = callsAfter429(h, ["chat.appendStream"]);
      for (const gap of gapsMs) assert.ok(gap >= RETRY_AFTER_MIN_GAP_MS, `an append ${gap} ms after the 429`);
      const { count } = callsAfter429(h, ["chat.appendStream", "chat.stopStream", "chat.update"]);
      assert.ok(count >= 1 && count <= 2, `${count} calls to catch up`);
      assert.deepEqual(h.slack.specViolations, []);
    });

    it("neither duplicates nor strands a continuation message whose stop got a 429", async () => {
      const answer = paragraphs(40).join("\n\n");
      assert.ok(answer.length > 12_000 && answer.length < 24_000);
      // One piece: the first message is complete before it is posted (start, then stop at once).
      h.llm.script({ kind: "stream", pieces: [answer], delayMs: 0 });
      h.slack.failNext("chat.stopStream", "ratelimited", { status: 429, retryAfterSeconds: RETRY_AFTER_S });
      const root = await ask(h, "all at once");
      await answered(h, 1, 8_000);

      const thread = replies(h, CHANNEL, root);
      assertFinished(thread);
      assert.equal(thread.length, 2);
      assert.equal(thread.map((m) => m.text.trim()).join("\n\n"), answer);
      assert.equal(okCalls(h.slack.callsTo("chat.startStream")).length, 2, "one stream per message");
      assert.deepEqual(h.slack.rateLimited, { "chat.stopStream": 1 });
      const { gapsMs } = callsAfter429(h, ["chat.stopStream"]);
      for (const gap of gapsMs) assert.ok(gap >= RETRY_AFTER_MIN_GAP_MS, `a stop ${gap} ms after the 429`);
      assert.deepEqual(h.slack.specViolations, []);
    });

    it("logs Slack API errors with the method and a hint, and goes on answering", async () => {
      h.slack.failNext("chat.startStream", "not_in_channel");
      h.llm.script({ kind: "stream", pieces: ["First."] });
      const first = await ask(h, "one");
      await answered(h, 1);

      h.slack.failNext("chat.postMessage", "channel_not_found");
      h.llm.script({ kind: "stream", pieces: ["Second."] });
      const second = await ask(h, "two", NO_STREAM_CHANNEL);
      await answered(h, 2);

      h.llm.script({ kind: "stream", pieces: ["Third."] });
      const third = await ask(h, "three");
      await answered(h, 3);

      const logged = (method: string, slackError: string) =>
        log.lines.find((l) => l.method === method && l.slackError === slackError);
      const notInChannel = logged("chat.startStream", "not_in_channel");
      assert.ok(notInChannel, "the chat.startStream failure is logged");
      assert.equal(notInChannel.level, "warn");
      assert.match(String(notInChannel.hint), /invite the bot/);
      const notFound = logged("chat.postMessage", "channel_not_found");
      assert.ok(notFound, "the chat.postMessage failure is logged");
      assert.equal(notFound.level, "warn");
      assert.match(String(notFound.hint), /invite it/);

      for (const [channel, root, text] of [
        [CHANNEL, first, "First."],
        [NO_STREAM_CHANNEL, second, "Second."],
        [CHANNEL, third, "Third."],
      ] as const) {
        const thread = replies(h, channel, root);
        assert.deepEqual(
          thread.map((m) => m.text),
          [text],
        );
        assertFinished(thread);
        assert.ok(hasFeedback(thread[0]));
      }
      assert.deepEqual(h.slack.specViolations, []);
    });

    it("shows the partial text and a short error note when the model's answer is cut off", async () => {
      // One piece, shown at once; the connection breaks 30 ms later. The shown text ends in a space
      // that the failure text drops, so the stream is stopped and the message edited.
      h.llm.script({ kind: "cut", pieces: ["The first part of the answer keeps going "] });
      const root = await ask(h, "tell me everything");
      const ts = await streamTs(h);
      await answered(h);

      const thread = replies(h, CHANNEL, root);
      assert.deepEqual(
        thread.map((m) => m.text),
        [`The first part of the answer keeps going\n\n⚠️ ${CUT_NOTE}`],
      );
      assert.equal(thread[0]?.ts, ts, "the note goes on the message that showed the partial text");
      assertFinished(thread);
      assert.equal(hasFeedback(thread[0]), false, "no feedback buttons under a failure");
      assert.equal(h.llm.requests.length, 1, "no retry once text was shown");
      assert.deepEqual(h.slack.specViolations, []);
    });
  });

  describe("SLACK_STREAMING=update", { concurrency: false }, () => {
    let h: SlackHarness;
    before(async () => {
      h = await startSlackHarness({ env: { SLACK_STREAMING: "update" } });
    });
    after(() => h.close());
    beforeEach(() => {
      h.slack.reset();
      h.llm.reset();
    });

    it("posts a placeholder, then edits it with classic mrkdwn text; the end has sections and feedback", async () => {
      const pieces = ["Here is **bold** ", "and `code`, ", "a [link](https://example.com) ", "and ~~gone~~."];
      const mrkdwn = "Here is *bold* and `code`, a <https://example.com|link> and ~gone~.";
      h.llm.script(slowAnswer(pieces));
      const root = await ask(h, "format");
      await answered(h);

      const thread = replies(h, CHANNEL, root);
      assert.deepEqual(
        thread.map((m) => m.text),
        [mrkdwn],
      );
      assertFinished(thread);
      const posts = h.slack.callsTo("chat.postMessage");
      assert.equal(posts.length, 1);
      assert.equal(posts[0]?.args.text, THINKING_PLACEHOLDER);
      assert.equal(posts[0]?.args.thread_ts, root);
      const updates = h.slack.callsTo("chat.update");
      assert.ok(updates.length >= 2, "edited while growing, then finished");
      for (const u of updates) {
        assert.equal(u.args.ts, posts[0]?.body.ts);
        assert.equal(u.args.markdown_text, undefined, "classic text, not markdown_text");
        assert.ok(mrkdwn.startsWith(String(u.args.text)), `mrkdwn text: ${String(u.args.text)}`);
      }
      const final = updates.at(-1)?.args;
      assert.equal(final?.text, mrkdwn);
      const blocks = (final?.blocks ?? []) as Array<{ type: string; text?: unknown }>;
      assert.deepEqual(
        blocks.map((b) => b.type),
        ["section", "context_actions"],
      );
      assert.deepEqual(blocks[0]?.text, { type: "mrkdwn", text: mrkdwn });
      assert.ok(hasFeedback(thread[0]));
      for (const method of ["chat.startStream", "chat.appendStream", "chat.stopStream"])
        assert.equal(h.slack.callsTo(method).length, 0, `${method} is not used`);
      assert.deepEqual(h.slack.specViolations, []);
    });

    it("waits for Retry-After when Slack answers 429 to an edit, and leaves no placeholder behind", async () => {
      const pieces = ["Edits ", "wait ", "for ", "the ", "rate ", "limit ", "to ", "pass."];
      const answer = pieces.join("");
      h.llm.script(slowAnswer(pieces, 40));
      h.slack.failNext("chat.update", "ratelimited", { status: 429, retryAfterSeconds: RETRY_AFTER_S });
      const root = await ask(h, "go");
      await answered(h, 1, 8_000);

      const thread = replies(h, CHANNEL, root);
      assert.deepEqual(
        thread.map((m) => m.text),
        [answer],
      );
      assertFinished(thread);
      assert.ok(hasFeedback(thread[0]));
      assert.deepEqual(h.slack.rateLimited, { "chat.update": 1 });
      const { gapsMs, count } = callsAfter429(h, ["chat.postMessage", "chat.update"]);
      assert.ok(count >= 1 && count <= 2, `${count} calls to catch up`);
      for (const gap of gapsMs) assert.ok(gap >= RETRY_AFTER_MIN_GAP_MS, `a call ${gap} ms after the 429`);
      assert.deepEqual(h.slack.specViolations, []);
    });
  });

  describe("SLACK_STREAMING=native", { concurrency: false }, () => {
    let h: SlackHarness;
    before(async () => {
      h = await startSlackHarness({ env: { SLACK_STREAMING: "native" } });
      h.slack.setStreamingUnavailable(NO_STREAM_CHANNEL);
    });
    after(() => h.close());

    it("turns unavailable native streaming into a short error reply, not a silent thread", async () => {
      h.llm.script({ kind: "stream", pieces: ["This ", "cannot ", "be ", "streamed."] });
      const root = await ask(h, "hello", NO_STREAM_CHANNEL);
      // ReplyStream tries the final text 5 times (0.5 + 1 + 2 + 4 s apart) before it gives up.
      await answered(h, 1, 15_000);

      const thread = replies(h, NO_STREAM_CHANNEL, root);
      assert.deepEqual(
        thread.map((m) => m.text),
        [GENERIC_FAILURE],
      );
      assertFinished(thread);
      assert.equal(hasFeedback(thread[0]), false);
      assert.equal(h.slack.status(NO_STREAM_CHANNEL, root), undefined, "no thinking status left behind");
      assert.deepEqual(
        h.slack.callsTo("chat.startStream").map((c) => c.body.error),
        ["channel_type_not_supported"],
        "asked once: retrying a refusal would only spend the Tier 2 budget",
      );
      assert.deepEqual(h.slack.specViolations, []);
    });
  });

  describe("many replies in one workspace", { concurrency: false }, () => {
    const TIME_SCALE = 0.02;
    let h: SlackHarness;
    before(async () => {
      h = await startSlackHarness({ timeScale: TIME_SCALE });
      h.slack.setStreamingUnavailable(NO_STREAM_CHANNEL);
    });
    after(() => h.close());

    it("answers 20 concurrent mentions exactly, without a single 429", async () => {
      const pieces = ["Answer ", "number ", "{n}: ", "every ", "word ", "arrives ", "in ", "order."];
      const expected = (n: number) => pieces.join("").replace("{n}", String(n));
      h.llm.setFallback((req) => {
        const question = (req.body as ChatBody).messages.at(-1)?.content;
        const n = /q(\d+)/.exec(question ?? "")?.[1] ?? "?";
        return slowAnswer(
          pieces.map((p) => p.replace("{n}", n)),
          10,
        );
      });
      const started = Date.now();
      // Three in four stream natively; the others post and edit in a channel without native streaming.
      const asked = await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const channel = i % 4 === 3 ? NO_STREAM_CHANNEL : CHANNEL;
          return { channel, root: await ask(h, `q${i}`, channel), text: expected(i) };
        }),
      );
      await answered(h, 20, 15_000);
      const elapsedMs = Date.now() - started;

      for (const { channel, root, text } of asked) {
        const thread = replies(h, channel, root);
        assert.deepEqual(
          thread.map((m) => m.text),
          [text],
          `thread ${channel}/${root}`,
        );
        assertFinished(thread);
        assert.ok(hasFeedback(thread[0]));
      }
      assert.deepEqual(h.slack.rateLimited, {}, "no 429 at all");
      assert.ok(elapsedMs < 10_000, `took ${elapsedMs} ms`);
      assert.deepEqual(h.slack.specViolations, []);
    });

    it("streams as many as Slack's stream tier allows; the others post and edit instead of waiting", async () => {
      h.slack.reset();
      // A fresh workspace budget: the previous test's streams are out of the (scaled) minute.
      await new Promise((r) => setTimeout(r, 60_000 * TIME_SCALE + 200));
      h.llm.setFallback((req) => {
        const n = /q(\d+)/.exec((req.body as ChatBody).messages.at(-1)?.content ?? "")?.[1] ?? "?";
        return slowAnswer([`Answer `, `${n} `, `in `, `full.`], 10);
      });
      const asked = await Promise.all(
        Array.from({ length: 24 }, async (_, i) => ({
          root: await ask(h, `q${i}`),
          text: `Answer ${i} in full.`,
        })),
      );
      await answered(h, 24, 15_000);
      for (const { root, text } of asked) {
        const thread = replies(h, CHANNEL, root);
        assert.deepEqual(
          thread.map((m) => m.text),
          [text],
        );
        assertFinished(thread);
      }
      // Tier 2: 20 starts (and stops) a minute; the four over it did not wait for the next minute.
      assert.equal(okCalls(h.slack.callsTo("chat.startStream")).length, 20);
      assert.equal(okCalls(h.slack.callsTo("chat.postMessage")).length, 4);
      assert.deepEqual(h.slack.rateLimited, {}, "no 429 at all");
      assert.deepEqual(h.slack.specViolations, []);
    });
  });
});

describe("Slack streams that end on Slack's side", { timeout: 30_000 }, () => {
  let h: SlackHarness;
  before(async () => {
    h = await startSlackHarness();
  });
  after(() => h.close());
  beforeEach(() => {
    h.slack.reset();
    h.llm.reset();
  });

  // Every code chat.appendStream and chat.stopStream document for a stream that ended other than by
  // the user's stop (specs/slack/docs.slack.dev/methods): the answer goes on by chat.update.
  const ENDINGS = [
    { method: "chat.appendStream", error: "message_not_in_streaming_state" },
    { method: "chat.stopStream", error: "message_not_in_streaming_state" },
  ];
  for (const { method, error } of ENDINGS) {
    it(`shows the whole answer when ${method} answers ${error} mid-answer`, async () => {
      const pieces = ["Every ", "word ", "of ", "this ", "answer ", "reaches ", "the ", "thread."];
      const answer = pieces.join("");
      h.llm.script(slowAnswer(pieces, 40));
      h.slack.failNext(method, error);
      const root = await ask(h, `end the stream at ${method}`);
      const ts = await streamTs(h);
      await answered(h);

      const thread = replies(h, CHANNEL, root);
      assert.deepEqual(
        thread.map((m) => m.text),
        [answer],
      );
      assert.equal(thread[0]?.ts, ts, "the streamed message itself");
      assertFinished(thread);
      assert.ok(hasFeedback(thread[0]), "feedback buttons on the final message");
      const refused = h.slack.calls.filter((c) => c.body.error === error);
      assert.deepEqual(
        refused.map((c) => c.method),
        [method],
        "one refused stream call, then edits",
      );
      const after = h.slack.calls.slice(h.slack.calls.indexOf(refused[0] as RecordedCall) + 1);
      const session = after.filter((c) => c.method === "agents.sessions.setStatus");
      assert.ok(
        after.every((c) => (c.method === "chat.update" && c.args.ts === ts) || session.includes(c)),
        "only edits of the same message after the end",
      );
      assert.deepEqual(
        session.map((c) => c.args.status),
        ["active"],
        "the agent session leaves processing by a call of its own (no stopStream carried it)",
      );
      assert.deepEqual(h.slack.rateLimited, {});
      assert.deepEqual(h.slack.specViolations, []);
    });
  }

  it("still stops when chat.appendStream answers stopped_by_user", async () => {
    const pieces = ["Only ", "the ", "start ", "of ", "this ", "is ", "ever ", "shown."];
    h.llm.script(slowAnswer(pieces, 40));
    const root = await ask(h, "stop me");
    const ts = await streamTs(h);
    await firstAppend(h);
    const shownAtStop = h.slack.visibleText(CHANNEL, ts) ?? "";
    h.slack.failNext("chat.appendStream", "stopped_by_user");
    await answered(h);

    const thread = replies(h, CHANNEL, root);
    assert.equal(thread.length, 1);
    assert.equal(thread[0]?.streaming, "stopped");
    const shown = thread[0]?.text ?? "";
    assert.ok(shown.startsWith(shownAtStop) && shown.length < pieces.join("").length, `kept: ${shown}`);
    const refusedAt = h.slack.calls.findIndex((c) => c.body.error === "stopped_by_user");
    assert.ok(refusedAt >= 0);
    assert.deepEqual(
      h.slack.calls.slice(refusedAt + 1).filter((c) => c.method.startsWith("chat.")),
      [],
      "nothing more after the stop",
    );
    assert.equal(hasFeedback(thread[0]), false);
    assert.deepEqual(h.slack.specViolations, []);
  });
});
