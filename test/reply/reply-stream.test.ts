import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BotError, isBotError, ReplyStoppedError, SinkRateLimitedError } from "../../src/errors.js";
import {
  FINAL_ATTEMPTS,
  MAX_CONSECUTIVE_UPDATE_FAILURES,
  ReplyStream,
} from "../../src/reply/reply-stream.js";
import { splitAll } from "../../src/reply/split.js";
import type { SinkLimits } from "../../src/reply/types.js";
import { FakeClock, flush } from "../helpers/fake-clock.js";
import { RecordingSink, type RecordingSinkOptions, type SinkCall } from "../helpers/recording-sink.js";

const T0 = 1_000_000; // FakeClock's default start

function setup(limits: Partial<SinkLimits> = {}, options: RecordingSinkOptions = {}) {
  const clock = new FakeClock(T0);
  const textAtCall = new Map<number, string>();
  let stream: ReplyStream | undefined;
  const sink = new RecordingSink(clock, {
    ...options,
    limits: { maxChars: 4_000, minIntervalMs: 1_000, ...limits },
    onCall: (call) => textAtCall.set(call.n, stream?.text ?? ""),
  });
  stream = new ReplyStream(sink, { clock });
  return { clock, sink, stream, textAtCall };
}

/** The sink rules every scenario must keep. */
function assertSinkRules(sink: RecordingSink): void {
  assert.deepEqual(sink.violations, []);
  assert.equal(sink.maxConcurrent <= 1, true, "calls overlapped");
  assert.deepEqual(sink.unfinished, [], "every posted message ends with a final call");
}

/** Pushes `count` tokens, one every `everyMs`, advancing the clock between them. */
async function streamTokens(clock: FakeClock, stream: ReplyStream, count: number, everyMs: number) {
  for (let i = 0; i < count; i++) {
    stream.push(`t${i} `);
    await clock.advance(everyMs);
  }
}

const postsAndUpdates = (sink: RecordingSink): SinkCall[] => sink.calls.filter((c) => c.method !== "begin");

describe("ReplyStream: first text and begin", () => {
  it("posts the first text as soon as it arrives", async () => {
    const { sink, stream } = setup();
    stream.push("Hel");
    await flush();
    assert.equal(sink.calls.length, 1);
    assert.deepEqual(
      {
        method: sink.calls[0]?.method,
        text: sink.calls[0]?.text,
        final: sink.calls[0]?.final,
        at: sink.calls[0]?.at,
      },
      { method: "post", text: "Hel", final: false, at: T0 },
    );
    assert.equal(stream.stats.firstVisibleAt, T0);
    assert.equal(stream.visibleText, "Hel");
    assert.equal(stream.messageCount, 1);
  });

  it("waits for non-blank text before posting", async () => {
    const { sink, stream } = setup();
    stream.push("\n ");
    await flush();
    assert.equal(sink.calls.length, 0);
    stream.push("Hi");
    await flush();
    assert.equal(sink.calls[0]?.text, "\n Hi");
  });

  it("calls sink.begin() and posts only after it settled", async () => {
    const { clock, sink, stream } = setup({}, { begin: true, beginLatencyMs: 50 });
    void stream.begin();
    stream.push("Hi");
    await clock.advance(49);
    assert.deepEqual(
      sink.calls.map((c) => c.method),
      ["begin"],
    );
    await clock.advance(1);
    assert.deepEqual(
      sink.calls.map((c) => [c.method, c.at - T0]),
      [
        ["begin", 0],
        ["post", 50],
      ],
    );
  });

  it("a failing begin() is not fatal", async () => {
    const { clock, sink, stream } = setup({}, { begin: new Error("status failed") });
    await stream.begin();
    stream.push("Answer");
    await clock.run(stream.finish());
    assert.deepEqual(sink.messages, [{ id: "m1", text: "Answer", final: true }]);
  });
});

