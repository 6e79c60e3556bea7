// The settings as an Adaptive Card: the effective values, and (for those allowed to change them) a
// form whose submit comes back as a message with `value`; that becomes `settings set` commands of
// the shared grammar, so validation and wording stay in one place.

import type { Attachment } from "botframework-schema";
import { clipText } from "../../src/reply/split.js";
import type { EffectiveSettings, SettingsView } from "../../src/settings/resolve.js";
import type { SettingsContext } from "../../src/settings/schema.js";
import { SETTINGS_CARD_ACTION } from "./routing.js";

const CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json";
const CARD_VERSION = "1.5";

/** The form's fields, in order: setting key, label, input kind. */
const FIELDS: Array<{ key: string; label: string; input: "text" | "multiline" | "number" | "choice" }> = [
  { key: "model", label: "Model", input: "choice" },
  { key: "system_prompt", label: "System prompt", input: "multiline" },
  { key: "temperature", label: "Temperature (0–2)", input: "number" },
  { key: "top_p", label: "Top p (0–1)", input: "number" },
  { key: "max_tokens", label: "Max tokens", input: "number" },
  { key: "stop", label: "Stop sequences (separated by |)", input: "text" },
  { key: "presence_penalty", label: "Presence penalty (−2–2)", input: "number" },
  { key: "frequency_penalty", label: "Frequency penalty (−2–2)", input: "number" },
  { key: "history", label: "History", input: "choice" },
  { key: "history_window", label: "History window (messages)", input: "number" },
  { key: "datasource", label: "Data source", input: "choice" },
];

/** The current value of each field as the form shows it. */
export function currentValues(settings: EffectiveSettings): Record<string, string> {
  const generation = settings.generation;
  const str = (v: number | undefined) => (v === undefined ? "" : String(v));
  return {
    model: settings.model.name,
    system_prompt: settings.systemPrompt,
    temperature: str(generation.temperature),
    top_p: str(generation.topP),
    max_tokens: str(generation.maxTokens),
    stop: (generation.stop ?? []).join(" | "),
    presence_penalty: str(generation.presencePenalty),
    frequency_penalty: str(generation.frequencyPenalty),
    history: settings.historyEnabled ? "on" : "off",
    history_window: String(settings.historyWindow),
    datasource: settings.dataSource ?? "off",
  };
}

/** The card's message: what a Teams sink sends for `settings` (ReplySink.showSettings). */
export function settingsCardMessage(view: SettingsView): { type: "message"; attachments: Attachment[] } {
  return { type: "message", attachments: [settingsCard(view.settings, view.context, view.canChange)] };
}

export function settingsCard(
  settings: EffectiveSettings,
  ctx: SettingsContext,
  canChange: boolean,
): Attachment {
  const values = currentValues(settings);
  const facts = FIELDS.map((f) => ({
    title: f.label,
    value: clipText(values[f.key] || "model default", 200),
  }));
  const body: unknown[] = [
    {
      type: "TextBlock",
      text: "Settings for this conversation",
      weight: "Bolder",
      size: "Medium",
      wrap: true,
    },
    { type: "FactSet", facts },
  ];
  if (!canChange) {
    body.push({
      type: "TextBlock",
      text: "Only team owners and configured admins can change these here.",
      isSubtle: true,
      wrap: true,
    });
    return card(body, []);
  }
  body.push({ type: "TextBlock", text: "Change", weight: "Bolder", separator: true });
  for (const f of FIELDS) body.push(input(f, values[f.key] ?? "", ctx));
  return card(body, [{ type: "Action.Submit", title: "Save", data: { action: SETTINGS_CARD_ACTION } }]);
}

/**
 * The commands a submitted form asks for: one `settings set` per field whose value changed, and a
 * `settings reset` for a field cleared that had a value.
 */
export function commandsFromSubmit(
  submitted: Record<string, unknown>,
  current: Record<string, string>,
): string[] {
  const commands: string[] = [];
  for (const f of FIELDS) {
    if (!(f.key in submitted)) continue;
    const value = String(submitted[f.key] ?? "").trim();
    if (value === (current[f.key] ?? "")) continue;
    commands.push(value === "" ? `settings reset ${f.key}` : `settings set ${f.key} ${value}`);
  }
  return commands;
}

function input(f: (typeof FIELDS)[number], value: string, ctx: SettingsContext): Record<string, unknown> {
  const common = { id: f.key, label: f.label, value };
  if (f.input === "choice") {
    const choices =
      f.key === "model"
        ? ctx.allowedModels
        : f.key === "history"
          ? ["on", "off"]
          : ["off", ...ctx.dataSources];
    return {
      type: "Input.ChoiceSet",
      ...common,
      style: "compact",
      choices: choices.map((c) => ({ title: c, value: c })),
    };
  }
  if (f.input === "number") return { type: "Input.Text", ...common, placeholder: "model default" };
  return { type: "Input.Text", ...common, isMultiline: f.input === "multiline", placeholder: "" };
}

function card(body: unknown[], actions: unknown[]): Attachment {
  return {
    contentType: "application/vnd.microsoft.card.adaptive",
    content: { type: "AdaptiveCard", $schema: CARD_SCHEMA, version: CARD_VERSION, body, actions },
  };
}
