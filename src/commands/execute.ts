// Carries out a parsed command against the store and returns the Markdown answer.
import type { EnvDefaults } from "../config.js";
import type { ChangeRights } from "../engine/types.js";
import type { AllowedModel } from "../llm/models.js";
import { findPolicy, POLICIES, type PolicyDef, quotasFor } from "../settings/policies.js";
import { resolveSettings } from "../settings/resolve.js";
import { findSetting, SETTING_KEYS, type SettingsContext } from "../settings/schema.js";
import type { AuditEntry, Store } from "../store/types.js";
import { type QuotaLimits, usagePeriods } from "../store/usage.js";
import type { Command, CommandScope } from "./parse.js";
import { renderHelp, renderHistory, renderSettings } from "./render.js";
import { renderUsage } from "./usage.js";

export interface CommandContext {
  store: Store;
  threadKey: string;
  /** Settings scope of this conversation (a channel, a DM). */
  conversationScope: string;
  /** Settings scope of the workspace or tenant. */
  workspaceScope: string;
  /** The user's rights, asked only by a command that changes something. */
  rights: () => Promise<ChangeRights>;
  settings: SettingsContext;
  defaults: EnvDefaults;
  models: AllowedModel[];
  /** For `usage`: who asks, on which platform, the quotas, whether costs are known, the time. */
  userId: string;
  platform: string;
  quotas: QuotaLimits;
  priced: boolean;
  now: number;
  /** Writes a change to the audit trail (log line and store). */
  recordChange(change: Change): Promise<void>;
}

/** What a command changed, for the audit trail. */
export type Change = Pick<AuditEntry, "scope" | "action" | "key" | "old" | "new">;

/** Entries `settings history` shows. */
const HISTORY_SHOWN = 20;

export async function executeCommand(command: Command, ctx: CommandContext): Promise<string> {
  switch (command.type) {
    case "help":
      return renderHelp(ctx.settings);
    case "usage_error":
      return command.message;
    case "usage": {
      const periods = usagePeriods(ctx.now);
      const [day, month, rights, workspace] = await Promise.all([
        ctx.store.usageReport(ctx.workspaceScope, periods.day),
        ctx.store.usageReport(ctx.workspaceScope, periods.month),
        ctx.rights(),
        ctx.store.getSettings(ctx.workspaceScope),
      ]);
      return renderUsage({
        reports: { day, month },
        userId: ctx.userId,
        conversationScope: ctx.conversationScope,
        limits: quotasFor(workspace, ctx.quotas),
        admin: rights.workspace,
        priced: ctx.priced,
        now: ctx.now,
        ...displayOf(ctx.platform),
      });
    }
    case "forget":
      await ctx.store.forget(ctx.threadKey);
      await ctx.recordChange({ scope: "conversation", action: "forget" });
      return "Done: I have forgotten this conversation. The next message starts afresh.";
    case "show": {
      const [conversation = {}, workspace = {}] = await ctx.store.getSettingsMany([
        ctx.conversationScope,
        ctx.workspaceScope,
      ]);
      const layers =
        command.scope === "workspace" ? { conversation: {}, workspace } : { conversation, workspace };
      const title =
        command.scope === "workspace" ? "Workspace default settings" : "Settings for this conversation";
      return renderSettings(title, resolveSettings(layers, ctx.defaults, ctx.models));
    }
    case "set": {
      const refusal = await refuse(command.scope, ctx);
      if (refusal) return refusal;
      const def = findSetting(command.key);
      const policy = def ? undefined : findPolicy(command.key);
      if (!def && !policy) return unknownKey(command.key);
      if (policy && command.scope !== "workspace") return workspaceOnly(policy.key, command.value);
      const key = def?.key ?? policy?.key ?? command.key;
      const parsed = def
        ? def.parse(command.value, ctx.settings)
        : (policy as PolicyDef).parse(command.value, { quotas: ctx.quotas });
      if ("error" in parsed) return `\`${key}\` ${parsed.error}. Nothing was changed.`;
      const unfit =
        key === "reasoning_effort" ? await effortUnfit(command.scope, parsed.value, ctx) : undefined;
      if (unfit) return `\`${key}\` ${unfit}. Nothing was changed.`;
      const scope = scopeOf(command.scope, ctx);
      const old = (await ctx.store.getSettings(scope))[key];
      await ctx.store.setSetting(scope, key, parsed.value);
      await ctx.recordChange({ scope: command.scope, action: "set", key, old, new: parsed.value });
      if (policy) return policyChanged(key, parsed.value);
      return `\`${key}\` is now ${display(key, parsed.value)}${command.scope === "workspace" ? " for the workspace" : " in this conversation"}.`;
    }
    case "reset": {
      const refusal = await refuse(command.scope, ctx);
      if (refusal) return refusal;
      const scope = scopeOf(command.scope, ctx);
      const before = await ctx.store.getSettings(scope);
      if (command.key === undefined) {
        await ctx.store.resetSettings(scope);
        const keys = Object.keys(before).sort();
        await ctx.recordChange({
          scope: command.scope,
          action: "reset",
          old: keys.length ? keys.join(", ") : undefined,
        });
        return command.scope === "workspace"
          ? "All workspace settings and policies are back to the configured defaults."
          : "All settings of this conversation are back to the defaults.";
      }
      const key = findSetting(command.key)?.key ?? findPolicy(command.key)?.key;
      if (!key) return unknownKey(command.key);
      await ctx.store.resetSettings(scope, key);
      await ctx.recordChange({ scope: command.scope, action: "reset", key, old: before[key] });
      return `\`${key}\` is back to its default.`;
    }
    case "history": {
      if (command.scope === "workspace" && !(await ctx.rights()).workspace)
        return "Only workspace admins can see the workspace's changes. `settings history` shows this conversation's.";
      const scope = scopeOf(command.scope, ctx);
      return renderHistory(
        command.scope,
        await ctx.store.listAudit(scope, HISTORY_SHOWN),
        displayOf(ctx.platform),
      );
    }
  }
}

