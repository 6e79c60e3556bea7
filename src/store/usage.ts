// The usage ledger's shape, shared by the Redis and in-process stores. Per workspace and per UTC day
// and month, one set of counters per user, conversation, model and the workspace itself: prompt,
// completion, extra (search-query rewrite and embedding) and reasoning tokens, turns, and the
// estimated cost in millionths. A field is `<dimension>|<id>|<measure>`: the dimension one letter
// (u, c, m, w), the id anything without a newline, the measure one of MEASURES.
//
// Turns in flight hold their estimated tokens against the quotas: one hold per turn, with a
// deadline (HOLD_TTL_MS), so a turn whose process died stops counting by itself.
import { tokenCount } from "./validate.js";

export type UsageDimension = "u" | "c" | "m" | "w";
/**
 * p prompt, c completion, x extra (qr + qe), qr search-query rewrite, qe query embedding,
 * r reasoning, t turns, $ cost (millionths), tok p+c+x.
 */
export const MEASURES = ["p", "c", "x", "qr", "qe", "r", "t", "$", "tok"] as const;
export type Measure = (typeof MEASURES)[number];
/** The workspace dimension's one id. */
export const WORKSPACE_ID = "*";

export interface UsageWho {
  workspaceScope: string;
  conversationScope: string;
  userId: string;
}

export interface TurnUsage {
  model: string;
  promptTokens: number;
  completionTokens: number;
  /** Search-query rewrite and query embedding (grounded answers): rewriteTokens + embeddingTokens. */
  extraTokens: number;
  rewriteTokens?: number;
  embeddingTokens?: number;
  /** Part of completionTokens a reasoning model spent thinking. */
  reasoningTokens: number;
  /** Estimated cost in millionths of the price table's currency; 0 without prices. */
  costMicros: number;
}

export type QuotaScope = "user" | "conversation" | "workspace";
export type QuotaPeriod = "day" | "month";
/** Token limits; absent or 0: none. */
export type QuotaLimits = Partial<Record<QuotaPeriod, Partial<Record<QuotaScope, number>>>>;

export interface QuotaExceeded {
  scope: QuotaScope;
  period: QuotaPeriod;
  limit: number;
  /** Tokens used and held for turns in flight when the turn was refused. */
  used: number;
}

/** A turn's hold on the quotas: what recordTurnUsage releases. */
export interface Hold {
  /** The hold's entry, unique per turn. */
  id: string;
  tokens: number;
}

/** What reserveTurn gives: the limit reached, or the turn's hold (none where no limit applies). */
export type Reservation = { exceeded: QuotaExceeded } | { hold?: Hold };

/**
 * A hold lapses this long after it was taken: longer than any answer runs (LLM_TIMEOUT_MS is at
 * most minutes), short enough that a crashed turn does not shrink a quota for long.
 */
export const HOLD_TTL_MS = 15 * 60_000;

/** A hold's entry: who it counts for, and how much (newline-separated: ids never hold one). */
export function holdEntry(who: UsageWho, tokens: number, turnId: string): string {
  const clean = (id: string) => id.replace(/\n/g, " ");
  return [turnId, clean(who.userId), clean(who.conversationScope), String(tokenCount(tokens))].join("\n");
}

/** The parts of a hold entry; undefined for one that cannot be read. */
export function parseHold(
  entry: string,
): { userId: string; conversationScope: string; tokens: number } | undefined {
  const [, userId, conversationScope, tokens] = entry.split("\n");
  const n = Number(tokens);
  return userId !== undefined && conversationScope !== undefined && Number.isFinite(n)
    ? { userId, conversationScope, tokens: n }
    : undefined;
}

export interface UsageTotals {
  promptTokens: number;
  completionTokens: number;
  extraTokens: number;
  rewriteTokens: number;
  embeddingTokens: number;
  reasoningTokens: number;
  /** prompt + completion + extra: what quotas count. */
  tokens: number;
  turns: number;
  costMicros: number;
}

export interface UsageReport {
  total: UsageTotals;
  users: Record<string, UsageTotals>;
  conversations: Record<string, UsageTotals>;
  models: Record<string, UsageTotals>;
}

/** USAGE_RETENTION_DAYS when unset. */
export const DEFAULT_USAGE_RETENTION_DAYS = 90;

/** The UTC day (YYYY-MM-DD) and month (YYYY-MM) of `at`. */
export function usagePeriods(at: number): { day: string; month: string } {
  const iso = new Date(at).toISOString();
  return { day: iso.slice(0, 10), month: iso.slice(0, 7) };
}

