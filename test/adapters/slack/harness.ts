// A running bot for Slack tests: the real Bolt adapter on the shared HTTP server, the Slack Web API
// double, the Azure OpenAI double and a real Redis. Requests come in signed, over HTTP.
import { randomUUID } from "node:crypto";
import { type SlackAdapter, startSlack } from "../../../adapters/slack/slack-app.js";
import { type Core, createCore, createHttpServer } from "../../../src/app.js";
import { loadConfig } from "../../../src/config.js";
import { type Logger, silentLogger } from "../../../src/log.js";
import { createMetrics } from "../../../src/metrics.js";
import type { HttpServer } from "../../../src/server.js";
import {
  type AzureOpenAIDouble,
  DEFAULT_API_KEY,
  startAzureOpenAIDouble,
} from "../../doubles/azure-openai.js";
import { eventEnvelope } from "../../doubles/slack/event-payloads.js";
import { postSlack } from "../../doubles/slack/signing.js";
import { DEFAULT_TEAM, type SlackDouble, startSlackDouble } from "../../doubles/slack/web-api-double.js";

export const SIGNING_SECRET = "test-signing-secret-0123456789";
export const REDIS_URL = `${process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379"}/4`;

export interface SlackHarness {
  slack: SlackDouble;
  llm: AzureOpenAIDouble;
  core: Core;
  adapter: SlackAdapter;
  server: HttpServer;
  url: string;
  /** Posts a signed event envelope around `event`; returns the HTTP response. */
  sendEvent(event: object, options?: { eventId?: string; retryNum?: number }): Promise<Response>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  /** Share Redis keys with another harness (two bot processes). */
  keyPrefix?: string;
  slack?: SlackDouble;
  llm?: AzureOpenAIDouble;
  timeScale?: number;
  logger?: Logger;
  /** Azure AI Search clients: the search double's certificate. */
  search?: { ca?: string };
}

export async function startSlackHarness(options: HarnessOptions = {}): Promise<SlackHarness> {
  const timeScale = options.timeScale ?? 0.05;
  const slack = options.slack ?? (await startSlackDouble({ timeScale }));
  const llm = options.llm ?? (await startAzureOpenAIDouble());
  const config = loadConfig({
    AZURE_OPENAI_ENDPOINT: llm.url,
    AZURE_OPENAI_API_KEY: DEFAULT_API_KEY,
    AZURE_OPENAI_DEPLOYMENT: "gpt-4o",
    REDIS_URL,
    REDIS_KEY_PREFIX: options.keyPrefix ?? `test:slack:${randomUUID()}:`,
    SLACK_BOT_TOKEN: DEFAULT_TEAM.botToken,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.url,
    ...options.env,
  });
  if (!config.slack) throw new Error("Slack not configured");
  const logger = options.logger ?? silentLogger;
  const core = await createCore(config, logger, { metrics: createMetrics(), search: options.search });
  const server = createHttpServer(core, 0);
  const adapter = startSlack({ core, config: config.slack, server, rateTimeScale: timeScale });
  await adapter.ready;
  const url = `http://127.0.0.1:${await server.listen()}/slack/events`;
  return {
    slack,
    llm,
    core,
    adapter,
    server,
    url,
    sendEvent: (event, o = {}) =>
      postSlack(url, eventEnvelope(event, { eventId: o.eventId }), {
        secret: SIGNING_SECRET,
        retryNum: o.retryNum,
      }),
    async close() {
      await adapter.stop();
      await server.close();
      await core.engine.drain(1_000);
      await core.store.close();
      if (!options.slack) await slack.close();
      if (!options.llm) await llm.close();
    },
  };
}

/** Polls until `check` returns a value (not undefined/false), or fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => T | undefined | false,
  timeoutMs = 5_000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Resolves once every event sent so far is handled: an event counts as in flight from its ack, so
 * this needs no head start.
 */
export async function settled(core: Core, timeoutMs = 5_000): Promise<void> {
  await waitFor(() => core.engine.inFlight === 0, timeoutMs, "events to be handled");
}

let tsCounter = 0;
/** A fresh Slack message ts (seconds.micro), increasing. */
export function nextTs(): string {
  tsCounter += 1;
  // A second ahead of now, so it sorts after anything the double has posted so far.
  return `${Math.floor(Date.now() / 1000) + 1}.${String(100_000 + tsCounter).padStart(6, "0")}`;
}
