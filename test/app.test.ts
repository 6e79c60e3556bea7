// Graceful shutdown of the whole server: no new connections, a reply in flight gets its grace
// period and then a closing note, and the store is closed last.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { createCore, createHttpServer, shutdown } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { silentLogger } from "../src/log.js";
import { createMetrics } from "../src/metrics.js";
import { systemClock } from "../src/reply/clock.js";
import { type AzureOpenAIDouble, DEFAULT_API_KEY, startAzureOpenAIDouble } from "./doubles/azure-openai.js";
import { RecordingSink } from "./helpers/recording-sink.js";

describe("shutdown", () => {
  let double: AzureOpenAIDouble;
  before(async () => {
    double = await startAzureOpenAIDouble();
  });
  after(() => double.close());

  it("drains replies in flight, then closes", async () => {
    const config = loadConfig({
      AZURE_OPENAI_ENDPOINT: double.url,
      AZURE_OPENAI_API_KEY: DEFAULT_API_KEY,
      AZURE_OPENAI_DEPLOYMENT: "gpt-4o",
      REDIS_URL: `${process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379"}/3`,
      REDIS_KEY_PREFIX: `test:app:${randomUUID()}:`,
      SHUTDOWN_TIMEOUT_MS: "1500",
    });
    const core = await createCore(config, silentLogger, { metrics: createMetrics() });
    const server = createHttpServer(core, 0);
    const base = `http://127.0.0.1:${await server.listen()}`;
    assert.equal((await fetch(`${base}/readyz`)).status, 200);

    // One reply finishes within the grace period, one never would.
    double.script(
      { kind: "stream", pieces: ["quick ", "answer"], delayMs: 10 },
      { kind: "hang", pieces: ["Half"] },
    );
    const quick = new RecordingSink(systemClock, { limits: { minIntervalMs: 5 } });
    const stuck = new RecordingSink(systemClock, { limits: { minIntervalMs: 5 } });
    const msg = (thread: string) => ({
      id: thread,
      platform: "console",
      threadKey: `console:T:C:${thread}`,
      conversationScope: "console:T:C",
      workspaceScope: "console:T",
      userId: "U",
      text: "hi",
      rights: async () => ({ conversation: true, workspace: true }),
    });
    const turns = [core.engine.handle(msg("a"), quick), core.engine.handle(msg("b"), stuck)];
    while (double.requests.length < 2) await new Promise((r) => setTimeout(r, 5));

    const stopping = shutdown(core, server);
    assert.deepEqual(await Promise.all(turns), ["answered", "failed"]);
    await stopping;

    assert.equal(quick.messages.at(-1)?.text, "quick answer");
    assert.match(stuck.messages.at(-1)?.text ?? "", /^Half\n\n⚠️ I was restarting/);
    assert.deepEqual([...quick.unfinished, ...stuck.unfinished], []);
    assert.equal(await core.store.ping(), false, "the store is closed last");
    await assert.rejects(fetch(`${base}/healthz`), "the server no longer listens");
  });
});