/** How long a day's and a month's counters are kept: the retention, and a month more for months. */
export function usageTtls(retentionDays: number): { day: number; month: number } {
  const day = Math.max(1, Math.round(retentionDays)) * 86_400;
  return { day, month: day + 31 * 86_400 };
}

export function usageField(dimension: UsageDimension, id: string, measure: Measure): string {
  return `${dimension}|${id.replace(/\n/g, " ")}|${measure}`;
}

/** What quota checks read, in order: each scope's day counters, then its month counters. */
export const QUOTA_CHECKS: ReadonlyArray<{
  scope: QuotaScope;
  period: QuotaPeriod;
  dimension: UsageDimension;
}> = [
  { scope: "user", period: "day", dimension: "u" },
  { scope: "conversation", period: "day", dimension: "c" },
  { scope: "workspace", period: "day", dimension: "w" },
  { scope: "user", period: "month", dimension: "u" },
  { scope: "conversation", period: "month", dimension: "c" },
  { scope: "workspace", period: "month", dimension: "w" },
];

/** The id a dimension counts `who` under. */
export function idOf(who: UsageWho, dimension: UsageDimension): string {
  if (dimension === "u") return who.userId;
  if (dimension === "c") return who.conversationScope;
  return WORKSPACE_ID;
}

/** The increments one finished turn adds, per dimension id (reservations released separately). */
export function turnIncrements(who: UsageWho, usage: TurnUsage): Array<[string, number]> {
  const p = tokenCount(usage.promptTokens);
  const c = tokenCount(usage.completionTokens);
  const x = tokenCount(usage.extraTokens);
  const r = tokenCount(usage.reasoningTokens);
  const cost = tokenCount(usage.costMicros);
  const out: Array<[string, number]> = [];
  for (const [dimension, id] of dimensionsOf(who, usage.model)) {
    const add = (measure: Measure, n: number) => out.push([usageField(dimension, id, measure), n]);
    add("p", p);
    add("c", c);
    add("x", x);
    add("qr", tokenCount(usage.rewriteTokens ?? 0));
    add("qe", tokenCount(usage.embeddingTokens ?? 0));
    add("r", r);
    add("t", 1);
    add("$", cost);
    add("tok", p + c + x);
  }
  return out;
}

function dimensionsOf(who: UsageWho, model?: string): Array<[UsageDimension, string]> {
  const dims: Array<[UsageDimension, string]> = [
    ["u", who.userId],
    ["c", who.conversationScope],
    ["w", WORKSPACE_ID],
  ];
  if (model !== undefined) dims.push(["m", model]);
  return dims;
}

function emptyTotals(): UsageTotals {
  return {
    promptTokens: 0,
    completionTokens: 0,
    extraTokens: 0,
    rewriteTokens: 0,
    embeddingTokens: 0,
    reasoningTokens: 0,
    tokens: 0,
    turns: 0,
    costMicros: 0,
  };
}

const TOTAL_OF: Partial<Record<Measure, keyof UsageTotals>> = {
  p: "promptTokens",
  c: "completionTokens",
  x: "extraTokens",
  qr: "rewriteTokens",
  qe: "embeddingTokens",
  r: "reasoningTokens",
  tok: "tokens",
  t: "turns",
  $: "costMicros",
};

/** A period's hash as a report; unknown or malformed fields are skipped. */
export function reportOf(hash: Record<string, string | number>): UsageReport {
  const report: UsageReport = { total: emptyTotals(), users: {}, conversations: {}, models: {} };
  const groups: Record<string, Record<string, UsageTotals>> = {
    u: report.users,
    c: report.conversations,
    m: report.models,
  };
  for (const [field, raw] of Object.entries(hash)) {
    const first = field.indexOf("|");
    const last = field.lastIndexOf("|");
    if (first < 0 || last <= first) continue;
    const dimension = field.slice(0, first);
    const id = field.slice(first + 1, last);
    const key = TOTAL_OF[field.slice(last + 1) as Measure];
    const n = Number(raw);
    if (!key || !Number.isFinite(n)) continue;
    const totals = dimension === "w" ? report.total : totalsFor(groups[dimension], id);
    if (totals) totals[key] += n;
  }
  return report;
}

function totalsFor(group: Record<string, UsageTotals> | undefined, id: string): UsageTotals | undefined {
  if (!group) return undefined;
  const totals = group[id] ?? emptyTotals();
  group[id] = totals;
  return totals;
}
