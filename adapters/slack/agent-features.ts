// Slack's agent features (the Messages tab's suggested prompts, and later agent sessions) exist only
// for apps that run agent_view. A workspace whose app still runs assistant_view, or where agent
// features are turned off, refuses them (not_agent_app, feature_disabled): that is said once per
// workspace in the log and the feature is not asked for again there until the bot restarts (a
// manifest change comes with a reinstall), instead of failing on every message.
import type { Logger } from "../../src/log.js";
import { isSlackError } from "./api.js";

/** Slack's answers that mean "this app or workspace does not have the feature". */
const NOT_AVAILABLE = ["not_agent_app", "feature_disabled"];

export class AgentFeatures {
  readonly #off = new Set<string>();
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  /** Runs `call` unless `feature` is known to be off in `teamId`; a refusal turns it off there. */
  async use(teamId: string, feature: string, call: () => Promise<unknown>): Promise<void> {
    const key = `${teamId}:${feature}`;
    if (this.#off.has(key)) return;
    try {
      await call();
    } catch (err) {
      if (!isSlackError(err, ...NOT_AVAILABLE)) throw err;
      this.#off.add(key);
      this.#log.warn(
        { team: teamId, feature, slackError: err.slackError },
        `Slack refused ${feature} in this workspace: the app does not run agent_view there (manifest/slack, README "Slack"); not asking again`,
      );
    }
  }
}
