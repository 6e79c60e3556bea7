// A mention in a thread that began without the bot: the earlier messages of that thread become the
// conversation's context the first time (conversations.replies), so "summarise this" works.
import type { StoredMessage } from "../../src/store/types.js";
import type { SlackApi } from "./api.js";
import { stripMention } from "./routing.js";

/** Earlier messages taken as context; Slack returns the parent first, then replies oldest first. */
export const THREAD_CONTEXT_MAX_MESSAGES = 50;

interface RepliesMessage {
  ts: string;
  text?: string;
  user?: string;
  bot_id?: string;
  subtype?: string;
}

export async function loadThreadContext(
  api: SlackApi,
  channel: string,
  threadTs: string,
  beforeTs: string,
  bot: { botUserId: string; botId?: string },
): Promise<StoredMessage[]> {
  const result = await api.call<{ messages?: RepliesMessage[] }>("conversations.replies", {
    channel,
    ts: threadTs,
    limit: THREAD_CONTEXT_MAX_MESSAGES + 1,
  });
  const earlier = (result.messages ?? []).filter((m) => Number(m.ts) < Number(beforeTs) && m.text);
  return earlier.slice(-THREAD_CONTEXT_MAX_MESSAGES).map((m) => {
    const fromBot = m.user === bot.botUserId || (bot.botId !== undefined && m.bot_id === bot.botId);
    const text = stripMention(m.text ?? "", bot.botUserId);
    return fromBot
      ? { role: "assistant", content: text, at: tsToMs(m.ts) }
      : // Several people may speak in a thread: keep who said what.
        {
          role: "user",
          content: `<@${m.user ?? m.bot_id ?? "someone"}>: ${text}`,
          at: tsToMs(m.ts),
          userId: m.user,
        };
  });
}

function tsToMs(ts: string): number {
  return Math.round(Number(ts) * 1000);
}
