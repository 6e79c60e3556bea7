// Plain Markdown renderings of command answers; platform adapters convert Markdown as they do for answers.
import type { EffectiveSettings, SettingSource } from "../settings/resolve.js";
import { SETTINGS, type SettingsContext } from "../settings/schema.js";

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
    "• `forget`: clear this conversation's history",
    "• `help`: this message",
    "",
    "**Settings**",
    keys,
  ].join("\n");
}

const SOURCE_NOTE: Record<SettingSource, string> = {
  conversation: "",
  workspace: " _(workspace)_",
  default: " _(default)_",
};

export function renderSettings(title: string, s: EffectiveSettings): string {
  const note = (key: string) => SOURCE_NOTE[s.sources[key] ?? "default"];
  const g = s.generation;
  const show = (v: number | undefined) => (v === undefined ? "model default" : String(v));
  const prompt = s.systemPrompt.length > 300 ? `${s.systemPrompt.slice(0, 300)}…` : s.systemPrompt;
  return [
    `**${title}**`,
    `• \`model\`: ${s.model.name}${note("model")}`,
    `• \`temperature\`: ${show(g.temperature)}${note("temperature")}`,
    `• \`top_p\`: ${show(g.topP)}${note("top_p")}`,
    `• \`max_tokens\`: ${show(g.maxTokens)}${note("max_tokens")}`,
    `• \`stop\`: ${g.stop?.length ? g.stop.map((x) => `\`${x}\``).join(" | ") : "none"}${note("stop")}`,
    `• \`presence_penalty\`: ${show(g.presencePenalty)}${note("presence_penalty")}`,
    `• \`frequency_penalty\`: ${show(g.frequencyPenalty)}${note("frequency_penalty")}`,
    `• \`history\`: ${s.historyEnabled ? "on" : "off"}${note("history")}`,
    `• \`history_window\`: ${s.historyWindow} messages${note("history_window")}`,
    `• \`datasource\`: ${s.dataSource ?? "off"}${note("datasource")}`,
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