describe("ReplyStream: pacing", () => {
  for (const minIntervalMs of [100, 1_000]) {
    it(`coalesces 1,000 tokens at 1 ms to one update per ${minIntervalMs} ms, each with the latest text`, async () => {
      const { clock, sink, stream, textAtCall } = setup({ minIntervalMs, maxChars: 100_000 });
      await streamTokens(clock, stream, 1_000, 1);
      await clock.run(stream.finish());

      const calls = postsAndUpdates(sink);
      const durationMs = 1_000;
      assert.ok(calls.length <= durationMs / minIntervalMs + 3, `${calls.length} calls`);
      assert.ok(calls.length >= durationMs / minIntervalMs, `${calls.length} calls`);
      for (const [i, call] of calls.entries()) {
        assert.equal(call.text, textAtCall.get(call.n), `call ${call.n} carries the latest text`);
        const previous = calls[i - 1];
        if (previous) assert.ok(call.at - previous.at >= minIntervalMs, `call ${call.n} too soon`);
      }
      assert.equal(calls.at(-1)?.final, true);
      assert.equal(calls.at(-1)?.text, stream.text);
      assert.equal(stream.stats.posts + stream.stats.updates, calls.length);
      assertSinkRules(sink);
    });
  }

  it("never overlaps calls with a slow sink, and paces from each call's start", async () => {
    const { clock, sink, stream, textAtCall } = setup({ minIntervalMs: 100 }, { latencyMs: 250 });
    await streamTokens(clock, stream, 300, 5);
    await clock.run(stream.finish());

    const calls = postsAndUpdates(sink);
    for (const [i, call] of calls.entries()) {
      const previous = calls[i - 1];
      if (!previous) continue;
      assert.ok(call.at >= (previous.endAt ?? Number.POSITIVE_INFINITY), "started before the previous ended");
      assert.ok(call.at - previous.at >= 100);
      if (!call.final) assert.equal(call.text, textAtCall.get(call.n));
    }
    // 1.5 s of tokens, 250 ms per call, back to back: about 6 calls plus the final.
    assert.ok(calls.length <= 8, `${calls.length} calls`);
    assert.equal(sink.messages[0]?.text, stream.text);
    assertSinkRules(sink);
  });

  it("after a 429 waits Retry-After, then sends one catch-up update with the latest text", async () => {
    const { clock, sink, stream, textAtCall } = setup({ minIntervalMs: 1_000 });
    sink.rateLimitOn(2, 5_000);
    await streamTokens(clock, stream, 1_000, 10);

    const calls = postsAndUpdates(sink);
    assert.deepEqual(
      calls.slice(0, 4).map((c) => [c.at - T0, c.outcome]),
      [
        [0, "ok"],
        [1_000, "rate_limited"],
        [6_000, "ok"],
        [7_000, "ok"],
      ],
    );
    assert.equal(calls[2]?.text, textAtCall.get(calls[2]?.n ?? 0));
    assert.equal(stream.stats.rateLimited, 1);
    await clock.run(stream.finish());
    assertSinkRules(sink);
  });

  it("tolerates failed intermediate updates; the next one retries with the latest text", async () => {
    const { clock, sink, stream } = setup({ minIntervalMs: 100 });
    sink.failOn(2).failOn(3);
    await streamTokens(clock, stream, 100, 10);
    await clock.run(stream.finish());

    const outcomes = postsAndUpdates(sink).map((c) => c.outcome);
    assert.deepEqual(outcomes.slice(0, 4), ["ok", "error", "error", "ok"]);
    assert.equal(stream.stats.failedCalls, 2);
    assert.deepEqual(sink.messages, [{ id: "m1", text: stream.text, final: true }]);
    assertSinkRules(sink);
  });

  it("skips updates whose kind of call has no room, without holding back the final call", async () => {
    const { clock, sink, stream } = setup({ minIntervalMs: 100, paceFinal: false });
    // Updates are refused for 10 s (a spent per-method budget); the final is another kind of call.
    sink.script((call) =>
      call.method === "update" && !call.final
        ? new SinkRateLimitedError(10_000, "budget spent", { updatesOnly: true })
        : undefined,
    );
    await streamTokens(clock, stream, 50, 10);
    const endedAt = clock.now();
    await clock.run(stream.finish());

    const calls = postsAndUpdates(sink);
    assert.equal(calls.filter((c) => c.method === "update" && !c.final).length, 1, "tried once, then held");
    assert.equal(calls.at(-1)?.at, endedAt, "the final went out at once");
    assert.equal(stream.stats.failedCalls, 0, "a skipped update is not a failure");
    assert.deepEqual(sink.messages, [{ id: "m1", text: stream.text, final: true }]);
    assertSinkRules(sink);
  });

  it(`stops intermediate updates after ${MAX_CONSECUTIVE_UPDATE_FAILURES} failures in a row; the final still lands`, async () => {
    const { clock, sink, stream } = setup({ minIntervalMs: 100 });
    sink.script((call) => (call.method === "update" && !call.final ? new Error("edit failed") : undefined));
    await streamTokens(clock, stream, 300, 10);
    await clock.run(stream.finish());

    const updates = postsAndUpdates(sink).filter((c) => c.method === "update");
    assert.equal(updates.filter((c) => !c.final).length, MAX_CONSECUTIVE_UPDATE_FAILURES);
    assert.deepEqual(sink.messages, [{ id: "m1", text: stream.text, final: true }]);
    assertSinkRules(sink);
  });

  it("abort() stops scheduled updates; finish() still delivers the final text", async () => {
    const { clock, sink, stream } = setup({ minIntervalMs: 100 });
    await streamTokens(clock, stream, 20, 10);
    const before = sink.calls.length;
    stream.abort();
    await streamTokens(clock, stream, 50, 10);
    assert.equal(sink.calls.length, before);
    await clock.run(stream.finish());
    assert.deepEqual(sink.messages, [{ id: "m1", text: stream.text, final: true }]);
  });
});