/** Slack shows ids as mentions; elsewhere the id itself (the scope's last part for a conversation). */
function displayOf(platform: string): {
  showUser(id: string): string;
  showConversation(scope: string): string;
} {
  const last = (scope: string) => scope.slice(scope.lastIndexOf(":") + 1);
  if (platform === "slack") return { showUser: (id) => `<@${id}>`, showConversation: (s) => `<#${last(s)}>` };
  return { showUser: (id) => id, showConversation: last };
}

/** reasoning_effort is checked against the model the scope uses now: why it does not fit, if not. */
async function effortUnfit(
  scope: CommandScope,
  value: string,
  ctx: CommandContext,
): Promise<string | undefined> {
  const [conversation = {}, workspace = {}] = await ctx.store.getSettingsMany([
    ctx.conversationScope,
    ctx.workspaceScope,
  ]);
  const layers = scope === "workspace" ? { conversation: {}, workspace } : { conversation, workspace };
  const { model } = resolveSettings(layers, ctx.defaults, ctx.models);
  const efforts = model.profile.reasoningEfforts;
  if (!efforts) {
    const reasoning = ctx.models.filter((m) => m.profile.reasoningEfforts).map((m) => m.name);
    const others = reasoning.length ? `; reasoning models here: ${reasoning.join(", ")}` : "";
    return `applies to reasoning models only, and ${model.name} is not one${others}`;
  }
  return efforts.includes(value) ? undefined : `must be one of: ${efforts.join(", ")} for ${model.name}`;
}

function unknownKey(key: string): string {
  const all = [...SETTING_KEYS, ...POLICIES.map((p) => p.key)];
  return `\`${key}\` is not a setting. Settings: ${all.map((k) => `\`${k}\``).join(", ")}.`;
}

function workspaceOnly(key: string, value: string): string {
  return `\`${key}\` is a workspace policy: an admin sets it with \`settings workspace set ${key} ${value}\`. Nothing was changed.`;
}

function policyChanged(key: string, value: string): string {
  if (value === "*")
    return `\`${key}\` is lifted for the workspace: everyone may use the bot wherever it is. \`settings workspace reset ${key}\` goes back to the configured list.`;
  if (key.startsWith("quota_"))
    return `\`${key}\` is now ${Number(value).toLocaleString("en-US")} tokens for the workspace.`;
  return `\`${key}\` is now ${value
    .split(",")
    .map((id) => `\`${id}\``)
    .join(", ")} for the workspace.`;
}

function scopeOf(scope: CommandScope, ctx: CommandContext): string {
  return scope === "workspace" ? ctx.workspaceScope : ctx.conversationScope;
}

async function refuse(scope: CommandScope, ctx: CommandContext): Promise<string | undefined> {
  const rights = await ctx.rights();
  if (scope === "workspace" && !rights.workspace) {
    return "Only workspace admins can change the workspace defaults. You can still view them with `settings workspace`.";
  }
  if (scope === "conversation" && !rights.conversation) {
    return "Only admins can change this channel's settings. You can still view them with `settings`.";
  }
  return undefined;
}

function display(key: string, value: string): string {
  if (key === "stop") {
    const list = JSON.parse(value) as string[];
    return list.length ? list.map((s) => `\`${s}\``).join(" | ") : "none";
  }
  if (key === "system_prompt") return `"${value.length > 200 ? `${value.slice(0, 200)}…` : value}"`;
  return `\`${value}\``;
}
