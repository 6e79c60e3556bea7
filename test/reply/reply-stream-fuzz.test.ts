import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SinkRateLimitedError } from "../../src/errors.js";
import { ReplyStream } from "../../src/reply/reply-stream.js";
import { FakeClock } from "../helpers/fake-clock.js";
import { RecordingSink } from "../helpers/recording-sink.js";

// Seeded random replies against a flaky, slow sink: whatever happens, the sink rules hold, the
// reply completes, and no text is lost across continuation messages.

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const WORDS = [
  "alpha",
  "beta",
  "gamma.",
  "delta!",
  "epsilon",
  "😀",
  "日本語。",
  "x".repeat(30),
  "\n",
  "\n\n",
];

function randomReply(rand: () => number): string {
  const parts: string[] = [];
  for (let i = 0; i < 120; i++) {
    if (rand() < 0.03) {
      const lines = Array.from({ length: 1 + Math.floor(rand() * 8) }, (_, j) => `  line_${i}_${j}()`);
      parts.push(`\n\`\`\`${rand() < 0.5 ? "ts" : ""}\n${lines.join("\n")}\n\`\`\`\n`);
    } else {
      parts.push(WORDS[Math.floor(rand() * WORDS.length)] ?? "", " ");
    }
  }
  return parts.join("");
}

/** Text with fence lines and whitespace removed, for comparing content across splits. */
const content = (text: string) =>
  text
    .split("\n")
    .filter((l) => !/^\s*```/.test(l))
    .join("")
    .replace(/\s/g, "");

describe("ReplyStream fuzz", () => {
  for (let seed = 1; seed <= 60; seed++) {
    it(`seed ${seed}`, async () => {
      const rand = prng(seed);
      const clock = new FakeClock();
      const sink = new RecordingSink(clock, {
        limits: { maxChars: 80 + Math.floor(rand() * 200), minIntervalMs: Math.floor(rand() * 300) },
        latencyMs: () => Math.floor(rand() * 120),
      });
      sink.script(() => {
        const r = rand();
        if (r < 0.08) return new SinkRateLimitedError(Math.floor(rand() * 2_000));
        if (r < 0.16) return new Error("flaky");
        return undefined;
      });
      const stream = new ReplyStream(sink, { clock });
      const text = randomReply(rand);
      const failAt = rand() < 0.3 ? Math.floor(rand() * text.length) : -1;
      let pos = 0;
      while (pos < text.length && pos !== failAt) {
        const n = Math.min(1 + Math.floor(rand() * 12), failAt > pos ? failAt - pos : text.length - pos);
        stream.push(text.slice(pos, pos + n));
        pos += n;
        await clock.advance(Math.floor(rand() * 40));
      }

      if (failAt >= 0) {
        await clock.run(stream.fail("Oops."));
        const last = sink.messages.at(-1)?.text ?? "";
        assert.ok(
          last === "Oops." || last.endsWith("\n\n⚠️ Oops.") || last === "⚠️ Oops.",
          JSON.stringify(last),
        );
      } else {
        await clock.run(stream.finish());
        assert.equal(content(sink.messages.map((m) => m.text).join("\n")), content(text));
      }
      assert.deepEqual(sink.violations, []);
      assert.equal(sink.maxConcurrent, 1);
      assert.deepEqual(sink.unfinished, []);
      assert.ok(text.startsWith(stream.visibleText));
    });
  }
});
