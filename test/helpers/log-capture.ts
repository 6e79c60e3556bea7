// A real logger (src/log.ts, redaction included) writing its JSON lines into memory, for tests that
// check what was logged.
import { createLogger, type Logger } from "../../src/log.js";

export interface CapturedLog {
  logger: Logger;
  lines: Array<Record<string, unknown>>;
  /** The `msg` of every line, in order. */
  messages(): string[];
}

export function captureLogs(level = "debug"): CapturedLog {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger(level, {
    write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>),
  });
  return { logger, lines, messages: () => lines.map((l) => String(l.msg)) };
}
