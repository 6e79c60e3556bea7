// Effective settings: a conversation's overrides over its workspace/tenant's, over the environment's.
import type { EnvDefaults } from "../config.js";
import type { AllowedModel } from "../llm/models.js";
import type { GenerationOptions } from "../llm/types.js";
import type { SettingsContext } from "./schema.js";

export type SettingSource = "conversation" | "workspace" | "default";

/** What a platform's settings form shows: the values, the allowed choices, and whether it may be saved. */
export interface SettingsView {
  settings: EffectiveSettings;
  context: SettingsContext;
  canChange: boolean;
}

export interface EffectiveSettings {
  systemPrompt: string;
  model: AllowedModel;
  generation: GenerationOptions;
  historyEnabled: boolean;
  historyWindow: number;
  dataSource?: string;
  /** Where each key's value came from, for the `settings` listing. */
  sources: Record<string, SettingSource>;
}

/**
 * Merges the stored layers (conversation first, then workspace) over the environment defaults.
 * Stored values were validated when set; a value that no longer fits (a model removed from the
 * allow-list) falls back to the next layer rather than failing the turn.
 */
export function resolveSettings(
  layers: { conversation: Record<string, string>; workspace: Record<string, string> },
  defaults: EnvDefaults,
  models: AllowedModel[],
): EffectiveSettings {
  const sources: Record<string, SettingSource> = {};
  const pick = (key: string, valid: (v: string) => boolean = () => true): string | undefined => {
    for (const [source, layer] of [
      ["conversation", layers.conversation],
      ["workspace", layers.workspace],
    ] as const) {
      const value = layer[key];
      if (value !== undefined && valid(value)) {
        sources[key] = source;
        return value;
      }
    }
    sources[key] = "default";
    return undefined;
  };
  const num = (key: string, fallback: number | undefined) => {
    const v = pick(key, (s) => Number.isFinite(Number(s)));
    return v === undefined ? fallback : Number(v);
  };

  const defaultModel = models[0];
  if (!defaultModel) throw new Error("at least one model must be configured");
  const modelName = pick("model", (v) => models.some((m) => m.name === v));
  const stop = pick("stop");
  const dataSource = pick("datasource");

  const model = models.find((m) => m.name === modelName) ?? defaultModel;
  // A value the current model does not take (the model changed since) is left out.
  const reasoningEffort = pick(
    "reasoning_effort",
    (v) => model.profile.reasoningEfforts?.includes(v) ?? false,
  );

  return {
    systemPrompt: pick("system_prompt") ?? defaults.systemPrompt,
    model,
    generation: {
      temperature: num("temperature", defaults.temperature),
      topP: num("top_p", defaults.topP),
      maxTokens: num("max_tokens", defaults.maxTokens),
      stop: stop && stop !== "[]" ? (JSON.parse(stop) as string[]) : undefined,
      presencePenalty: num("presence_penalty", defaults.presencePenalty),
      frequencyPenalty: num("frequency_penalty", defaults.frequencyPenalty),
      ...(reasoningEffort ? { reasoningEffort } : {}),
    },
    historyEnabled: (pick("history") ?? (defaults.historyEnabled ? "on" : "off")) === "on",
    historyWindow: num("history_window", defaults.historyWindow) ?? defaults.historyWindow,
    dataSource: dataSource && dataSource !== "off" ? dataSource : undefined,
    sources,
  };
}
