// Structured JSON logs (pino). Every line passes through scrubDeep so no secret is ever written.
import { type Logger, pino } from "pino";
import { scrub, scrubDeep } from "./redact.js";

export type { Logger };

export function createLogger(
  level: string = process.env.LOG_LEVEL ?? "info",
  destination?: pino.DestinationStream,
): Logger {
  return pino(
    {
      level,
      base: { service: "azure-chat-bot" },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Errors keep their class name, code and cause chain, scrubbed like everything else.
      serializers: { err: (err: unknown) => scrubDeep(err) },
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => scrubDeep(object) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a) => (typeof a === "string" ? scrub(a) : a));
          return method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}

/** A logger that writes nothing; for tests and benchmarks. */
export const silentLogger: Logger = pino({ level: "silent" });
