// Slack scenario: N concurrent mentions in one workspace, the model streaming T tokens. The
// doubles run in a child process (bench/slack-doubles.ts) so this process's CPU and memory are
// the bot's own. Slack's real rate tiers apply (time scale 1).
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { startSlack } from "../adapters/slack/slack-app.js";
import { createCore, createHttpServer } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { silentLogger } from "../src/log.js";
import { createMetrics } from "../src/metrics.js";
import { DEFAULT_API_KEY } from "../test/doubles/azure-openai.js";
import { DEFAULT_TEAM } from "../test/doubles/slack/web-api-double.js";
import { forkDoubles } from "./doubles-process.js";
import { BENCH_REDIS_URL, deleteKeys } from "./redis-keys.js";
import type { SlackBenchReport, SlackBenchSetup } from "./slack-doubles.js";
import { type Row, summarize } from "./stats.js";

const SECRET = "bench-signing-secret";

export async function benchSlack(replies = 20, tokens = 150, tokenDelayMs = 15): Promise<Row[]> {
  const setup: SlackBenchSetup = {
    replies,
    tokens,
    tokenDelayMs,
    timeScale: 1,
    channel: "C0000BENCH",
    user: DEFAULT_TEAM.users[1].id,
  };
  const child = forkDoubles(new URL("./slack-doubles.ts", import.meta.url));
  const ready = await child.ask<{ slackUrl: string; llmUrl: string; roots: string[] }>(
    { type: "start", setup },
    "ready",
  );

  const prefix = `bench:slack:${randomUUID()}:`;
  const config = loadConfig({
    AZURE_OPENAI_ENDPOINT: ready.llmUrl,
    AZURE_OPENAI_API_KEY: DEFAULT_API_KEY,
    AZURE_OPENAI_DEPLOYMENT: "gpt-4o",
    REDIS_URL: BENCH_REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    SLACK_BOT_TOKEN: DEFAULT_TEAM.botToken,
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: ready.slackUrl,
  });
  if (!config.slack) throw new Error("no Slack config");
  const core = await createCore(config, silentLogger, { metrics: createMetrics() });
  const server = createHttpServer(core, 0);
  const adapter = startSlack({ core, config: config.slack, server });
  await adapter.ready;
  const url = `http://127.0.0.1:${await server.listen()}/slack/events`;

  global.gc?.();
  const baseline = process.memoryUsage().heapUsed;
  let peak = baseline;
  const memorySampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 10);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { ackMs } = await child.ask<{ ackMs: number[] }>(
    { type: "fire", url, secret: SECRET, botUserId: DEFAULT_TEAM.botUserId },
    "acks",
  );
  await core.engine.idle();
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(memorySampler);

  const { report } = await child.ask<{ report: SlackBenchReport }>({ type: "report" }, "report");
  child.send({ type: "stop" });
  await adapter.stop();
  await server.close();
  await core.store.close();
  await deleteKeys(prefix);

  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);
  const perReply = Object.entries(report.callsByMethod)
    .filter(([m]) => m !== "auth.test")
    .sort()
    .map(([m, n]) => `${m} ${(n / replies).toFixed(1)}`)
    .join(", ");
  return [
    summarize(`ack latency (${replies} mentions at once)`, ackMs),
    summarize("bot overhead to first visible text, beyond the model's first token", report.overheadMs),
    {
      name: "mean staleness of visible text",
      value: `${mean(report.stalenessMs).toFixed(0)} ms (max reply ${Math.max(...report.stalenessMs).toFixed(0)} ms)`,
    },
    { name: "Slack calls per reply", value: perReply },
    { name: "429 responses from Slack", value: String(report.rateLimited) },
    { name: "final texts exact", value: `${report.exactFinals}/${replies}` },
    { name: "bot CPU per reply", value: `${((cpu.user + cpu.system) / 1000 / replies).toFixed(1)} ms` },
    {
      name: "bot memory per concurrent reply",
      value: `${((peak - baseline) / 1024 / replies).toFixed(0)} KiB (heap)`,
    },
    {
      name: "wall time",
      value: `${wallS.toFixed(1)} s for ${replies} replies of ${tokens} tokens (${tokenDelayMs} ms/token)`,
    },
    { name: "Slack spec violations", value: String(report.specViolations) },
  ];
}
