// Services the bot must reach before it can work (Slack's auth.test, the Bot Framework token, the
// model's Entra ID token). One that does not answer at start is asked again with backoff while
// /healthz says 200 and /readyz 503 with the reason, so a network blip at deploy time is waited out
// instead of becoming a crash loop. One that answers "no" for good stops the start with one line
// that names the variable to fix.
import type { Logger } from "./log.js";
import { systemClock } from "./reply/clock.js";
import type { Clock } from "./reply/types.js";

/** Backoff between attempts: doubles from the first up to the cap. */
export const STARTUP_RETRY_FIRST_MS = 1_000;
export const STARTUP_RETRY_MAX_MS = 30_000;

/** A dependency refused the configuration: retrying cannot help, the operator must fix `variable`. */
export class StartupRefusedError extends Error {
  readonly variable: string;
  constructor(variable: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StartupRefusedError";
    this.variable = variable;
  }
}

export class Dependencies {
  /** Dependency name -> why it is not usable yet. */
  private readonly waiting = new Map<string, string>();
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly stopping = new AbortController();

  constructor(logger: Logger, clock: Clock = systemClock) {
    this.logger = logger.child({ component: "startup" });
    this.clock = clock;
  }

  /**
   * Resolves with what `connect` returns once it succeeds. Any other failure than a
   * StartupRefusedError is retried with backoff; the refusal rejects the promise.
   */
  async connect<T>(name: string, connect: () => Promise<T>): Promise<T> {
    this.waiting.set(name, "connecting");
    for (let delay = STARTUP_RETRY_FIRST_MS; ; delay = Math.min(delay * 2, STARTUP_RETRY_MAX_MS)) {
      try {
        const value = await connect();
        if (this.waiting.get(name) !== "connecting")
          this.logger.info({ dependency: name }, "dependency answers now");
        this.waiting.delete(name);
        return value;
      } catch (err) {
        if (err instanceof StartupRefusedError) {
          this.waiting.set(name, `refused: ${err.message}`);
          throw err;
        }
        const reason = err instanceof Error ? err.message : String(err);
        this.waiting.set(name, `${reason}; retrying`);
        this.logger.warn(
          { dependency: name, reason, retryInMs: delay },
          "dependency does not answer; retrying",
        );
        await this.clock.sleep(delay, this.stopping.signal).catch(() => {});
        if (this.stopping.signal.aborted) throw new Error(`${name}: stopped before it answered`);
      }
    }
  }

  /** Null when every dependency answered, else one line with the reasons (for /readyz). */
  readiness(): string | null {
    if (this.waiting.size === 0) return null;
    return [...this.waiting].map(([name, reason]) => `${name}: ${reason}`).join("; ");
  }

  /** Ends the retries (shutdown). */
  stop(): void {
    this.stopping.abort();
  }
}
