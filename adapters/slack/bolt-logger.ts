// Bolt and the Slack SDK log through @slack/logger's interface; route them into our pino logger
// (which scrubs secrets) instead of the console.
import { LogLevel, type Logger as SlackLogger } from "@slack/logger";
import type { Logger } from "../../src/log.js";

export function boltLogger(logger: Logger): SlackLogger {
  const child = logger.child({ component: "slack-sdk" });
  let level = LogLevel.INFO;
  const text = (parts: unknown[]) =>
    parts.map((p) => (typeof p === "string" ? p : JSON.stringify(p))).join(" ");
  return {
    debug: (...msg: unknown[]) => child.debug(text(msg)),
    info: (...msg: unknown[]) => child.info(text(msg)),
    warn: (...msg: unknown[]) => child.warn(text(msg)),
    error: (...msg: unknown[]) => child.error(text(msg)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
