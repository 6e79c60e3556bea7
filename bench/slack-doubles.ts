// The Slack side of the Slack benchmark, in the bench process: the Web API double at Slack's real
// rate tiers (time scale 1), one org-wide app in three workspaces of one org so the warm-up and the
// single reply do not spend the load's workspace budgets (chat.startStream and chat.stopStream take
// 20 calls a minute per workspace), one channel per mention, and signed app_mention events sent to
// the bot over HTTP. Tells what Slack was called with, per phase.
import { appMentionEvent, eventEnvelope } from "../test/doubles/slack/event-payloads.js";
import { postSlack } from "../test/doubles/slack/signing.js";
import { DEFAULT_TEAM, startSlackDouble } from "../test/doubles/slack/web-api-double.js";
import { observeCalls } from "./call-observer.js";
import { questionFor } from "./model-double.js";
import type { PhaseReply } from "./phase.js";

export const SLACK_SIGNING_SECRET = "bench-signing-secret";

export type SlackWorkspace = "warmup" | "single" | "load";

const ORG = "E0BENCH001";
const WORKSPACES: Record<SlackWorkspace, { teamId: string; user: string; channelPrefix: string }> = {
  warmup: { teamId: "T0BENCHW01", user: "U0BENCHW01", channelPrefix: "C0WARM" },
  single: { teamId: "T0BENCHS01", user: "U0BENCHS01", channelPrefix: "C0SNGL" },
  load: { teamId: "T0BENCHL01", user: "U0BENCHL01", channelPrefix: "C0LOAD" },
};

export interface SlackCalls {
  /** Calls per method, auth.test left out. */
  perMethod: Record<string, number>;
  /** 429 answers. */
  rateLimited: number;
  specViolations: number;
}

export interface SlackScene {
  /** The bot's SLACK_API_URL. */
  url: string;
  botToken: string;
  /** Calls `fn` after each call the double recorded (and applied); returns the unsubscribe. */
  onCall(fn: () => void): () => void;
  /** `count` mentions in `workspace`, each at the top of a channel of its own. */
  mentions(workspace: SlackWorkspace, count: number, eventsUrl: string): PhaseReply[];
  /** Where the record is now, for `callsSince`. */
  mark(): number[];
  callsSince(mark: number[]): SlackCalls;
  close(): Promise<void>;
}

export async function startSlackScene(): Promise<SlackScene> {
  const teams = Object.values(WORKSPACES).map((w) => ({
    ...DEFAULT_TEAM,
    teamId: w.teamId,
    enterpriseId: ORG,
    users: [{ id: w.user, name: w.user.toLowerCase() }],
  }));
  const slack = await startSlackDouble({ teams, timeScale: 1 });
  const observer = observeCalls(slack.calls);
  const rateLimited = () => Object.values(slack.rateLimited).reduce((a, b) => a + b, 0);

  return {
    url: slack.url,
    botToken: DEFAULT_TEAM.botToken,
    onCall: observer.onCall,
    mentions(workspace, count, eventsUrl) {
      const { teamId, user, channelPrefix } = WORKSPACES[workspace];
      return Array.from({ length: count }, (_, i) => {
        const key = `${workspace}${i}`;
        const channel = `${channelPrefix}${String(i).padStart(4, "0")}`;
        slack.addChannel(channel, { teamId });
        const text = `<@${DEFAULT_TEAM.botUserId}> ${questionFor(key)}`;
        const ts = slack.seedMessage({ channel, user, text, teamId });
        const answers = () => slack.thread(channel, ts).filter((m) => m.botId !== undefined);
        return {
          key,
          async send() {
            const event = appMentionEvent({ user, channel, ts, text, team: teamId });
            const res = await postSlack(eventsUrl, eventEnvelope(event, { teamId }), {
              secret: SLACK_SIGNING_SECRET,
            });
            return res.status;
          },
          visibleText: () =>
            answers()
              .map((m) => m.text)
              .join(""),
          settled: () => answers().every((m) => m.streaming !== "streaming"),
        };
      });
    },
    mark: () => [slack.calls.length, rateLimited(), slack.specViolations.length],
    callsSince([calls = 0, limited = 0, violations = 0]) {
      const perMethod: Record<string, number> = {};
      for (const call of slack.calls.slice(calls)) {
        if (call.method !== "auth.test") perMethod[call.method] = (perMethod[call.method] ?? 0) + 1;
      }
      return {
        perMethod,
        rateLimited: rateLimited() - limited,
        specViolations: slack.specViolations.length - violations,
      };
    },
    close: () => slack.close(),
  };
}
