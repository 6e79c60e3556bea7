// Feedback inside one process: the same rules as feedback-scripts.ts (latest click per user and
// answer wins, newest FEEDBACK_MAX_PER_SCOPE kept, the scope expires FEEDBACK_TTL_SECONDS after its
// last record).
import {
  FEEDBACK_MAX_PER_SCOPE,
  FEEDBACK_TTL_SECONDS,
  feedbackId,
  feedbackListLimit,
  newestFirst,
  normalizeFeedback,
} from "./feedback.js";
import type { FeedbackEntry } from "./types.js";

const MS_PER_SECOND = 1_000;

interface Scope {
  /** Feedback id -> entry. */
  entries: Map<string, FeedbackEntry>;
  expiresAt: number;
}

export class LocalFeedback {
  private readonly scopes = new Map<string, Scope>();

  constructor(private readonly now: () => number) {}

  record(entry: FeedbackEntry): void {
    const stored = normalizeFeedback(entry);
    const id = feedbackId(stored);
    const scope = this.live(stored.conversationScope) ?? { entries: new Map(), expiresAt: 0 };
    const current = scope.entries.get(id);
    if (current && current.at > stored.at) return; // a later click already won
    scope.entries.set(id, stored);
    if (scope.entries.size > FEEDBACK_MAX_PER_SCOPE) this.dropOldest(scope);
    scope.expiresAt = this.now() + FEEDBACK_TTL_SECONDS * MS_PER_SECOND;
    this.scopes.set(stored.conversationScope, scope);
  }

  list(conversationScope: string, limit: number): FeedbackEntry[] {
    const newest = feedbackListLimit(limit);
    const scope = this.live(conversationScope);
    if (!scope || newest === 0) return [];
    return [...scope.entries]
      .map(([id, entry]) => ({ id, at: entry.at, entry }))
      .sort(newestFirst)
      .slice(0, newest)
      .map(({ entry }) => ({ ...entry }));
  }

  sweep(now: number): void {
    for (const [key, scope] of this.scopes) if (scope.expiresAt <= now) this.scopes.delete(key);
  }

  private live(conversationScope: string): Scope | undefined {
    const scope = this.scopes.get(conversationScope);
    if (scope && scope.expiresAt <= this.now()) {
      this.scopes.delete(conversationScope);
      return undefined;
    }
    return scope;
  }

  /** One record adds at most one entry, so one scan drops the excess. */
  private dropOldest(scope: Scope): void {
    let oldest: { id: string; at: number } | undefined;
    for (const [id, entry] of scope.entries) {
      const candidate = { id, at: entry.at };
      if (!oldest || newestFirst(candidate, oldest) > 0) oldest = candidate;
    }
    if (oldest) scope.entries.delete(oldest.id);
  }
}
