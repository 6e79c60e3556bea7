// Thread keys and Redis key names. Pure functions; the vectors live in test/store/keys.test.ts.

export interface ThreadRef {
  platform: string;
  tenant: string;
  channel: string;
  thread: string;
}

const PART_SEPARATOR = ":";
const PART_COUNT = 4;

// `%` so the encoding is reversible, `:` because it separates parts, braces because they would end
// a Redis hash tag early.
const ENCODED: Record<string, string> = { "%": "%25", ":": "%3A", "{": "%7B", "}": "%7D" };
const DECODED: Record<string, string> = { "%25": "%", "%3A": ":", "%7B": "{", "%7D": "}" };

function encodePart(part: string): string {
  return part.replace(/[%:{}]/g, (c) => ENCODED[c] ?? c);
}

function decodePart(part: string, key: string): string {
  if (/[{}]/.test(part)) throw new Error(`malformed thread key (raw brace): ${key}`);
  return part.replace(/%.{0,2}/g, (seq) => {
    const c = DECODED[seq]; // exact, upper-case only: one key per ref
    if (c === undefined) throw new Error(`malformed thread key (bad escape ${seq}): ${key}`);
    return c;
  });
}

/** `{platform}:{tenant}:{channel}:{thread}`, each part escaped so the key is opaque and reversible. */
export function encodeThreadKey(ref: ThreadRef): string {
  return [ref.platform, ref.tenant, ref.channel, ref.thread].map(encodePart).join(PART_SEPARATOR);
}

/** Where settings live: the conversation's own scope and its workspace's (Slack team, Teams tenant). */
export interface SettingsScopes {
  conversationScope: string;
  workspaceScope: string;
}

/** `{platform}:{workspace}:{conversation}` and `{platform}:{workspace}`: the settings scopes of a conversation. */
export function settingsScopes(platform: string, workspace: string, conversation: string): SettingsScopes {
  return {
    conversationScope: `${platform}:${workspace}:${conversation}`,
    workspaceScope: `${platform}:${workspace}`,
  };
}

/** Inverse of encodeThreadKey; throws on a key it could not have produced. */
export function decodeThreadKey(key: string): ThreadRef {
  const parts = key.split(PART_SEPARATOR);
  if (parts.length !== PART_COUNT) throw new Error(`malformed thread key (want ${PART_COUNT} parts): ${key}`);
  const [platform, tenant, channel, thread] = parts.map((p) => decodePart(p, key)) as [
    string,
    string,
    string,
    string,
  ];
  return { platform, tenant, channel, thread };
}

export const DEFAULT_KEY_PREFIX = "bot:";

/** Tag of the empty id: Redis ignores an empty `{}` (it hashes the whole key), and no escaped id is a lone `%`. */
const EMPTY_ID_TAG = "%";

/**
 * The `{...}` hash tag for a thread key, settings scope, dedupe id or rate budget key. Thread keys from
 * encodeThreadKey contain no braces, so a raw `%`, `{` or `}` only comes from other ids; they are
 * escaped (injectively) so the tag cannot end early and two ids never share a key.
 */
export function hashTag(id: string): string {
  return `{${id === "" ? EMPTY_ID_TAG : id.replace(/[%{}]/g, (c) => ENCODED[c] ?? c)}}`;
}

