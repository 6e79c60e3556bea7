// `usage`: what the asking user spent today and this month (UTC) against their limits; for those
// who may change the workspace's settings, the workspace's totals, its top conversations and users,
// by model, and the estimated cost (when MODEL_PRICES is set). Markdown, like every command answer.
import type { QuotaLimits, QuotaPeriod, UsageReport, UsageTotals } from "../store/usage.js";
import { formatCost } from "../usage/prices.js";
import { resetTime } from "../usage/quota.js";

export interface UsageContext {
  reports: { day: UsageReport; month: UsageReport };
  userId: string;
  conversationScope: string;
  limits: QuotaLimits;
  /** Admins see the workspace. */
  admin: boolean;
  /** Any model priced: show costs. */
  priced: boolean;
  now: number;
  /** How a user id and a conversation scope show on this platform (a Slack mention, an id). */
  showUser(id: string): string;
  showConversation(scope: string): string;
}

/** Top entries listed for admins. */
const TOP = 5;

export function renderUsage(ctx: UsageContext): string {
  const { day, month } = ctx.reports;
  const lines = ["**Your usage** (UTC)"];
  for (const [period, report] of [
    ["day", day],
    ["month", month],
  ] as const) {
    lines.push(
      `• ${period === "day" ? "Today" : "This month"}: ${amount(report.users[ctx.userId])}${limitNote(ctx, "user", period, report.users[ctx.userId])}`,
    );
  }
  const convLimit = ctx.limits.day?.conversation || ctx.limits.month?.conversation;
  if (convLimit) {
    lines.push(
      `• This conversation today: ${amount(day.conversations[ctx.conversationScope])}${limitNote(ctx, "conversation", "day", day.conversations[ctx.conversationScope])}`,
    );
  }
  if (!ctx.admin) return lines.join("\n");

  lines.push("", "**This workspace**");
  lines.push(
    `• Today: ${amount(day.total)}${cost(ctx, day.total)}${limitNote(ctx, "workspace", "day", day.total)}`,
  );
  lines.push(
    `• This month: ${amount(month.total)}${search(month.total)}${cost(ctx, month.total)}${limitNote(ctx, "workspace", "month", month.total)}`,
  );
  const models = top(month.models, Number.POSITIVE_INFINITY);
  if (models.length > 0) {
    lines.push("", "**By model** (this month)");
    for (const [model, totals] of models) lines.push(`• ${model}: ${amount(totals)}${cost(ctx, totals)}`);
  }
  const conversations = top(month.conversations, TOP);
  if (conversations.length > 0) {
    lines.push("", `**Top conversations** (this month)`);
    for (const [scope, totals] of conversations)
      lines.push(`• ${ctx.showConversation(scope)}: ${amount(totals)}`);
  }
  const users = top(month.users, TOP);
  if (users.length > 0) {
    lines.push("", `**Top users** (this month)`);
    for (const [id, totals] of users) lines.push(`• ${ctx.showUser(id)}: ${amount(totals)}`);
  }
  if (!ctx.priced) lines.push("", "_No costs: set MODEL_PRICES to see estimated costs._");
  return lines.join("\n");
}

function amount(totals: UsageTotals | undefined): string {
  const t = totals ?? { tokens: 0, turns: 0, reasoningTokens: 0 };
  const reasoning = t.reasoningTokens > 0 ? `, ${n(t.reasoningTokens)} of them reasoning` : "";
  return `${n(t.tokens)} tokens in ${n(t.turns)} turn${t.turns === 1 ? "" : "s"}${reasoning}`;
}

/** The search's own tokens (rewrite, embedding), when there were any. */
function search(totals: UsageTotals): string {
  if (totals.extraTokens <= 0) return "";
  return `, ${n(totals.extraTokens)} for searching (rewrite ${n(totals.rewriteTokens)}, embedding ${n(totals.embeddingTokens)})`;
}

function cost(ctx: UsageContext, totals: UsageTotals): string {
  return ctx.priced ? `, estimated cost ${formatCost(totals.costMicros)}` : "";
}

function limitNote(
  ctx: UsageContext,
  scope: "user" | "conversation" | "workspace",
  period: QuotaPeriod,
  totals: UsageTotals | undefined,
): string {
  const limit = ctx.limits[period]?.[scope] ?? 0;
  if (limit <= 0) return "";
  const used = totals?.tokens ?? 0;
  const share = Math.min(100, Math.round((used / limit) * 100));
  return ` of ${n(limit)} a ${period} (${share}%; resets ${resetTime(period, ctx.now)})`;
}

function top(group: Record<string, UsageTotals>, count: number): Array<[string, UsageTotals]> {
  return Object.entries(group)
    .filter(([, t]) => t.turns > 0 || t.tokens > 0)
    .sort((x, y) => y[1].tokens - x[1].tokens)
    .slice(0, count);
}

function n(value: number): string {
  return value.toLocaleString("en-US");
}