describe("ReplyStream: finish", () => {
  it("sends final=true even when the text did not change", async () => {
    const { clock, sink, stream } = setup();
    stream.push("Hello");
    await clock.advance(5_000);
    await clock.run(stream.finish());
    assert.deepEqual(
      postsAndUpdates(sink).map((c) => [c.method, c.text, c.final, c.at - T0]),
      [
        ["post", "Hello", false, 0],
        ["update", "Hello", true, 5_000],
      ],
    );
  });

  it("paces the final call like any update by default: the last words wait for the message's slot", async () => {
    const { clock, sink, stream } = setup({ minIntervalMs: 1_000 });
    stream.push("Hello");
    await clock.advance(200);
    stream.push(" world");
    await clock.run(stream.finish());
    assert.deepEqual(
      postsAndUpdates(sink).map((c) => [c.method, c.text, c.final, c.at - T0]),
      [
        ["post", "Hello", false, 0],
        ["update", "Hello world", true, 1_000],
      ],
    );
  });

  it("with paceFinal false the last words go out at once, intermediate updates still paced", async () => {
    const { clock, sink, stream } = setup({ minIntervalMs: 1_000, paceFinal: false });
    stream.push("Hello");
    await clock.advance(200);
    stream.push(" world");
    await clock.advance(200);
    stream.push(" again");
    await clock.run(stream.finish());
    assert.deepEqual(
      postsAndUpdates(sink).map((c) => [c.method, c.text, c.final, c.at - T0]),
      [
        ["post", "Hello", false, 0],
        ["update", "Hello world again", true, 400],
      ],
    );
    assertSinkRules(sink);
  });

  it("waits for the call in flight and lands the exact final text", async () => {
    const { clock, sink, stream } = setup({ minIntervalMs: 100 }, { latencyMs: 300 });
    stream.push("Hello");
    await clock.advance(10);
    stream.push(" world");
    const done = stream.finish();
    await clock.run(done);
    assert.deepEqual(
      postsAndUpdates(sink).map((c) => [c.method, c.text, c.final, c.at - T0]),
      [
        ["post", "Hello", false, 0],
        ["update", "Hello world", true, 300],
      ],
    );
    assertSinkRules(sink);
  });

  it("retries a failed final update with backoff until it lands", async () => {
    const { clock, sink, stream } = setup({ minIntervalMs: 100 });
    let finalFailures = 0;
    sink.script((call) => (call.final && finalFailures++ < 2 ? new Error("final failed") : undefined));
    stream.push("Answer");
    await clock.advance(1_000);
    await clock.run(stream.finish());
    assert.deepEqual(
      postsAndUpdates(sink).map((c) => [c.at - T0, c.final, c.outcome]),
      [
        [0, false, "ok"],
        [1_000, true, "error"],
        [1_500, true, "error"],
        [2_500, true, "ok"],
      ],
    );
    assert.deepEqual(sink.messages, [{ id: "m1", text: "Answer", final: true }]);
  });

  it("honours Retry-After on the final update", async () => {
    const { clock, sink, stream } = setup({ minIntervalMs: 100 });
    sink.rateLimitOn(2, 3_000);
    stream.push("Answer");
    await clock.advance(1_000);
    await clock.run(stream.finish());
    assert.deepEqual(
      postsAndUpdates(sink).map((c) => [c.at - T0, c.outcome]),
      [
        [0, "ok"],
        [1_000, "rate_limited"],
        [4_000, "ok"],
      ],
    );
  });

  it(`throws sink_failed when the final update fails ${FINAL_ATTEMPTS} times`, async () => {
    const { clock, sink, stream } = setup({ minIntervalMs: 100 });
    sink.script((call) => (call.final ? new Error("down") : undefined));
    stream.push("Answer");
    await clock.advance(1_000);
    await assert.rejects(clock.run(stream.finish()), (err: unknown) => isBotError(err, "sink_failed"));
    assert.equal(postsAndUpdates(sink).filter((c) => c.final).length, FINAL_ATTEMPTS);
  });

  it("a posted-at-once final when the first post failed and streaming gave up", async () => {
    const { clock, sink, stream } = setup({ minIntervalMs: 100 });
    sink.script((call) => (!call.final ? new Error("post failed") : undefined));
    await streamTokens(clock, stream, 100, 10);
    await clock.run(stream.finish());
    assert.deepEqual(sink.messages, [{ id: "m1", text: stream.text, final: true }]);
    assert.equal(stream.messageCount, 1);
  });

  it("throws internal when nothing was pushed, so the caller uses fail()", async () => {
    const { clock, sink, stream } = setup();
    await assert.rejects(
      stream.finish(),
      (err: unknown) => err instanceof BotError && err.code === "internal",
    );
    await clock.run(stream.fail("No answer came back."));
    assert.deepEqual(sink.messages, [{ id: "m1", text: "No answer came back.", final: true }]);
  });
});

