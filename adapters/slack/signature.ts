// Slack request signing: X-Slack-Signature = "v0=" + hex HMAC-SHA256(signing secret,
// "v0:{X-Slack-Request-Timestamp}:{raw body}"). Pure, with the clock passed in, so it is testable.
import { createHmac, timingSafeEqual } from "node:crypto";

/** Slack's replay window: requests whose timestamp is more than five minutes off are refused. */
export const SLACK_SIGNATURE_MAX_AGE_S = 5 * 60;

export type SignatureCheck =
  | { ok: true }
  | { ok: false; reason: "missing_headers" | "bad_timestamp" | "stale_timestamp" | "bad_signature" };

export function signSlackBody(signingSecret: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac("sha256", signingSecret).update(`v0:${timestamp}:${rawBody}`).digest("hex")}`;
}

export function verifySlackSignature(input: {
  signingSecret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: string;
  nowMs: number;
}): SignatureCheck {
  const { timestamp, signature } = input;
  if (!timestamp || !signature) return { ok: false, reason: "missing_headers" };
  if (!/^\d+$/.test(timestamp)) return { ok: false, reason: "bad_timestamp" };
  if (Math.abs(input.nowMs / 1000 - Number(timestamp)) > SLACK_SIGNATURE_MAX_AGE_S) {
    return { ok: false, reason: "stale_timestamp" };
  }
  const expected = Buffer.from(signSlackBody(input.signingSecret, timestamp, input.rawBody));
  const given = Buffer.from(signature);
  // Constant-time comparison; lengths differ only for malformed signatures.
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: "bad_signature" };
  return { ok: true };
}
