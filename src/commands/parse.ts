// The settings grammar shared by every platform. Platforms only carry text in and out:
//   help | forget | usage | settings [workspace] [show | help | history | set <key> <value> | reset [key]]
// Plain chat that merely starts with "help" goes to the model; "help" alone is the command.

export type CommandScope = "conversation" | "workspace";

export type Command =
  | { type: "help" }
  | { type: "forget" }
  | { type: "usage" }
  | { type: "show"; scope: CommandScope }
  | { type: "set"; scope: CommandScope; key: string; value: string }
  | { type: "reset"; scope: CommandScope; key?: string }
  | { type: "history"; scope: CommandScope }
  | { type: "usage_error"; message: string };

const HELP_WORDS = new Set(["help", "?", "/help", "settings help", "commands"]);

/** Returns the command in `text`, or null when the text is ordinary chat for the model. */
export function parseCommand(text: string): Command | null {
  const trimmed = text.trim().replace(/^\//, "");
  const lower = trimmed.toLowerCase();
  if (HELP_WORDS.has(lower)) return { type: "help" };
  if (lower === "forget" || lower === "forget this conversation") return { type: "forget" };
  if (lower === "usage" || lower === "my usage") return { type: "usage" };

  const words = trimmed.split(/\s+/);
  if (words[0]?.toLowerCase() !== "settings") return null;
  let rest = words.slice(1);
  let scope: CommandScope = "conversation";
  if (rest[0]?.toLowerCase() === "workspace" || rest[0]?.toLowerCase() === "tenant") {
    scope = "workspace";
    rest = rest.slice(1);
  }
  const verb = rest[0]?.toLowerCase();
  if (verb === undefined || verb === "show" || verb === "list") return { type: "show", scope };
  if (verb === "help") return { type: "help" };
  if (verb === "history" || verb === "log" || verb === "changes") return { type: "history", scope };
  if (verb === "set") {
    const key = rest[1];
    // The value is everything after the key, with its own spacing and line breaks kept.
    const value = key === undefined ? "" : valueAfter(trimmed, key);
    if (!key || value === "") {
      return {
        type: "usage_error",
        message: "Usage: `settings set <key> <value>`, e.g. `settings set temperature 0.2`.",
      };
    }
    return { type: "set", scope, key, value };
  }
  if (verb === "reset" || verb === "unset" || verb === "clear") {
    if (rest.length > 2)
      return { type: "usage_error", message: "Usage: `settings reset` or `settings reset <key>`." };
    return { type: "reset", scope, key: rest[1] };
  }
  return {
    type: "usage_error",
    message: `Unknown settings command \`${verb}\`. Try \`settings\`, \`settings set <key> <value>\` or \`settings reset [key]\`.`,
  };
}

function valueAfter(text: string, key: string): string {
  const m = new RegExp(`^\\S+\\s+(?:\\S+\\s+)?set\\s+${escapeRegExp(key)}(?:\\s+|$)`, "i").exec(text);
  return m ? text.slice(m[0].length).trim() : "";
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
