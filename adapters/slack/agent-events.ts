// The agent view's events: the Messages tab opening (suggested prompts), the Stop button
// (agent_session_stopped, honoured by whichever process answers), a title the user gave a session,
// and what the user is looking at (app_context_changed, for "summarize this").
import type { App } from "@slack/bolt";
import type { Core } from "../../src/app.js";
import type { Logger } from "../../src/log.js";
import { encodeThreadKey, settingsScopes } from "../../src/store/keys.js";
import type { AgentFeatures } from "./agent-features.js";
import { setSessionActive } from "./agent-session.js";
import type { SlackApi } from "./api.js";
import { rememberUserTitle } from "./session-title.js";
import { requestStop } from "./stop-requests.js";
import { pinSuggestedPrompts } from "./suggested-prompts.js";
import { rememberViewing, viewingOf } from "./viewed-conversation.js";

export interface AgentEventDeps {
  core: Core;
  apiFor(teamId: string): SlackApi;
  features: AgentFeatures;
  log: Logger;
}

export function handleAgentEvents(app: App, deps: AgentEventDeps): void {
  const { core, apiFor, features, log } = deps;
  const threadKeyOf = (teamId: string, channel: string, threadTs: string) =>
    encodeThreadKey({ platform: "slack", tenant: teamId, channel, thread: threadTs });

  // The Messages tab: the suggested prompts, with the DM's data source when it is on.
  app.event("app_home_opened", async ({ event, body }) => {
    if (event.tab !== "messages") return; // the Home tab: nothing to pin
    const teamId = String(body.team_id);
    const settings = await core.engine
      .effectiveSettings(settingsScopes("slack", teamId, event.channel))
      .catch((err: unknown) => {
        log.warn({ err }, "could not read the conversation's settings; prompts without its data source");
        return undefined;
      });
    await pinSuggestedPrompts(
      { api: apiFor(teamId), features, log },
      event,
      core.config.suggestedPrompts,
      settings?.dataSource,
    );
  });

  // Stop: the answering process (this or another) sees the note before its next Slack call. Slack
  // stops the streams itself and leaves the session's status to the app: it leaves processing now.
  app.event("agent_session_stopped", async ({ event, body }) => {
    const teamId = String(body.team_id);
    await requestStop(core.store, threadKeyOf(teamId, event.channel, event.thread_ts), log);
    log.info({ channel: event.channel, thread: event.thread_ts }, "the user pressed Stop");
    await setSessionActive(apiFor(teamId), event.channel, event.thread_ts).catch((err: unknown) => {
      log.warn({ err }, "could not end the stopped session's processing status");
    });
  });

  app.event("agent_session_title_changed", async ({ event }) => {
    await rememberUserTitle(
      core.store,
      threadKeyOf(event.team_id, event.channel, event.thread_ts),
      event.title,
      core.config.history.ttlSeconds,
    ).catch((err: unknown) => log.warn({ err }, "could not remember the session title the user set"));
  });

  app.event("app_context_changed", async ({ event, body }) => {
    await rememberViewing(core.store, String(body.team_id), event.user, viewingOf(event)).catch(
      (err: unknown) => log.warn({ err }, "could not remember what the user is looking at"),
    );
  });
}