describe("ReplyStream: continuation messages", () => {
  const paragraph = (i: number) => `Paragraph ${i} says something useful about the topic at hand.`;

  it("splits at maxChars as the text grows, finalizing each full message", async () => {
    const { clock, sink, stream } = setup({ maxChars: 200, minIntervalMs: 100 });
    const text = Array.from({ length: 12 }, (_, i) => paragraph(i)).join("\n\n");
    for (const ch of text.match(/.{1,7}/gs) ?? []) {
      stream.push(ch);
      await clock.advance(5);
    }
    await clock.run(stream.finish());

    assert.deepEqual(
      sink.messages.map((m) => m.text),
      splitAll(text, 200),
    );
    for (const m of sink.messages) {
      assert.equal(m.final, true);
      assert.match(m.text, /^Paragraph \d+/);
      assert.match(m.text, /topic at hand\.$/);
    }
    assert.equal(stream.messageCount, sink.messages.length);
    assert.equal(stream.visibleText, text);
    // Messages come in order: each is finalized before the next one is posted.
    const calls = postsAndUpdates(sink);
    for (const id of sink.messageIds.slice(0, -1)) {
      const finalAt = calls.findIndex((c) => c.handle === id && c.final && c.outcome === "ok");
      const nextPostAt = calls.findIndex((c, i) => i > finalAt && c.method === "post");
      assert.ok(finalAt >= 0 && nextPostAt > finalAt);
      assert.equal(
        calls.slice(nextPostAt).some((c) => c.handle === id),
        false,
      );
    }
    assertSinkRules(sink);
  });

  it("keeps code fences balanced across messages, reopening the language", async () => {
    const { clock, sink, stream } = setup({ maxChars: 120, minIntervalMs: 100 });
    const lines = Array.from({ length: 20 }, (_, i) => `    value_${i} = compute(${i})`);
    const text = `Here is the code:\n\n\`\`\`python\ndef main():\n${lines.join("\n")}\n\`\`\`\n\nThat is all.`;
    for (const ch of text.match(/.{1,5}/gs) ?? []) {
      stream.push(ch);
      await clock.advance(3);
    }
    await clock.run(stream.finish());

    const texts = sink.messages.map((m) => m.text);
    assert.ok(texts.length >= 4);
    for (const t of texts) {
      const fences = t.split("\n").filter((l) => l.startsWith("```")).length;
      assert.equal(fences % 2, 0, `unbalanced fences in ${JSON.stringify(t)}`);
    }
    for (const t of texts.slice(1, -1)) assert.ok(t.startsWith("```python\n"), JSON.stringify(t));
    // Indentation survives the cut: no code line lost its leading spaces.
    const codeLines = texts.flatMap((t) => t.split("\n")).filter((l) => l.includes("value_"));
    assert.deepEqual(codeLines, lines);
    assertSinkRules(sink);
  });

  it("handles one delta several messages long", async () => {
    const { clock, sink, stream } = setup({ maxChars: 50, minIntervalMs: 100 });
    const text = Array.from({ length: 40 }, (_, i) => `word${i}`).join(" ");
    stream.push(text);
    await clock.run(stream.finish());
    assert.deepEqual(
      sink.messages.map((m) => m.text),
      splitAll(text, 50),
    );
    assertSinkRules(sink);
  });

  it("a sealed message whose final fails is retried, then finish() reports sink_failed", async () => {
    const { clock, sink, stream } = setup({ maxChars: 50, minIntervalMs: 100 });
    sink.script((call) => (call.handle === "m1" && call.final ? new Error("down") : undefined));
    stream.push("First part of the answer, which is long enough to ");
    await clock.advance(10);
    stream.push("spill into a second message.");
    await assert.rejects(clock.run(stream.finish()), (err: unknown) => isBotError(err, "sink_failed"));
    assert.equal(sink.messages[1]?.final, true);
  });
});

