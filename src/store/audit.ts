// The audit trail's storage rules, shared by the Redis and in-process stores: each entry goes to its
// workspace's list, and a conversation's change to that conversation's list too; the newest
// AUDIT_KEPT of each are kept for AUDIT_TTL_SECONDS.
import type { AuditEntry } from "./types.js";

export const AUDIT_KEPT = 200;
/** As long as feedback: a year and a bit. */
export const AUDIT_TTL_SECONDS = 400 * 86_400;

export function auditScopes(entry: AuditEntry): string[] {
  return entry.scope === "conversation"
    ? [entry.workspaceScope, entry.conversationScope]
    : [entry.workspaceScope];
}

/** A stored entry, or nothing for one that cannot be read. */
export function decodeAudit(json: string): AuditEntry[] {
  try {
    const entry = JSON.parse(json) as AuditEntry;
    return typeof entry.at === "number" && typeof entry.action === "string" ? [entry] : [];
  } catch {
    return [];
  }
}
