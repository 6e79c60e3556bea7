// `npm start`: the bot server. Exits with a clear message when the configuration is unusable.
import { createCore, createHttpServer, shutdown } from "./app.js";
import { describeConfig } from "./config.js";
import { createLogger } from "./log.js";
import { loadConfigOrExit } from "./startup.js";

const PLATFORM_HELP = `No chat platform is configured, so there is nothing to serve yet.
Set:
  - Slack: SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode);
    create the app from manifest/slack/ as README.md ("Slack") explains.
Microsoft Teams support is being added. To try the bot in your terminal: npm run chat`;

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel);
  if (!config.slack) {
    process.stderr.write(`${PLATFORM_HELP}\n`);
    process.exit(1);
  }
  const core = await createCore(config, logger);
  const server = createHttpServer(core);
  const platforms: string[] = [];
  const stops: Array<() => Promise<void>> = [];
  if (config.slack) {
    // Adapters live outside src/; loaded only when configured.
    const { startSlack } = await import("../adapters/slack/slack-app.js");
    const slack = await startSlack({ core, config: config.slack, server });
    platforms.push(config.slack.appToken ? "slack (socket mode)" : "slack");
    stops.push(() => slack.stop());
  }
  const port = await server.listen();
  logger.info({ ...describeConfig(config), port, platforms }, "bot started");

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, active: core.engine.activeTurns }, "shutting down");
    shutdown(core, server, stops)
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      });
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("unhandledRejection", (err) => logger.error({ err }, "unhandled rejection"));
}

await main();
