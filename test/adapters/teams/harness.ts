// A running bot for Teams tests: the real botbuilder adapter on the shared HTTP server, the Bot
// Connector double (activities carry its url as serviceUrl), the Azure OpenAI double, a real Redis.
import { randomUUID } from "node:crypto";
import type { TokenCredential } from "@azure/identity";
import { startTeams } from "../../../adapters/teams/teams-app.js";
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
import {
  type BotFrameworkAuthDouble,
  botFrameworkAuthSettings,
} from "../../doubles/botframework-auth/index.js";
import { type InboundActivity, type InboundBase, postActivity } from "../../doubles/teams/activities.js";
import { startConnectorDouble, type TeamsConnectorDouble } from "../../doubles/teams/connector-double.js";

export const BOT_APP_ID = "00000000-0000-0000-0000-0000000000b1";
const REDIS_URL = `${process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379"}/6`;

export interface TeamsHarness {
  connector: TeamsConnectorDouble;
  llm: AzureOpenAIDouble;
  core: Core;
  server: HttpServer;
  url: string;
  base: InboundBase;
  /** startTeams' `ready` (already marked handled: await it to see a refusal). */
  ready: Promise<void>;
  /** GET /readyz: 200 with no problems once everything answers. */
  readyz(): Promise<{ status: number; problems: Record<string, string> }>;
  post(
    activity: InboundActivity,
    options?: { authorization?: string },
  ): Promise<{ status: number; body: unknown }>;
  /** Waits until every reply started so far has finished. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export interface TeamsHarnessOptions {
  env?: Record<string, string>;
  timeScale?: number;
  logger?: Logger;
  /** Azure AI Search clients: the search double's certificate. */
  search?: { ca?: string };
  authOverrides?: Record<string, string | boolean>;
  connector?: Parameters<typeof startConnectorDouble>[0];
  graph?: { url?: string; credential?: TokenCredential };
}

export async function startTeamsHarness(options: TeamsHarnessOptions = {}): Promise<TeamsHarness> {
  const timeScale = options.timeScale ?? 0.05;
  const connector = await startConnectorDouble({ timeScale, ...options.connector });
  const llm = await startAzureOpenAIDouble();
  const config = loadConfig({
    AZURE_OPENAI_ENDPOINT: llm.url,
    AZURE_OPENAI_API_KEY: DEFAULT_API_KEY,
    AZURE_OPENAI_DEPLOYMENT: "gpt-4o",
    REDIS_URL,
    REDIS_KEY_PREFIX: `test:teams:${randomUUID()}:`,
    TEAMS_ENABLED: "true",
    ...options.env,
  });
  if (!config.teams) throw new Error("Teams not configured");
  const core = await createCore(config, options.logger ?? silentLogger, {
    metrics: createMetrics(),
    search: options.search,
  });
  const server = createHttpServer(core, 0);
  const { ready } = startTeams({
    core,
    config: config.teams,
    server,
    timeScale,
    authOverrides: options.authOverrides,
    graph: options.graph,
  });
  // A test that does not look at it must not fail on an unhandled rejection.
  ready.catch(() => {});
  const origin = `http://127.0.0.1:${await server.listen()}`;
  const url = `${origin}/api/messages`;
  return {
    connector,
    llm,
    core,
    server,
    url,
    base: { serviceUrl: connector.url, botAppId: config.teams.appId || BOT_APP_ID },
    ready,
    async readyz() {
      const res = await fetch(`${origin}/readyz`);
      const body = (await res.json()) as { problems?: Record<string, string> };
      return { status: res.status, problems: body.problems ?? {} };
    },
    post: (activity, o) => postActivity(url, activity, o),
    // An activity is in flight from before its HTTP answer: no head start needed.
    settled: () => core.engine.idle(),
    async close() {
      core.dependencies.stop(); // ends start-up retries still waiting
      await server.close();
      await core.engine.idle();
      await core.store.close();
      await connector.close();
      await llm.close();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// A bot registration played by the Bot Framework auth double.

/** The double's endpoint settings, minus the Microsoft* names the bot reads from its environment. */
export function identityEndpoints(double: BotFrameworkAuthDouble): Record<string, string | boolean> {
  return Object.fromEntries(
    Object.entries(botFrameworkAuthSettings(double)).filter(
      ([key, value]) => !key.startsWith("Microsoft") && value !== undefined,
    ),
  ) as Record<string, string | boolean>;
}

/** The environment a Teams admin sets for the bot registration the double stands for. */
export function adminEnvironment(double: BotFrameworkAuthDouble): Record<string, string> {
  const env: Record<string, string> = { MicrosoftAppId: double.appId, MicrosoftAppType: double.appType };
  if (double.appType !== "UserAssignedMSI") env.MicrosoftAppPassword = double.password;
  if (double.appType !== "MultiTenant") env.MicrosoftAppTenantId = double.tenantId;
  return env;
}

/** A debug logger whose lines are kept, parsed (one home: test/helpers/log-capture.ts). */
export { captureLogs } from "../../helpers/log-capture.js";
