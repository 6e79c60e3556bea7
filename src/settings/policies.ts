// Workspace policies: what an admin of a workspace (a Slack workspace, a Teams tenant) may set for
// the whole workspace only, over the environment: where the bot answers and who may use it
// (allow-lists, replacing ALLOWED_CHANNELS / ALLOWED_TEAMS / ALLOWED_USERS there), and stricter
// token quotas (never looser than QUOTA_*). Stored beside the workspace's settings, changed with
// `settings workspace set <policy> <value>`, and resolved here for each turn.
import type { QuotaLimits, QuotaPeriod, QuotaScope } from "../store/usage.js";

export interface AccessLists {
  /** Channel ids (Slack) or Teams channel/conversation ids; empty: every channel. */
  channels: string[];
  /** Teams team ids; empty: every team. */
  teams: string[];
  /** User ids (or Entra object ids on Teams); empty: everyone. */
  users: string[];
}

export interface PolicyDef {
  key: string;
  describe: string;
  allowed: string;
  parse(raw: string, env: { quotas: QuotaLimits }): { value: string } | { error: string };
}

const LIST_ALLOWED =
  'ids separated by commas or spaces, or "everyone" (no list in this workspace, whatever the configuration says)';
/** Stored for "everyone": the workspace has no list (`settings workspace reset <key>` goes back to the configured one). */
const EVERYONE = "*";

function idList(raw: string): { value: string } | { error: string } {
  const trimmed = raw.trim();
  if (/^(everyone|anyone|all)$/i.test(trimmed)) return { value: EVERYONE };
  const ids = trimmed.split(/[\s,]+/).filter(Boolean);
  if (ids.length === 0 || ids.some((id) => !/^[A-Za-z0-9:@._-]+$/.test(id)))
    return { error: `must be ${LIST_ALLOWED}` };
  return { value: [...new Set(ids)].join(",") };
}

/** The policy key of a quota: `quota_user_tokens_per_day`. */
export function quotaKey(scope: QuotaScope, period: QuotaPeriod): string {
  return `quota_${scope}_tokens_per_${period}`;
}

function quota(scope: QuotaScope, period: QuotaPeriod): PolicyDef {
  return {
    key: quotaKey(scope, period),
    describe: `the most tokens ${scope === "user" ? "one user" : scope === "conversation" ? "one conversation" : "the whole workspace"} may use a ${period} (UTC)`,
    allowed: "a whole number of tokens, at most the configured limit",
    parse(raw, env) {
      const n = Number(raw.trim().replace(/[_,]/g, ""));
      if (!Number.isInteger(n) || n < 1) return { error: "must be a whole number of tokens from 1" };
      const ceiling = env.quotas[period]?.[scope] ?? 0;
      if (ceiling > 0 && n > ceiling)
        return {
          error: `must be at most ${ceiling.toLocaleString("en-US")}, the limit the bot's configuration sets`,
        };
      return { value: String(n) };
    },
  };
}

export const POLICIES: readonly PolicyDef[] = [
  {
    key: "allowed_channels",
    describe: "the channels the bot answers in (Slack channel ids, Teams channel ids)",
    allowed: LIST_ALLOWED,
    parse: idList,
  },
  {
    key: "allowed_teams",
    describe: "the Teams teams the bot answers in (team ids)",
    allowed: LIST_ALLOWED,
    parse: idList,
  },
  {
    key: "allowed_users",
    describe: "the people who may use the bot (user ids, or Entra object ids on Teams)",
    allowed: LIST_ALLOWED,
    parse: idList,
  },
  quota("user", "day"),
  quota("conversation", "day"),
  quota("workspace", "day"),
  quota("user", "month"),
  quota("conversation", "month"),
  quota("workspace", "month"),
];

export function findPolicy(key: string): PolicyDef | undefined {
  const k = key.toLowerCase();
  return POLICIES.find((p) => p.key === k);
}

/** The workspace's allow-lists: its own where set, else the environment's. */
export function accessFor(workspace: Record<string, string>, env: AccessLists): AccessLists {
  const pick = (key: string, fallback: string[]) => {
    const value = workspace[key];
    if (value === undefined) return fallback;
    return value === EVERYONE ? [] : value.split(",").filter(Boolean);
  };
  return {
    channels: pick("allowed_channels", env.channels),
    teams: pick("allowed_teams", env.teams),
    users: pick("allowed_users", env.users),
  };
}

/** The quotas that apply in the workspace: the stricter of the environment's and its own. */
export function quotasFor(workspace: Record<string, string>, env: QuotaLimits): QuotaLimits {
  const out: QuotaLimits = {};
  for (const period of ["day", "month"] as const) {
    for (const scope of ["user", "conversation", "workspace"] as const) {
      const own = Number(workspace[quotaKey(scope, period)] ?? 0);
      const base = env[period]?.[scope] ?? 0;
      const limit = own > 0 && (base <= 0 || own < base) ? own : base;
      if (limit > 0) out[period] = { ...out[period], [scope]: limit };
    }
  }
  return out;
}

/** Where a message was written and by whom, as the allow-lists name them. */
export interface Whereabouts {
  userIds: string[];
  channelId?: string;
  /** The team's ids (Teams: the team id and its Microsoft 365 group id). */
  teamIds?: string[];
  /** A direct message: channel and team lists do not apply, only the user list. */
  direct: boolean;
}

/** Why the bot does not answer here, or undefined when it may. */
export function accessRefusal(lists: AccessLists, where: Whereabouts): "user" | "channel" | undefined {
  if (lists.users.length > 0 && !where.userIds.some((id) => lists.users.includes(id))) return "user";
  if (where.direct || (lists.channels.length === 0 && lists.teams.length === 0)) return undefined;
  if (where.channelId && lists.channels.includes(where.channelId)) return undefined;
  if (where.teamIds?.some((id) => lists.teams.includes(id))) return undefined;
  return "channel";
}
