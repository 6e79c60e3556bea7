// `npm start`: the bot server. Exits with a clear message when the configuration is unusable.
import { createCore, createHttpServer, shutdown } from "./app.js";
import { describeConfig } from "./config.js";
import { createLogger } from "./log.js";
import { loadConfigOrExit } from "./startup.js";

const PLATFORM_HELP = `No chat platform is configured, so there is nothing to serve yet.
Set one or both:
  - Slack: SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode);
    create the app from manifest/slack/ as README.md ("Slack") explains.
  - Microsoft Teams: MicrosoftAppId, MicrosoftAppPassword, MicrosoftAppType, MicrosoftAppTenantId;
    build the app package with npm run package:teams, as README.md ("Microsoft Teams") explains.
To try the bot in your terminal instead: npm run chat`;

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel);
  if (!config.slack && !config.teams) {
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
  if (config.teams) {
    const { startTeams } = await import("../adapters/teams/teams-app.js");
    startTeams({ core, config: config.teams, server });
    platforms.push("teams");
  }
  const port = await server.listen();
  logger.info({ ...describeConfig(config), port, platforms }, "bot started");

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, inFlight: core.engine.inFlight }, "shutting down");
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
