// History entries are JSON in Redis; a malformed entry (older format, manual edit) is skipped, not fatal.
import type { StoredMessage } from "./types.js";

const ROLES: ReadonlySet<string> = new Set(["user", "assistant"]);

export function decodeMessage(raw: string): StoredMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const { role, content, at, userId } = value as Record<string, unknown>;
  if (typeof role !== "string" || !ROLES.has(role) || typeof content !== "string" || typeof at !== "number") {
    return undefined;
  }
  if (userId !== undefined && typeof userId !== "string") return undefined;
  // Fields added to StoredMessage later pass through unchanged.
  return value as StoredMessage;
}
