// Interactivity's response_url: a shortcut or button payload carries a URL the app POSTs a JSON
// message to (`text`, `blocks`, `response_type` "ephemeral" by default or "in_channel",
// `replace_original`, `thread_ts`). Slack accepts up to five uses within 30 minutes; an ephemeral
// answer reaches the user even in a channel the bot is not in. The double serves these URLs under
// /response/<id> and shows ephemeral answers beside chat.postEphemeral's.
import { randomBytes } from "node:crypto";
import type { Workspace } from "./workspace.js";

/** "You can use a response_url up to 5 times within 30 minutes" (Slack: handling user interaction). */
const USES_MAX = 5;
const LIFETIME_MS = 30 * 60_000;

interface Target {
  channel: string;
  user: string;
  threadTs?: string;
  issuedAt: number;
  uses: number;
}

export class ResponseUrls {
  readonly #targets = new Map<string, Target>();
  readonly #workspace: Workspace;
  readonly #now: () => number;

  constructor(workspace: Workspace, now: () => number) {
    this.#workspace = workspace;
    this.#now = now;
  }

  /** A new response_url path for a payload sent to the app on behalf of `user` in `channel`. */
  issue(channel: string, user: string, threadTs?: string): string {
    const id = randomBytes(8).toString("hex");
    this.#targets.set(id, { channel, user, threadTs, issuedAt: this.#now(), uses: 0 });
    return `/response/${id}`;
  }

  /** Handles POST /response/<id>; the HTTP status and body Slack answers. */
  handle(id: string, body: string): { status: number; body: string } {
    const target = this.#targets.get(id);
    if (!target || this.#now() - target.issuedAt > LIFETIME_MS) return { status: 404, body: "expired_url" };
    if (target.uses >= USES_MAX) return { status: 404, body: "used_url" };
    let message: { text?: unknown; blocks?: unknown; response_type?: unknown; thread_ts?: unknown };
    try {
      message = JSON.parse(body) as typeof message;
    } catch {
      return { status: 400, body: "invalid_payload" };
    }
    if (typeof message.text !== "string" && !Array.isArray(message.blocks))
      return { status: 400, body: "no_text" };
    target.uses += 1;
    // Only ephemeral answers are modelled: an in_channel answer would need the bot's post rights.
    if (message.response_type === "in_channel") return { status: 400, body: "in_channel_not_modelled" };
    this.#workspace.ephemerals.push({
      channel: target.channel,
      user: target.user,
      messageTs: "",
      threadTs: typeof message.thread_ts === "string" ? message.thread_ts : target.threadTs,
      text: typeof message.text === "string" ? message.text : "",
      ...(Array.isArray(message.blocks) ? { blocks: message.blocks } : {}),
    });
    return { status: 200, body: "ok" };
  }
}
