// Whether a turn may run, before any reply starts: the allow-lists (the workspace's, else the
// environment's), and the token quotas (the stricter of the two), whose check holds the turn's
// expected tokens until the turn is recorded or fails. Neither ever asks the model.
import type { Config } from "../config.js";
import type { Logger } from "../log.js";
import type { Metrics } from "../metrics.js";
import { accessFor, accessRefusal, quotasFor } from "../settings/policies.js";
import type { Store } from "../store/types.js";
import type { Hold, QuotaExceeded } from "../store/usage.js";
import { hasQuotas } from "../usage/quota.js";
import { NOT_ENABLED_FOR_USER, NOT_ENABLED_HERE } from "./answer-notes.js";
import { type IncomingMessage, whoOf } from "./types.js";

/** How long "not enabled here" is remembered as said in a conversation. */
const ACCESS_NOTICE_TTL_S = 30 * 86_400;

export interface AdmissionDeps {
  config: Pick<Config, "access" | "usage">;
  store: Store;
  metrics: Metrics;
}

/**
 * Outside the allow-lists: the notice to post (the first message of a conversation, or of a user
 * for the user list, is told once), or "" to stay silent. Undefined: the turn may run. A question
 * about another conversation needs that one allowed too.
 */
export async function accessNotice(
  deps: AdmissionDeps,
  message: IncomingMessage,
  workspace: Record<string, string>,
  log: Logger,
): Promise<string | undefined> {
  const where = message.where ?? { userIds: [message.userId], direct: true };
  const lists = accessFor(workspace, deps.config.access);
  const about = message.aboutConversation;
  const reason =
    accessRefusal(lists, where) ??
    (about ? accessRefusal(lists, { ...where, channelId: about.channelId, direct: false }) : undefined);
  if (!reason) return undefined;
  deps.metrics.accessRefusals.inc({ reason });
  const noticeId = `access:${reason}:${message.conversationScope}${reason === "user" ? `:${message.userId}` : ""}`;
  const first = await deps.store.firstSeen(noticeId, ACCESS_NOTICE_TTL_S).catch(() => true);
  log.info({ reason, told: first }, "not answered: outside the allow-lists");
  if (!first) return "";
  return reason === "user" ? NOT_ENABLED_FOR_USER : NOT_ENABLED_HERE;
}

/**
 * Checks the quotas that apply in the workspace and holds `estimate` tokens for the turn: the
 * limit reached (counted in /metrics), or the hold (none without quotas, or when the ledger
 * cannot answer: the turn then goes on unchecked).
 */
export async function holdQuota(
  deps: AdmissionDeps,
  message: IncomingMessage,
  workspace: Record<string, string>,
  estimate: number,
  at: number,
  log: Logger,
): Promise<{ exceeded: QuotaExceeded } | { hold?: Hold }> {
  const quotas = quotasFor(workspace, deps.config.usage.quotas);
  if (!hasQuotas(quotas)) return {};
  try {
    const reservation = await deps.store.reserveTurn(whoOf(message), estimate, quotas, at);
    if ("exceeded" in reservation) {
      const { scope, period, limit, used } = reservation.exceeded;
      deps.metrics.quotaRefusals.inc({ scope, period });
      log.info({ scope, period, limit, used }, "turn refused: a token quota is reached");
    }
    return reservation;
  } catch (err) {
    log.warn({ err }, "could not check the token quotas; answering without them");
    return {};
  }
}

/** A failed turn gives back what it held (what it spent before failing is not known). Never throws. */
export async function releaseQuota(
  deps: AdmissionDeps,
  message: IncomingMessage,
  hold: Hold,
  at: number,
  log: Logger,
): Promise<void> {
  await deps.store
    .recordTurnUsage(whoOf(message), undefined, hold, at)
    .catch((err: unknown) => log.warn({ err }, "could not release the failed turn's quota hold"));
}
