// The Messages tab of the agent view: opening it pins the bot's suggested prompts there (without
// thread_ts), with the DM's data source first when one is on; a workspace whose app is not an agent
// app is told once in the log and not asked again.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { DEFAULT_PROMPTS } from "../../../src/prompts/suggested.js";
import { settingsScopes } from "../../../src/store/keys.js";
import { appHomeOpenedEvent } from "../../doubles/slack/event-payloads.js";
import { ALICE } from "../../doubles/slack/test-support.js";
import { DEFAULT_TEAM } from "../../doubles/slack/web-api-double.js";
import { captureLogs } from "../../helpers/log-capture.js";
import { type SlackHarness, settled, startSlackHarness } from "./harness.js";

const DM = "D0000PROMPT";
const SEARCH_ENV = {
  AZURE_SEARCH_MODE: "on_your_data",
  AZURE_SEARCH_ENDPOINT: "https://my-search.search.windows.net",
  AZURE_SEARCH_INDEX: "hr-docs",
  AZURE_SEARCH_API_KEY: "search-admin-key-0123456789",
};
const METHOD = "assistant.threads.setSuggestedPrompts";

describe("Slack suggested prompts on the Messages tab", () => {
  let h: SlackHarness;
  const log = captureLogs("info");
  before(async () => {
    h = await startSlackHarness({ env: SEARCH_ENV, logger: log.logger });
  });
  after(() => h.close());
  beforeEach(() => h.slack.reset());
  const open = async (tab: "messages" | "home", channel = DM) => {
    const res = await h.sendEvent(appHomeOpenedEvent({ user: ALICE, channel, tab }));
    assert.equal(res.status, 200);
    await settled(h.core);
  };

  it("pins the default prompts to the Messages tab, without thread_ts", async () => {
    await open("messages");
    const [call] = h.slack.callsTo(METHOD);
    assert.equal(call?.args.channel_id, DM);
    assert.equal(call?.args.thread_ts, undefined, "under agent_view a thread_ts makes Slack drop them");
    assert.equal(call?.args.title, "Try asking");
    assert.deepEqual(call?.args.prompts, DEFAULT_PROMPTS);
    assert.deepEqual(h.slack.specViolations, []);
  });

  it("does nothing for the Home tab", async () => {
    await open("home");
    assert.equal(h.slack.callsTo(METHOD).length, 0);
  });

  it("puts the conversation's data source first when one is on", async () => {
    const dm = "D0000PRMDS";
    await h.core.store.setSetting(
      settingsScopes("slack", DEFAULT_TEAM.teamId, dm).conversationScope,
      "datasource",
      "hr-docs",
    );
    await open("messages", dm);
    const prompts = h.slack.callsTo(METHOD)[0]?.args.prompts as Array<{ title: string; message: string }>;
    assert.equal(prompts.length, 4);
    assert.deepEqual(prompts[0], { title: "Ask hr-docs…", message: "What can you tell me from hr-docs?" });
    assert.deepEqual(prompts.slice(1), DEFAULT_PROMPTS.slice(0, 3));
  });

  it("on an app without agent_view (not_agent_app): logs it once and stops asking in that workspace", async () => {
    h.slack.failNext(METHOD, "not_agent_app");
    await open("messages");
    await open("messages");
    await open("messages");
    assert.equal(h.slack.callsTo(METHOD).length, 1, "asked once, then not again");
    const warnings = log.lines.filter((l) => String(l.msg).includes("does not run agent_view"));
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.slackError, "not_agent_app");
  });
});
