// Plain Markdown renderings of command answers; platform adapters convert Markdown as they do for answers.

import { POLICIES } from "../settings/policies.js";
import type { EffectiveSettings, SettingSource } from "../settings/resolve.js";
import { SETTINGS, type SettingsContext } from "../settings/schema.js";
import type { AuditEntry } from "../store/types.js";

export function renderHelp(ctx: SettingsContext): string {
  const keys = SETTINGS.map((s) => `• \`${s.key}\`: ${s.describe} (${s.allowed(ctx)})`).join("\n");
  return [
    "**What I can do**",
    "Ask me anything: mention me in a channel, or write to me directly. I remember the thread.",
    "",
    "**Commands**",
    "• `settings`: show this conversation's settings",
    "• `settings set <key> <value>`: change one, e.g. `settings set temperature 0.2`",
    "• `settings reset [key]`: back to the default (one key, or all)",
    "• `settings workspace ...`: the same for the whole workspace's default",
    "• `settings history`: the last changes here (`settings workspace history`: the workspace's, for admins)",
    "• `forget`: clear this conversation's history",
    "• `usage`: the tokens you used today and this month, and your limits (admins: the workspace's)",
    "• `help`: this message",
    "",
    "**Settings**",
    keys,
    "",
    "**Workspace policies** (admins: `settings workspace set <policy> <value>`)",
    POLICIES.map((p) => `• \`${p.key}\`: ${p.describe} (${p.allowed})`).join("\n"),
  ].join("\n");
}

const ACTION: Record<AuditEntry["action"], string> = {
  set: "set",
  reset: "reset",
  forget: "forgot the conversation",
};

/** The audit trail, newest first: when, who, what, old → new. */
export function renderHistory(
  scope: "conversation" | "workspace",
  entries: AuditEntry[],
  show: { showUser(id: string): string; showConversation(scope: string): string },
): string {
  const title = scope === "workspace" ? "**Changes in this workspace**" : "**Changes in this conversation**";
  if (entries.length === 0) return `${title}\nNothing has been changed yet.`;
  const lines = entries.map((e) => {
    const when = new Date(e.at).toISOString().slice(0, 16).replace("T", " ");
    const what =
      e.action === "forget"
        ? ACTION.forget
        : `${ACTION[e.action]} ${e.key ? `\`${e.key}\`` : "all"}${e.action === "set" ? `: ${shown(e.old)} → ${shown(e.new)}` : e.old ? ` (was ${shown(e.old)})` : ""}`;
    const where =
      scope === "workspace"
        ? e.scope === "workspace"
          ? " (workspace)"
          : ` in ${show.showConversation(e.conversationScope)}`
        : "";
    return `• ${when} UTC, ${show.showUser(e.userId)}: ${what}${where}`;
  });
  return [`${title} (newest first)`, ...lines].join("\n");
}

function shown(value: string | undefined): string {
  if (value === undefined || value === "") return "_default_";
  return `\`${value.length > 60 ? `${value.slice(0, 60)}…` : value}\``;
}

const SOURCE_NOTE: Record<SettingSource, string> = {
  conversation: "",
  workspace: " _(workspace)_",
  default: " _(default)_",
};

export function renderSettings(title: string, settings: EffectiveSettings): string {
  const note = (key: string) => SOURCE_NOTE[settings.sources[key] ?? "default"];
  const generation = settings.generation;
  const show = (v: number | undefined) => (v === undefined ? "model default" : String(v));
  const prompt =
    settings.systemPrompt.length > 300 ? `${settings.systemPrompt.slice(0, 300)}…` : settings.systemPrompt;
  return [
    `**${title}**`,
    `• \`model\`: ${settings.model.name}${note("model")}`,
    `• \`temperature\`: ${show(generation.temperature)}${note("temperature")}`,
    `• \`top_p\`: ${show(generation.topP)}${note("top_p")}`,
    `• \`max_tokens\`: ${show(generation.maxTokens)}${note("max_tokens")}`,
    `• \`stop\`: ${generation.stop?.length ? generation.stop.map((x) => `\`${x}\``).join(" | ") : "none"}${note("stop")}`,
    `• \`presence_penalty\`: ${show(generation.presencePenalty)}${note("presence_penalty")}`,
    `• \`frequency_penalty\`: ${show(generation.frequencyPenalty)}${note("frequency_penalty")}`,
    ...(settings.model.profile.reasoningEfforts
      ? [
          `• \`reasoning_effort\`: ${generation.reasoningEffort ?? "model default"}${note("reasoning_effort")}`,
        ]
      : []),
    `• \`history\`: ${settings.historyEnabled ? "on" : "off"}${note("history")}`,
    `• \`history_window\`: ${settings.historyWindow} messages${note("history_window")}`,
    `• \`datasource\`: ${settings.dataSource ?? "off"}${note("datasource")}`,
    `• \`system_prompt\`${note("system_prompt")}:`,
    quote(prompt),
  ].join("\n");
}

function quote(text: string): string {
  return text
    .split("\n")
    .map((line) => `> ${line}`)
    .join("\n");
}
