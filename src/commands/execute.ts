// Carries out a parsed command against the store and returns the Markdown answer.
import type { EnvDefaults } from "../config.js";
import type { ChangeRights } from "../engine/types.js";
import type { AllowedModel } from "../llm/models.js";
import { resolveSettings } from "../settings/resolve.js";
import { findSetting, SETTING_KEYS, type SettingsContext } from "../settings/schema.js";
import type { Store } from "../store/types.js";
import { type QuotaLimits, usagePeriods } from "../store/usage.js";
import type { Command, CommandScope } from "./parse.js";
import { renderHelp, renderSettings } from "./render.js";
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
}

export async function executeCommand(command: Command, ctx: CommandContext): Promise<string> {
  switch (command.type) {
    case "help":
      return renderHelp(ctx.settings);
    case "usage_error":
      return command.message;
    case "usage": {
      const periods = usagePeriods(ctx.now);
      const [day, month, rights] = await Promise.all([
        ctx.store.usageReport(ctx.workspaceScope, periods.day),
        ctx.store.usageReport(ctx.workspaceScope, periods.month),
        ctx.rights(),
      ]);
      return renderUsage({
        reports: { day, month },
        userId: ctx.userId,
        conversationScope: ctx.conversationScope,
        limits: ctx.quotas,
        admin: rights.workspace,
        priced: ctx.priced,
        now: ctx.now,
        ...displayOf(ctx.platform),
      });
    }
    case "forget":
      await ctx.store.forget(ctx.threadKey);
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
      if (!def)
        return `\`${command.key}\` is not a setting. Settings: ${SETTING_KEYS.map((k) => `\`${k}\``).join(", ")}.`;
      const parsed = def.parse(command.value, ctx.settings);
      if ("error" in parsed) return `\`${def.key}\` ${parsed.error}. Nothing was changed.`;
      await ctx.store.setSetting(scopeOf(command.scope, ctx), def.key, parsed.value);
      return `\`${def.key}\` is now ${display(def.key, parsed.value)}${command.scope === "workspace" ? " for the workspace" : " in this conversation"}.`;
    }
    case "reset": {
      const refusal = await refuse(command.scope, ctx);
      if (refusal) return refusal;
      if (command.key === undefined) {
        await ctx.store.resetSettings(scopeOf(command.scope, ctx));
        return command.scope === "workspace"
          ? "All workspace settings are back to the configured defaults."
          : "All settings of this conversation are back to the defaults.";
      }
      const def = findSetting(command.key);
      if (!def)
        return `\`${command.key}\` is not a setting. Settings: ${SETTING_KEYS.map((k) => `\`${k}\``).join(", ")}.`;
      await ctx.store.resetSettings(scopeOf(command.scope, ctx), def.key);
      return `\`${def.key}\` is back to its default.`;
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
