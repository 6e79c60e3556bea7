// Agent sessions (agent_view): every answered thread is one. When a turn's work starts the session
// goes `processing` (Slack then shows its Stop button); when the answer is done it goes `active`,
// on the final chat.stopStream (`session_status`) or, where the answer ended otherwise, by one more
// agents.sessions.setStatus. A thread's first turn titles its new session from the question (on
// creation, or agents.sessions.rename when the session existed untitled); a title the user gave it
// (agent_session_title_changed, remembered in the store) is never replaced.
//
// The Stop button arrives as agent_session_stopped at any bot process (stop-requests.ts): that
// process leaves a stop note in the shared store, and the process answering reads it before each
// of its Slack calls, stops, and sends nothing more.
import type { Logger } from "../../src/log.js";
import type { SharedNotes } from "../../src/store/types.js";
import type { AgentFeatures } from "./agent-features.js";
import { isSlackError, type SlackApi } from "./api.js";
import { sessionTitle, userTitled } from "./session-title.js";
import { clearStop, isStopRequested } from "./stop-requests.js";

const FEATURE = "agent sessions";

export interface AgentSessionDeps {
  api: SlackApi;
  features: AgentFeatures;
  notes: SharedNotes;
  log: Logger;
}

export interface AgentSessionTarget {
  channel: string;
  threadTs: string;
  threadKey: string;
  /** The person asking: the session's initiator. */
  userId: string;
  /** The question, for the title of a new session. */
  question: string;
  /** The thread's first turn: its session is new and takes its title from this question. */
  newThread: boolean;
}

export class AgentSession {
  readonly #deps: AgentSessionDeps;
  readonly #target: AgentSessionTarget;
  /** off: no session (not started, or Slack has none here); processing: Stop shows; done: left processing. */
  #state: "off" | "processing" | "done" = "off";
  #starting: Promise<void> | undefined;

  constructor(deps: AgentSessionDeps, target: AgentSessionTarget) {
    this.#deps = deps;
    this.#target = target;
  }

  /**
   * Sets `processing` in the background, beside the settings, history and model call; the first
   * Slack call of the answer waits for it (so no status lands after the answer's own).
   */
  start(): void {
    this.#starting ??= this.#start().catch((err: unknown) => {
      this.#deps.log.warn({ err }, "could not start the agent session; answering without a Stop button");
    });
  }

  /** Resolves once start()'s call is answered, so no later call overtakes it. */
  async started(): Promise<void> {
    await this.#starting;
  }

  async #start(): Promise<void> {
    const { api, features } = this.#deps;
    const { channel, threadTs, threadKey, userId, question, newThread } = this.#target;
    const title = newThread ? sessionTitle(question) : "";
    await clearStop(this.#deps.notes, threadKey, this.#deps.log);
    await features.use(api.teamId, FEATURE, async () => {
      // An update: with Tier 3 spent now the answer goes without a Stop button rather than wait.
      const result = await api.call<{ title?: string }>(
        "agents.sessions.setStatus",
        {
          channel_id: channel,
          thread_ts: threadTs,
          status: "processing",
          initiator_user_id: userId,
          ...(title ? { title } : {}),
        },
        undefined,
        { update: true },
      );
      this.#state = "processing";
      // The title counts only when the call creates the session: one that already existed without a
      // title gets it by rename, unless the user named it meanwhile.
      if (title && !result.title) void this.#rename(title);
    });
  }

  async #rename(title: string): Promise<void> {
    const { api, log, notes } = this.#deps;
    try {
      if (await userTitled(notes, this.#target.threadKey)) return;
      await api.call("agents.sessions.rename", {
        channel_id: this.#target.channel,
        thread_ts: this.#target.threadTs,
        title,
      });
    } catch (err) {
      log.debug({ err }, "could not title the agent session");
    }
  }

  /** True once the user pressed Stop on this session, on any process. Never throws. */
  async stopRequested(): Promise<boolean> {
    if (this.#state !== "processing") return false;
    if (!(await isStopRequested(this.#deps.notes, this.#target.threadKey, this.#deps.log))) return false;
    // The process that took the event moved the session out of processing.
    this.#state = "done";
    return true;
  }

  /** The arguments that end the session's processing on the answer's final chat.stopStream. */
  finalStopArgs(): { session_status?: "active" } {
    return this.#state === "processing" ? { session_status: "active" } : {};
  }

  /** A chat.stopStream with finalStopArgs() went through: the session is active again. */
  endedByStop(): void {
    if (this.#state === "processing") this.#state = "done";
  }

  /** The answer is over (shown, failed or stopped): the session leaves processing. Never throws. */
  async finish(): Promise<void> {
    await this.#starting;
    if (this.#state !== "processing") return;
    this.#state = "done";
    await setSessionActive(this.#deps.api, this.#target.channel, this.#target.threadTs).catch(
      (err: unknown) => {
        this.#deps.log.warn({ err }, "could not end the agent session's processing status");
      },
    );
  }
}

/** agents.sessions.setStatus `active`; a session Slack does not have is nothing to end. */
export async function setSessionActive(api: SlackApi, channel: string, threadTs: string): Promise<void> {
  try {
    await api.call("agents.sessions.setStatus", {
      channel_id: channel,
      thread_ts: threadTs,
      status: "active",
    });
  } catch (err) {
    if (isSlackError(err, "feature_disabled", "not_agent_app")) return;
    throw err;
  }
}
