// The settings a conversation can change, their allowed values, and how a typed value is parsed.
// One table drives validation, the `settings` listing and the help text on every platform.

export interface SettingsContext {
  /** Model/deployment names the configuration allows. */
  allowedModels: string[];
  /** Data-source names the configuration defines (bot search or On Your Data). */
  dataSources: string[];
}

/** The values the configuration allows: one source for commands, help and the Teams card. */
export function settingsContextOf(config: {
  models: ReadonlyArray<{ name: string }>;
  dataSources: ReadonlyArray<{ name: string }>;
}): SettingsContext {
  return {
    allowedModels: config.models.map((m) => m.name),
    dataSources: config.dataSources.map((d) => d.name),
  };
}

export interface SettingDef {
  key: string;
  /** What the value means, for help and error messages. */
  describe: string;
  /** The allowed values, said in words (e.g. "a number from 0 to 2"). */
  allowed: (ctx: SettingsContext) => string;
  /** Turns user text into the stored form, or returns an error message. */
  parse: (raw: string, ctx: SettingsContext) => { value: string } | { error: string };
}

export const MAX_SYSTEM_PROMPT_CHARS = 8_000;
/** Azure OpenAI accepts up to 4 stop sequences. */
export const MAX_STOP_SEQUENCES = 4;
export const MAX_HISTORY_WINDOW = 500;
export const MAX_REPLY_TOKENS = 100_000;
export const REASONING_EFFORTS = ["minimal", "low", "medium", "high"];

const OFF_WORDS = new Set(["off", "none", "false", "no", "0", "disable", "disabled"]);
const ON_WORDS = new Set(["on", "true", "yes", "1", "enable", "enabled"]);

function numberIn(min: number, max: number, integer = false): SettingDef["parse"] {
  return (raw) => {
    const n = Number(raw.trim());
    if (raw.trim() === "" || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      return { error: `must be ${integer ? "a whole number" : "a number"} from ${min} to ${max}` };
    }
    return { value: String(n) };
  };
}

export const SETTINGS: readonly SettingDef[] = [
  {
    key: "system_prompt",
    describe: "instructions the assistant follows in this conversation",
    allowed: () => `any text up to ${MAX_SYSTEM_PROMPT_CHARS} characters`,
    parse: (raw) => {
      const text = stripQuotes(raw.trim());
      if (!text) return { error: "must not be empty (use `settings reset system_prompt` for the default)" };
      if (text.length > MAX_SYSTEM_PROMPT_CHARS)
        return { error: `must be at most ${MAX_SYSTEM_PROMPT_CHARS} characters` };
      return { value: text };
    },
  },
  {
    key: "model",
    describe: "the deployment or model that answers",
    allowed: (ctx) => `one of: ${ctx.allowedModels.join(", ")}`,
    parse: (raw, ctx) => {
      const name = raw.trim();
      const match = ctx.allowedModels.find((m) => m.toLowerCase() === name.toLowerCase());
      return match ? { value: match } : { error: `must be one of: ${ctx.allowedModels.join(", ")}` };
    },
  },
  {
    key: "temperature",
    describe: "randomness of the answer (higher is more varied)",
    allowed: () => "a number from 0 to 2",
    parse: numberIn(0, 2),
  },
  {
    key: "top_p",
    describe: "nucleus sampling: the share of probability mass considered",
    allowed: () => "a number from 0 to 1",
    parse: numberIn(0, 1),
  },
  {
    key: "max_tokens",
    describe: "the longest answer, in tokens",
    allowed: () => `a whole number from 1 to ${MAX_REPLY_TOKENS}`,
    parse: numberIn(1, MAX_REPLY_TOKENS, true),
  },
  {
    key: "stop",
    describe: "sequences that end the answer, separated by |",
    allowed: () => `up to ${MAX_STOP_SEQUENCES} sequences separated by |, or "none"`,
    parse: (raw) => {
      if (OFF_WORDS.has(raw.trim().toLowerCase())) return { value: "[]" };
      const parts = raw
        .split("|")
        .map((s) => stripQuotes(s.trim()))
        .filter(Boolean);
      if (parts.length === 0) return { error: 'must name at least one sequence, or "none"' };
      if (parts.length > MAX_STOP_SEQUENCES)
        return { error: `must be at most ${MAX_STOP_SEQUENCES} sequences` };
      return { value: JSON.stringify(parts) };
    },
  },
  {
    key: "presence_penalty",
    describe: "how much to favour new topics",
    allowed: () => "a number from -2 to 2",
    parse: numberIn(-2, 2),
  },
  {
    key: "frequency_penalty",
    describe: "how much to avoid repeating the same words",
    allowed: () => "a number from -2 to 2",
    parse: numberIn(-2, 2),
  },
  {
    key: "reasoning_effort",
    describe: "how long a reasoning model thinks before it answers (reasoning models only)",
    allowed: () => `one of: ${REASONING_EFFORTS.join(", ")} (minimal: gpt-5 models)`,
    parse: (raw) => {
      const value = raw.trim().toLowerCase();
      return REASONING_EFFORTS.includes(value)
        ? { value }
        : { error: `must be one of: ${REASONING_EFFORTS.join(", ")}` };
    },
  },
  {
    key: "history",
    describe: "whether earlier messages of the thread are sent along",
    allowed: () => "on or off",
    parse: (raw) => {
      const word = raw.trim().toLowerCase();
      if (ON_WORDS.has(word)) return { value: "on" };
      if (OFF_WORDS.has(word)) return { value: "off" };
      return { error: "must be on or off" };
    },
  },
  {
    key: "history_window",
    describe: "how many earlier messages are sent along at most",
    allowed: () => `a whole number from 0 to ${MAX_HISTORY_WINDOW}`,
    parse: numberIn(0, MAX_HISTORY_WINDOW, true),
  },
  {
    key: "datasource",
    describe: "the document index answers are grounded in",
    allowed: (ctx) =>
      ctx.dataSources.length > 0
        ? `off, or one of: ${ctx.dataSources.join(", ")}`
        : "off (no data sources are configured)",
    parse: (raw, ctx) => {
      const name = raw.trim();
      if (OFF_WORDS.has(name.toLowerCase())) return { value: "off" };
      const match = ctx.dataSources.find((d) => d.toLowerCase() === name.toLowerCase());
      if (match) return { value: match };
      return {
        error:
          ctx.dataSources.length > 0
            ? `must be off or one of: ${ctx.dataSources.join(", ")}`
            : "must be off: no data sources are configured",
      };
    },
  },
];

const BY_KEY = new Map(SETTINGS.map((s) => [s.key, s]));
// Friendly spellings people type.
const ALIASES: Record<string, string> = {
  prompt: "system_prompt",
  system: "system_prompt",
  deployment: "model",
  topp: "top_p",
  maxtokens: "max_tokens",
  data_source: "datasource",
  data: "datasource",
  window: "history_window",
};

export function findSetting(key: string): SettingDef | undefined {
  const k = key.trim().toLowerCase().replace(/-/g, "_");
  return BY_KEY.get(k) ?? BY_KEY.get(ALIASES[k.replace(/_/g, "")] ?? ALIASES[k] ?? "");
}

export const SETTING_KEYS: readonly string[] = SETTINGS.map((s) => s.key);

function stripQuotes(s: string): string {
  const m = /^(["'“”‘’])([\s\S]*)(["'“”‘’])$/.exec(s);
  return m ? (m[2] ?? "") : s;
}