export interface RedisKeys {
  readonly prefix: string;
  /** List of JSON messages, oldest first. */
  history(threadKey: string): string;
  /** List of lock owner tokens, FIFO; the head holds the lock. */
  lockQueue(threadKey: string): string;
  /** Hash token -> lease deadline (Redis server time, epoch ms) for every queued token. */
  lockLeases(threadKey: string): string;
  /** Hash of settings overrides for one scope. */
  settings(scope: string): string;
  /** Marker that an event/activity id was seen. */
  dedupe(id: string): string;
  /** The usage ledger's counters (usage.ts) of one workspace for a UTC day or month. */
  usage(workspaceScope: string, period: string): string;
  /** Sorted set of a workspace's quota holds (turns in flight), scored by their deadline. */
  usageHolds(workspaceScope: string): string;
  /** Sorted set of take ids scored by take time (Redis server ms) for one rate budget. */
  rateTakes(budgetKey: string): string;
  /** Present (with a TTL) while a rate budget is held closed after a 429. */
  rateHold(budgetKey: string): string;
  /** Present (with a TTL) while the bot takes part in the thread. */
  threadMark(threadKey: string): string;
  /** A shared note (SharedNotes), with its own TTL. */
  note(key: string): string;
  /** List of JSON audit entries of a conversation or workspace scope, newest first. */
  audit(scope: string): string;
  /** Hash feedback id -> JSON entry for one conversation scope. */
  feedback(scope: string): string;
  /** Sorted set of feedback ids scored by entry time: the order and the trimming of `feedback`. */
  feedbackOrder(scope: string): string;
}

/** Key names under `prefix`; every key of one thread shares the thread's hash tag (one cluster slot). */
export function redisKeys(prefix: string = DEFAULT_KEY_PREFIX): RedisKeys {
  // A brace in the prefix would become the hash tag of every key and put them all in one slot.
  if (/[{}]/.test(prefix)) throw new Error(`Redis key prefix must not contain braces: ${prefix}`);
  return {
    prefix,
    history: (threadKey) => `${prefix}hist:${hashTag(threadKey)}`,
    lockQueue: (threadKey) => `${prefix}lockq:${hashTag(threadKey)}`,
    lockLeases: (threadKey) => `${prefix}lease:${hashTag(threadKey)}`,
    settings: (scope) => `${prefix}set:${hashTag(scope)}`,
    dedupe: (id) => `${prefix}seen:${hashTag(id)}`,
    usage: (scope, month) => `${prefix}use:${hashTag(scope)}:${month}`,
    usageHolds: (scope) => `${prefix}useh:${hashTag(scope)}`,
    rateTakes: (budgetKey) => `${prefix}rate:${hashTag(budgetKey)}`,
    rateHold: (budgetKey) => `${prefix}hold:${hashTag(budgetKey)}`,
    threadMark: (threadKey) => `${prefix}mark:${hashTag(threadKey)}`,
    note: (key) => `${prefix}note:${hashTag(key)}`,
    audit: (scope) => `${prefix}audit:${hashTag(scope)}`,
    feedback: (scope) => `${prefix}fb:${hashTag(scope)}`,
    feedbackOrder: (scope) => `${prefix}fbt:${hashTag(scope)}`,
  };
}

/**
 * The keys each Lua script and each MULTI touches together. On a Redis Cluster one script or
 * transaction may only touch keys of one hash slot: every group shares one hash tag, so one slot
 * (asserted for every group in test/store/redis-slots.test.ts).
 */
export function keyGroups(keys: RedisKeys) {
  return {
    /** lock-scripts.ts ENQUEUE, PEEK, LEAVE, TOUCH: KEYS[1] queue, KEYS[2] leases. */
    lock: (threadKey: string): [string, string] => [keys.lockQueue(threadKey), keys.lockLeases(threadKey)],
    /** rate-scripts.ts TAKE: KEYS[1] takes, KEYS[2] hold (HOLD touches the hold only). */
    rate: (budgetKey: string): [string, string] => [keys.rateTakes(budgetKey), keys.rateHold(budgetKey)],
    /** feedback-scripts.ts RECORD, LIST: KEYS[1] entries, KEYS[2] order. */
    feedback: (scope: string): [string, string] => [keys.feedback(scope), keys.feedbackOrder(scope)],
    /** MULTI of append (RPUSH, LTRIM, EXPIRE): one key. */
    append: (threadKey: string): [string] => [keys.history(threadKey)],
    /** usage-scripts.ts RESERVE, RECORD_TURN: the workspace's day, its month, its holds. */
    usage: (workspaceScope: string, day: string, month: string): [string, string, string] => [
      keys.usage(workspaceScope, day),
      keys.usage(workspaceScope, month),
      keys.usageHolds(workspaceScope),
    ],
  };
}

export type KeyGroups = ReturnType<typeof keyGroups>;
