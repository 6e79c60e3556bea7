// `npm start`: the bot server. Exits with a clear message when the configuration is unusable.
import { createCore, createHttpServer, shutdown } from "./app.js";
import { describeConfig } from "./config.js";
import { StartupRefusedError } from "./dependencies.js";
import { createLogger } from "./log.js";
import { loadConfigOrExit } from "./startup.js";
import { collectStartupGarbage } from "./startup-memory.js";

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
  // Once after the tokenizer is loaded: its garbage is the bulk of the start's.
  collectStartupGarbage();
  const server = createHttpServer(core);
  let stopping = false;
  const platforms: string[] = [];
  const stops: Array<() => Promise<void>> = [];
  const started: Array<Promise<unknown>> = [];
  if (config.slack) {
    // Adapters live outside src/; loaded only when configured.
    const { startSlack } = await import("../adapters/slack/slack-app.js");
    const slack = startSlack({ core, config: config.slack, server });
    // Slack may not answer yet (/readyz says so meanwhile); a refused token ends the start.
    slack.ready.catch(refused);
    started.push(slack.ready);
    platforms.push(config.slack.appToken ? "slack (socket mode)" : "slack");
    stops.push(() => slack.stop());
  }
  if (config.teams) {
    const { startTeams } = await import("../adapters/teams/teams-app.js");
    const teams = startTeams({ core, config: config.teams, server });
    // The Bot Framework token may not be had yet (/readyz says so meanwhile); refused credentials end the start.
    teams.ready.catch(refused);
    started.push(teams.ready);
    platforms.push("teams");
  }
  const port = await server.listen();
  // And once more when the platforms answered (their clients and tokens are set up by then).
  void Promise.allSettled(started).then(collectStartupGarbage);
  logger.info({ ...describeConfig(config), port, platforms }, "bot started");

  /** A dependency said "no" for good: one line naming the variable to fix, then exit 1. */
  function refused(err: unknown): void {
    if (stopping) return; // the retries ended because the bot is stopping anyway
    stopping = true;
    if (err instanceof StartupRefusedError) {
      logger.fatal({ variable: err.variable }, err.message);
    } else {
      logger.fatal({ err }, "start-up failed");
    }
    shutdown(core, server, stops).finally(() => process.exit(1));
  }

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

// Whatever goes wrong at start is one line on stderr and exit code 1, never a stack trace.
await main().catch((err: unknown) => {
  process.stderr.write(`start-up failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
