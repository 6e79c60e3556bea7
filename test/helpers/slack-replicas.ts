// Several `npm start` processes behind one Slack app, sharing one Redis or a Redis Cluster, as a
// load balancer spreads them: for the replicas fault test and `npm run bench -- replicas`. Slack
// re-delivers an event whose ack it did not see; here each delivery can go to a different process.
import { randomUUID } from "node:crypto";
import { DEFAULT_API_KEY } from "../doubles/azure-openai.js";
import { eventEnvelope } from "../doubles/slack/event-payloads.js";
import { postSlack } from "../doubles/slack/signing.js";
import { DEFAULT_TEAM } from "../doubles/slack/web-api-double.js";
import { type BotProcess, startBotProcess, untilReady } from "./bot-process.js";

export const REPLICA_SIGNING_SECRET = "replicas-signing-secret";

export interface ReplicaSetup {
  count: number;
  slackUrl: string;
  llmUrl: string;
  /** One Redis node, or a cluster's seed node with `cluster`. */
  redisUrl: string;
  cluster?: boolean;
  env?: Record<string, string>;
  /** "dist": the built bot, as `npm start` runs it (benchmarks); default: the sources through tsx. */
  entry?: "source" | "dist";
}

export interface Replicas {
  bots: BotProcess[];
  keyPrefix: string;
  /**
   * Delivers one event to the processes named by index, all at once, as Slack does when it retries:
   * the same event_id, the retries with X-Slack-Retry-Num 1, 2, ... Returns the HTTP statuses.
   */
  deliver(event: object, to: number[], options?: { eventId?: string; teamId?: string }): Promise<number[]>;
  stop(): Promise<void>;
}

export async function startSlackReplicas(setup: ReplicaSetup): Promise<Replicas> {
  const keyPrefix = `test:replicas:${randomUUID()}:`;
  const bots = await Promise.all(
    Array.from({ length: setup.count }, () =>
      startBotProcess(
        {
          AZURE_OPENAI_ENDPOINT: setup.llmUrl,
          AZURE_OPENAI_API_KEY: DEFAULT_API_KEY,
          AZURE_OPENAI_DEPLOYMENT: "gpt-4o",
          REDIS_URL: setup.redisUrl,
          REDIS_CLUSTER: setup.cluster ? "true" : "false",
          REDIS_KEY_PREFIX: keyPrefix,
          SLACK_BOT_TOKEN: DEFAULT_TEAM.botToken,
          SLACK_SIGNING_SECRET: REPLICA_SIGNING_SECRET,
          SLACK_API_URL: setup.slackUrl,
          LOG_LEVEL: "warn",
          ...setup.env,
        },
        { entry: setup.entry },
      ),
    ),
  );
  try {
    await Promise.all(bots.map((bot) => untilReady(bot, 60_000)));
  } catch (err) {
    for (const bot of bots) bot.child.kill("SIGKILL");
    throw new Error(`${err}\n${bots.map((b) => b.output()).join("\n")}`);
  }
  return {
    bots,
    keyPrefix,
    async deliver(event, to, options = {}) {
      const envelope = eventEnvelope(event, {
        eventId: options.eventId ?? `Ev${randomUUID().replace(/-/g, "").slice(0, 12).toUpperCase()}`,
        teamId: options.teamId,
      });
      const responses = await Promise.all(
        to.map((index, attempt) =>
          postSlack(`${(bots[index] as BotProcess).base}/slack/events`, envelope, {
            secret: REPLICA_SIGNING_SECRET,
            ...(attempt > 0 ? { retryNum: attempt, retryReason: "http_timeout" } : {}),
          }),
        ),
      );
      return responses.map((r) => r.status);
    },
    async stop() {
      await Promise.all(bots.map((bot) => bot.stop()));
    },
  };
}
