// Quotas before a turn: what a turn is expected to cost (held while it runs, so concurrent turns of
// one user see each other), and what the user reads when a limit is reached: which limit, and when
// it resets, in UTC.
import { countTokens } from "../engine/tokens.js";
import type { TokenizerEncoding } from "../llm/models.js";
import type { StoredMessage } from "../store/types.js";
import type { QuotaExceeded, QuotaLimits, QuotaPeriod } from "../store/usage.js";

/**
 * The turn's prompt as far as known before it is built (question, history, and `extra` texts such
 * as a conversation read for it), plus its reply budget.
 */
export function turnEstimate(
  question: string,
  history: readonly StoredMessage[],
  replyTokens: number,
  encoding: TokenizerEncoding,
  extra: readonly string[] = [],
): number {
  let tokens = countTokens(question, encoding) + replyTokens;
  for (const text of extra) tokens += countTokens(text, encoding);
  for (const m of history)
    tokens += m.encoding === encoding && m.tokens !== undefined ? m.tokens : countTokens(m.content, encoding);
  return tokens;
}

/** True when any limit is set. */
export function hasQuotas(limits: QuotaLimits): boolean {
  return Object.values(limits).some((scopes) => Object.values(scopes ?? {}).some((n) => (n ?? 0) > 0));
}

const WHOSE = {
  user: "your",
  conversation: "this conversation's",
  workspace: "this workspace's",
} as const;

/** What the user reads instead of an answer. */
export function quotaRefusal(exceeded: QuotaExceeded, now: number): string {
  const per = exceeded.period === "day" ? "daily" : "monthly";
  const reset = resetTime(exceeded.period, now);
  const all = exceeded.scope === "user" ? " (all your conversations together)" : "";
  return `You have reached ${WHOSE[exceeded.scope]} ${per} limit of ${exceeded.limit.toLocaleString("en-US")} tokens${all}, so I did not send this question to the model. The limit resets ${reset} (UTC). Your admin can tell you more.`;
}

/** "at 00:00 on 5 December 2026" style, for the next UTC day or month. */
export function resetTime(period: QuotaPeriod, now: number): string {
  const d = new Date(now);
  const next =
    period === "day"
      ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1)
      : Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  const date = new Date(next).toLocaleDateString("en-GB", {
    day: "numeric",
    month: "long",
    year: "numeric",
    timeZone: "UTC",
  });
  return `at 00:00 on ${date}`;
}
