// The "Summarize thread" message shortcut, for clients and workspaces without the agent view: the
// thread of the message it was used on is summarized for the user who asked, in an ephemeral reply
// only they see (through the shortcut's response_url), with the messages cited by permalink. The same rules as "summarize this": only a
// conversation the user is a member of and the bot can read.
import type { App } from "@slack/bolt";
import type { Block } from "@slack/web-api";
import type { Core } from "../../src/app.js";
import { NO_RIGHTS } from "../../src/engine/types.js";
import type { Logger } from "../../src/log.js";
import { CaptureSink } from "../../src/reply/capture-sink.js";
import { clipText } from "../../src/reply/split.js";
import { encodeThreadKey, settingsScopes } from "../../src/store/keys.js";
import type { SlackApi } from "./api.js";
import { SLACK_MAX_BLOCKS, SLACK_TEXT_MAX_CHARS, sectionBlocks } from "./blocks.js";
import { markdownToMrkdwn } from "./mrkdwn.js";
import type { BotIdentity } from "./routing.js";
import { sourcesBlocks } from "./sources.js";
import { readViewedConversation } from "./viewed-conversation.js";

/** The shortcut's callback_id, as manifest/slack declares it. */
export const SUMMARIZE_SHORTCUT_ID = "summarize_thread";
const QUESTION = "Summarize this thread: the main points, decisions and open questions.";
const WORKING = "Reading the thread…";
const NOTHING = "I can't summarize this thread here.";
/** Room kept under the summary for its Sources list. */
const SOURCE_BLOCKS_RESERVED = 3;

export interface ShortcutDeps {
  core: Core;
  apiFor(teamId: string): SlackApi;
  bot: BotIdentity & { teamId: string; workspaceUrl: string };
  log: Logger;
}

export function handleSummarizeShortcut(app: App, deps: ShortcutDeps): void {
  const { core, apiFor, bot, log } = deps;
  app.shortcut(
    { callback_id: SUMMARIZE_SHORTCUT_ID, type: "message_action" },
    async ({ shortcut, ack, respond }) => {
      await ack();
      const teamId = shortcut.team?.id ?? bot.teamId;
      const api = apiFor(teamId);
      const channel = shortcut.channel.id;
      const threadTs = (shortcut.message.thread_ts as string | undefined) ?? shortcut.message_ts;
      const userId = shortcut.user.id;
      // Through the shortcut's response_url: ephemeral, and it reaches the user even in a channel
      // the bot is not in (where chat.postEphemeral answers not_in_channel).
      const tell = (text: string, blocks?: Block[]) =>
        respond({
          response_type: "ephemeral",
          replace_original: false,
          thread_ts: threadTs,
          text,
          ...(blocks ? { blocks } : {}),
        })
          .then(() => undefined)
          .catch((err: unknown) => log.warn({ err }, "could not answer the Summarize thread shortcut"));

      await tell(WORKING);
      const read = await readViewedConversation(
        api,
        { viewing: { channel, messageTs: threadTs }, userId, workspaceUrl: bot.workspaceUrl, bot },
        log,
      );
      if ("refusal" in read) return void (await tell(read.refusal));

      const sink = new CaptureSink();
      await core.engine.handle(
        {
          id: shortcut.action_ts,
          platform: "slack",
          // A summary is its own conversation, one per thread and person, kept apart from the thread's.
          threadKey: encodeThreadKey({
            platform: "slack",
            tenant: teamId,
            channel,
            thread: `summary:${threadTs}:${userId}`,
          }),
          ...settingsScopes("slack", teamId, channel),
          userId,
          text: QUESTION,
          rights: async () => NO_RIGHTS,
          aboutConversation: read.excerpt,
          where: { userIds: [userId], channelId: channel, direct: channel.startsWith("D") },
        },
        sink,
      );
      // Nothing captured: the bot was told not to answer here (said once before) or the answer failed.
      const mrkdwn = markdownToMrkdwn(sink.text || NOTHING);
      const sections = sectionBlocks(mrkdwn, SLACK_MAX_BLOCKS - SOURCE_BLOCKS_RESERVED);
      // `text` is the notification fallback (4,000 characters at most); the blocks carry the whole summary.
      await tell(clipText(mrkdwn, SLACK_TEXT_MAX_CHARS), [
        ...sections,
        ...sourcesBlocks(sink.sources, SLACK_MAX_BLOCKS - sections.length),
      ]);
    },
  );
}