describe("ReplyStream: fail", () => {
  const note = (msg: string) => `\n\n⚠️ ${msg}`;

  it("posts the user message alone when nothing was shown", async () => {
    const { clock, sink, stream } = setup({}, { begin: true });
    await stream.begin();
    await clock.run(stream.fail("The model is busy."));
    assert.deepEqual(sink.messages, [{ id: "m1", text: "The model is busy.", final: true }]);
    assert.equal(stream.visibleText, "");
  });

  it("posts the user message alone when text arrived but was never shown", async () => {
    const { clock, sink, stream } = setup({ minIntervalMs: 100 });
    sink.failOn(1);
    stream.push("Partial");
    await clock.advance(10);
    await clock.run(stream.fail("Cut off."));
    assert.deepEqual(sink.messages, [{ id: "m1", text: "Cut off.", final: true }]);
  });

  it("finalizes shown partial text with a note", async () => {
    const { clock, sink, stream } = setup({ minIntervalMs: 100 });
    await streamTokens(clock, stream, 10, 20);
    const partial = stream.text;
    await clock.run(stream.fail("The answer was cut off."));
    assert.deepEqual(sink.messages, [
      { id: "m1", text: partial.trimEnd() + note("The answer was cut off."), final: true },
    ]);
    assert.equal(stream.visibleText, partial.trimEnd());
    assertSinkRules(sink);
  });

  it("closes an open code fence before the note", async () => {
    const { clock, sink, stream } = setup({ minIntervalMs: 100 });
    stream.push("Try:\n```js\nconsole.log(");
    await clock.advance(10);
    await clock.run(stream.fail("Stopped."));
    assert.equal(sink.messages[0]?.text, `Try:\n\`\`\`js\nconsole.log(\n\`\`\`${note("Stopped.")}`);
  });

  it("keeps partial text plus note within maxChars", async () => {
    const { clock, sink, stream } = setup({ maxChars: 100, minIntervalMs: 100 });
    stream.push("word ".repeat(19));
    await clock.advance(10);
    await clock.run(stream.fail("Something went wrong."));
    const text = sink.messages[0]?.text ?? "";
    assert.ok(text.length <= 100, `${text.length}`);
    assert.ok(text.endsWith(note("Something went wrong.")));
    assert.equal(stream.visibleText.trimEnd(), text.slice(0, text.indexOf("\n\n⚠️")));
    assertSinkRules(sink);
  });

  it("works while an update is in flight, without overlapping it", async () => {
    const { clock, sink, stream } = setup({ minIntervalMs: 100 }, { latencyMs: 400 });
    stream.push("Hello");
    await clock.advance(50);
    stream.push(" there");
    const failed = stream.fail("Oops.");
    await clock.run(failed);
    assert.deepEqual(
      postsAndUpdates(sink).map((c) => [c.method, c.text, c.final, c.at - T0]),
      [
        ["post", "Hello", false, 0],
        ["update", `Hello there${note("Oops.")}`, true, 400],
      ],
    );
    assertSinkRules(sink);
  });

  it("works while rate limited, after Retry-After", async () => {
    const { clock, sink, stream } = setup({ minIntervalMs: 100 });
    sink.rateLimitOn(2, 3_000);
    await streamTokens(clock, stream, 20, 10);
    const failed = stream.fail("Oops.");
    await clock.run(failed);
    const calls = postsAndUpdates(sink);
    assert.deepEqual(calls.at(-1)?.at, T0 + 100 + 3_000);
    assert.equal(calls.at(-1)?.final, true);
    assertSinkRules(sink);
  });

  it("after a continuation, finalizes the full messages and notes the last", async () => {
    const { clock, sink, stream } = setup({ maxChars: 60, minIntervalMs: 100 });
    stream.push("First sentence fills the first message nicely. Second one");
    await clock.advance(200);
    stream.push(" starts the next message.");
    await clock.advance(10);
    await clock.run(stream.fail("Oops."));
    assert.deepEqual(
      sink.messages.map((m) => [m.text, m.final]),
      [
        ["First sentence fills the first message nicely.", true],
        [`Second one starts the next message.${note("Oops.")}`, true],
      ],
    );
    assertSinkRules(sink);
  });

  it("never throws, and gives up after bounded retries", async () => {
    const { clock, sink, stream } = setup({ minIntervalMs: 100 });
    sink.script((call) => (call.n > 1 ? new Error("down") : undefined));
    stream.push("Partial");
    await clock.advance(10);
    await clock.run(stream.fail("Oops."));
    assert.equal(postsAndUpdates(sink).length, 1 + FINAL_ATTEMPTS);
  });

  it("after finish() threw sink_failed, fail() tries again with the note", async () => {
    const { clock, sink, stream } = setup({ minIntervalMs: 100 });
    let failing = true;
    sink.script((call) => (call.final && failing ? new Error("down") : undefined));
    stream.push("Partial");
    await clock.advance(10);
    await assert.rejects(clock.run(stream.finish()), (err: unknown) => isBotError(err, "sink_failed"));
    failing = false;
    await clock.run(stream.fail("Could not deliver."));
    assert.deepEqual(sink.messages, [
      { id: "m1", text: `Partial${note("Could not deliver.")}`, final: true },
    ]);
  });

  it("is ignored after a successful finish()", async () => {
    const { clock, sink, stream } = setup();
    stream.push("Done");
    await clock.run(stream.finish());
    await clock.run(stream.fail("late"));
    assert.deepEqual(sink.messages, [{ id: "m1", text: "Done", final: true }]);
  });

  it("ignores text pushed after fail()", async () => {
    const { clock, sink, stream } = setup();
    await clock.run(stream.fail("Oops."));
    stream.push("late text");
    await clock.advance(5_000);
    assert.equal(postsAndUpdates(sink).length, 1);
    assert.equal(stream.text, "");
  });
});

