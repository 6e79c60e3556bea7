// POST /slack/events on the shared HTTP server, as a Bolt Receiver: checks the signature, answers
// url_verification, refuses malformed bodies, and acknowledges every request within Slack's 3 s
// before the work goes on (Bolt acks events itself; commands and actions ack in their listeners).
import type { IncomingMessage, ServerResponse } from "node:http";
import type { App, Receiver, ReceiverEvent } from "@slack/bolt";
import type { Logger } from "../../src/log.js";
import { readBody, sendJson } from "../shared/http-io.js";
import { verifySlackSignature } from "./signature.js";

/** Slack re-sends a request that is not acknowledged within 3 s; answer well before that. */
export const SLACK_ACK_DEADLINE_MS = 2_500;

export interface SlackHttpReceiverOptions {
  signingSecret: string;
  logger: Logger;
  now?: () => number;
}

export class SlackHttpReceiver implements Receiver {
  private app: App | undefined;
  private readonly options: SlackHttpReceiverOptions;
  private readonly now: () => number;

  constructor(options: SlackHttpReceiverOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  init(app: App): void {
    this.app = app;
  }

  // The shared HTTP server listens; Bolt's start/stop have nothing to do.
  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  readonly handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const { logger } = this.options;
    const raw = await readBody(req);
    if (raw === undefined) return sendJson(res, 413, { error: "body too large" });

    const check = verifySlackSignature({
      signingSecret: this.options.signingSecret,
      timestamp: header(req, "x-slack-request-timestamp"),
      signature: header(req, "x-slack-signature"),
      rawBody: raw,
      nowMs: this.now(),
    });
    if (!check.ok) {
      logger.warn(
        { reason: check.reason, ip: req.socket.remoteAddress },
        "refused a Slack request: bad signature",
      );
      return sendJson(res, 401, { error: "invalid signature" });
    }

    const body = parseBody(raw, header(req, "content-type") ?? "");
    if (!body) return sendJson(res, 400, { error: "malformed body" });
    if (body.type === "url_verification") return sendJson(res, 200, { challenge: body.challenge });
    if (body.ssl_check) return sendJson(res, 200, {});
    if (!this.app) return sendJson(res, 503, { error: "not ready" });

    let acked = false;
    let deadline: NodeJS.Timeout | undefined;
    const ack = async (response?: unknown): Promise<void> => {
      if (acked) return;
      acked = true;
      clearTimeout(deadline);
      if (response === undefined || response === "") sendJson(res, 200, undefined);
      else if (typeof response === "string") sendJson(res, 200, { text: response });
      else sendJson(res, 200, response);
    };
    if (body.type === "event_callback") {
      // Events API requests never carry an answer: acknowledge them before Bolt even looks at them,
      // so a busy event loop cannot push the ack towards Slack's 3 s limit.
      await ack();
    } else {
      // Commands and actions ack in their listeners; whatever they do, Slack hears back in time.
      deadline = setTimeout(() => {
        logger.warn({ type: body.type }, "Slack request not acknowledged in time; acknowledging it empty");
        void ack();
      }, SLACK_ACK_DEADLINE_MS);
    }

    const retryNum = header(req, "x-slack-retry-num");
    const event: ReceiverEvent = {
      body,
      ack,
      retryNum: retryNum ? Number(retryNum) : undefined,
      retryReason: header(req, "x-slack-retry-reason"),
    };
    // The work goes on after the ack; the HTTP handler does not wait for answers to be written.
    this.app.processEvent(event).catch((err: unknown) => {
      logger.error({ err, type: body.type }, "Slack event handling failed");
      if (!acked) {
        acked = true;
        clearTimeout(deadline);
        sendJson(res, 500, { error: "internal error" });
      }
    });
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Events arrive as JSON; commands as a form; interactivity as a form with one `payload` JSON field. */
function parseBody(raw: string, contentType: string): Record<string, unknown> | undefined {
  try {
    if (contentType.includes("application/json")) {
      const value: unknown = JSON.parse(raw);
      return isRecord(value) ? value : undefined;
    }
    if (contentType.includes("application/x-www-form-urlencoded")) {
      const form = Object.fromEntries(new URLSearchParams(raw));
      if (typeof form.payload === "string") {
        const payload: unknown = JSON.parse(form.payload);
        return isRecord(payload) ? payload : undefined;
      }
      return Object.keys(form).length > 0 ? form : undefined;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
