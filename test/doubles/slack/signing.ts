// Sends requests the way Slack does: signed with the app's signing secret. X-Slack-Signature is
// "v0=" + hex HMAC-SHA256(secret, "v0:{timestamp}:{raw body}") (Slack, "Verifying requests from
// Slack"). The payload builders (event-payloads.ts, interaction-payloads.ts) are re-exported here.
import { createHmac } from "node:crypto";

export * from "./event-payloads.js";
export * from "./interaction-payloads.js";

export interface SlackSignatureHeaders {
  "X-Slack-Request-Timestamp": string;
  "X-Slack-Signature": string;
}

export function signSlackRequest(
  signingSecret: string,
  rawBody: string,
  timestampSeconds: number,
): SlackSignatureHeaders {
  const timestamp = String(Math.trunc(timestampSeconds));
  const digest = createHmac("sha256", signingSecret).update(`v0:${timestamp}:${rawBody}`).digest("hex");
  return { "X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": `v0=${digest}` };
}

export type SlackContentType = "application/json" | "application/x-www-form-urlencoded";

export interface PostSlackOptions {
  secret: string;
  /** Seconds since the epoch to sign with (default: now). */
  timestamp?: number;
  /** X-Slack-Retry-Num: Slack's redelivery count (1, 2, 3). */
  retryNum?: number;
  /** X-Slack-Retry-Reason, e.g. "http_timeout". */
  retryReason?: string;
  /** Default: JSON for an object body or a string starting with "{", form otherwise. */
  contentType?: SlackContentType;
  /** Replaces the computed signature (to test rejection). */
  signature?: string;
}

/** POSTs `body` (an object is sent as JSON; a string as is) signed like Slack. */
export async function postSlack(
  url: string,
  body: string | object,
  options: PostSlackOptions,
): Promise<Response> {
  const raw = typeof body === "string" ? body : JSON.stringify(body);
  const contentType =
    options.contentType ??
    (typeof body !== "string" || raw.trimStart().startsWith("{")
      ? "application/json"
      : "application/x-www-form-urlencoded");
  const signed = signSlackRequest(options.secret, raw, options.timestamp ?? Date.now() / 1_000);
  const headers: Record<string, string> = { "content-type": contentType, ...signed };
  if (options.signature !== undefined) headers["X-Slack-Signature"] = options.signature;
  if (options.retryNum !== undefined) headers["X-Slack-Retry-Num"] = String(options.retryNum);
  if (options.retryReason !== undefined) headers["X-Slack-Retry-Reason"] = options.retryReason;
  return fetch(url, { method: "POST", headers, body: raw });
}
