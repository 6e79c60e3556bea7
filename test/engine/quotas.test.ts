// Token quotas and the usage ledger, end to end: two bot cores (two replicas) on one real Redis, the
// real openai client against the Azure OpenAI double. Twenty questions at once from one user may
// overshoot a limit by one turn at most; a refused question is told the limit and its reset, and
// never reaches the model; the next UTC day starts afresh (a clock the test moves).
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, beforeEach, describe, it } from "node:test";
import { type Core, createCore } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { silentLogger } from "../../src/log.js";
import { createMetrics } from "../../src/metrics.js";
import { systemClock } from "../../src/reply/clock.js";
import type { Clock } from "../../src/reply/types.js";
import { type AzureOpenAIDouble, DEFAULT_API_KEY, startAzureOpenAIDouble } from "../doubles/azure-openai.js";
import { consoleMessage } from "../helpers/console-message.js";
import { RecordingSink } from "../helpers/recording-sink.js";

const REDIS_URL = `${process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379"}/3`;
/** Every answer costs 60 prompt + 40 completion tokens: 100 a turn. */
const PER_TURN = 100;
const LIMIT = 500;

/** Real time for pacing, with a `now` the test can move (to the next UTC day). */
class MovableClock implements Clock {
  offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return systemClock.sleep(ms, signal);
  }
}

describe("Token quotas across two replicas", { timeout: 60_000 }, () => {
  let double: AzureOpenAIDouble;
  let a: Core;
  let b: Core;
  const clock = new MovableClock();
  const sink = () => new RecordingSink(systemClock, { limits: { minIntervalMs: 5 }, begin: true });

  before(async () => {
    double = await startAzureOpenAIDouble();
  });
  after(async () => {
    await a?.store.close();
    await b?.store.close();
    await double.close();
  });
  beforeEach(async () => {
    await a?.store.close();
    await b?.store.close();
    double.reset();
    double.setFallback({
      kind: "stream",
      pieces: ["Fine."],
      delayMs: 20,
      usage: { promptTokens: 60, completionTokens: 40 },
    });
    clock.offset = 0;
    const config = loadConfig({
      AZURE_OPENAI_ENDPOINT: double.url,
      AZURE_OPENAI_API_KEY: DEFAULT_API_KEY,
      AZURE_OPENAI_DEPLOYMENT: "gpt-4o",
      REDIS_URL,
      REDIS_KEY_PREFIX: `test:quota:${randomUUID()}:`,
      // The reply budget is what a turn holds beyond its question: about one turn's worth.
      DEFAULT_MAX_TOKENS: "90",
      QUOTA_USER_TOKENS_PER_DAY: String(LIMIT),
      MODEL_PRICES: '{"gpt-4o":{"input":2.5,"output":10}}',
    });
    a = await createCore(config, silentLogger, { metrics: createMetrics(), clock });
    b = await createCore(config, silentLogger, { metrics: createMetrics(), clock });
  });

  it("twenty questions at once from one user overshoot the daily limit by one turn at most", async () => {
    const sinks = Array.from({ length: 20 }, () => sink());
    const outcomes = await Promise.all(
      sinks.map((s, i) =>
        (i % 2 === 0 ? a : b).engine.handle(consoleMessage(`question ${i}`, `thread-${i}`), s),
      ),
    );
    const answered = outcomes.filter((o) => o === "answered").length;
    const refused = outcomes.filter((o) => o === "refused").length;
    assert.equal(answered + refused, 20, outcomes.join(","));
    assert.equal(double.requests.length, answered, "a refused question never reaches the model");

    const day = new Date(clock.now()).toISOString().slice(0, 10);
    const usage = await a.store.usageReport("console:T", day);
    assert.equal(usage.users.U1?.turns, answered);
    assert.equal(usage.users.U1?.tokens, answered * PER_TURN);
    assert.ok(usage.users.U1.tokens <= LIMIT + PER_TURN, `used ${usage.users.U1?.tokens} of ${LIMIT}`);
    assert.ok(answered >= 3, `only ${answered} answered: the holds are too greedy`);
    // The estimated cost: 60 input at 2.5 and 40 output at 10 per million, per turn.
    assert.equal(usage.total.costMicros, answered * (60 * 2.5 + 40 * 10));
    // Either replica may have answered or refused: their metrics together.
    const metrics = (await a.metrics.registry.metrics()) + (await b.metrics.registry.metrics());
    assert.match(metrics, /bot_quota_refusals_total\{scope="user",period="day"\} \d+/);
    assert.match(metrics, /bot_usage_tokens_total\{model="gpt-4o",workspace="console:T",kind="prompt"\} \d+/);
  });

  it("refuses with the limit and its UTC reset, and answers again on the next UTC day", async () => {
    // Noon, UTC: the day has twelve hours left.
    const noon = new Date();
    noon.setUTCHours(12, 0, 0, 0);
    clock.offset = noon.getTime() - Date.now();
    for (let i = 0; i < 5; i++)
      assert.equal(await a.engine.handle(consoleMessage(`q${i}`, `t${i}`), sink()), "answered");
    const refused = sink();
    assert.equal(await b.engine.handle(consoleMessage("one more?", "t-more"), refused), "refused");
    const text = refused.messages.at(-1)?.text ?? "";
    assert.match(text, /your daily limit of 500 tokens \(all your conversations together\)/);
    const tomorrow = new Date(noon.getTime() + 86_400_000).toLocaleDateString("en-GB", {
      day: "numeric",
      month: "long",
      year: "numeric",
      timeZone: "UTC",
    });
    assert.match(text, new RegExp(`resets at 00:00 on ${tomorrow} \\(UTC\\)`));
    assert.equal(double.requests.length, 5);
    assert.equal(refused.messages.length, 1, "one reply, final");

    // Another user of the workspace is not held back by Alice's limit.
    const other = consoleMessage("and me?", "t-other", { userId: "U2" });
    assert.equal(await a.engine.handle(other, sink()), "answered");

    clock.offset += 12 * 3_600_000; // midnight UTC
    assert.equal(await b.engine.handle(consoleMessage("new day", "t-new"), sink()), "answered");
  });

  it("a failed turn gives back what it held", async () => {
    double.setFallback({ kind: "unauthorized" });
    for (let i = 0; i < 8; i++)
      assert.equal(await a.engine.handle(consoleMessage(`q${i}`, `f${i}`), sink()), "failed");
    double.setFallback({
      kind: "stream",
      pieces: ["Fine."],
      usage: { promptTokens: 60, completionTokens: 40 },
    });
    assert.equal(await a.engine.handle(consoleMessage("works now?", "f-ok"), sink()), "answered");
  });
});
