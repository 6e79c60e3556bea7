// The Messages tab (agent_view): when a user opens it, the bot pins its suggested prompts there.
// setSuggestedPrompts goes without thread_ts: with one, Slack silently drops them under agent_view.
import type { Logger } from "../../src/log.js";
import { promptsFor, type SuggestedPrompt } from "../../src/prompts/suggested.js";
import type { AgentFeatures } from "./agent-features.js";
import type { SlackApi } from "./api.js";

export const PROMPTS_TITLE = "Try asking";

export interface MessagesTabOpened {
  /** The user's DM with the bot. */
  channel: string;
  /** "messages" for the Messages tab; "home" (or absent) for the Home tab. */
  tab?: string;
}

/** Pins the prompts when the Messages tab opens; nothing for the Home tab. Never throws. */
export async function pinSuggestedPrompts(
  deps: { api: SlackApi; features: AgentFeatures; log: Logger },
  event: MessagesTabOpened,
  prompts: readonly SuggestedPrompt[],
  dataSource: string | undefined,
): Promise<void> {
  if (event.tab !== "messages") return;
  await deps.features
    .use(deps.api.teamId, "suggested prompts", () =>
      deps.api.call("assistant.threads.setSuggestedPrompts", {
        channel_id: event.channel,
        title: PROMPTS_TITLE,
        prompts: promptsFor(prompts, dataSource),
      }),
    )
    .catch((err: unknown) => deps.log.warn({ err }, "could not show the suggested prompts"));
}