describe("ReplyStream: shutdown signal", () => {
  it("aborting the signal stops updates; the listener is removed when the reply completes", async () => {
    const clock = new FakeClock(T0);
    const sink = new RecordingSink(clock, { limits: { minIntervalMs: 100 } });
    const controller = new AbortController();
    let listeners = 0;
    const signal = controller.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((...args: Parameters<typeof add>) => {
      listeners++;
      add(...args);
    }) as typeof add;
    signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
      listeners--;
      remove(...args);
    }) as typeof remove;

    const stream = new ReplyStream(sink, { clock, signal });
    assert.equal(listeners, 1);
    await streamTokens(clock, stream, 5, 10);
    controller.abort();
    const before = sink.calls.length;
    await streamTokens(clock, stream, 30, 10);
    assert.equal(sink.calls.length, before);
    await clock.run(stream.finish());
    assert.equal(listeners, 0);
    assert.deepEqual(sink.messages, [{ id: "m1", text: stream.text, final: true }]);
  });
});

describe("ReplyStream: the user stops the reply", () => {
  it("sends nothing more, keeps what was shown, and finishes quietly", async () => {
    const { clock, sink, stream } = setup();
    sink.failOn(3, new ReplyStoppedError());
    await streamTokens(clock, stream, 30, 100); // post, update, then the stop on the 3rd call
    const callsAtStop = postsAndUpdates(sink).length;
    assert.equal(stream.stoppedByUser, true);
    const shown = sink.messages[0]?.text ?? "";
    assert.equal(stream.visibleText, shown, "what the user saw");
    assert.ok(shown.length > 0 && shown.length < stream.text.length);

    stream.push("more text after the stop");
    await stream.finish();
    await stream.fail("should not be shown");
    await clock.advance(10_000);
    assert.equal(postsAndUpdates(sink).length, callsAtStop, "no call after the stop");
  });
});
