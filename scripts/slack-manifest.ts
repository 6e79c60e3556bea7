// `npm run manifest:slack`: writes the Slack app manifests (manifest/slack/manifest.http.json for the
// Events API over HTTP, manifest.socket.json for Socket Mode) from the configuration the bot itself
// reads: SLACK_COMMAND and SLACK_SUGGESTED_PROMPTS (the environment, or `.env` when present). The
// committed files are what the defaults give; test/adapters/slack/manifest.test.ts keeps them so.
// The app uses agent_view: conversations in the app's Messages tab, the prompts pinned there.
import { existsSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { SUMMARIZE_SHORTCUT_ID } from "../adapters/slack/summarize-shortcut.js";
import { parsePrompts, type SuggestedPrompt } from "../src/prompts/suggested.js";

export const SLACK_MANIFEST_DIR = fileURLToPath(new URL("../manifest/slack/", import.meta.url));
const HOST_PLACEHOLDER = "https://YOUR-HOST/slack/events";
const NAME = "Azure Chat Bot";

export const BOT_SCOPES = [
  "app_mentions:read",
  "assistant:write",
  "channels:history",
  "channels:read",
  "chat:write",
  "commands",
  "groups:history",
  "groups:read",
  "im:history",
  "im:read",
  "im:write",
  "mpim:history",
  "users:read",
];

/** Every event the adapter handles (adapters/slack/slack-app.ts, agent-events.ts). */
export const BOT_EVENTS = [
  "agent_session_stopped",
  "agent_session_title_changed",
  "app_context_changed",
  "app_home_opened",
  "app_mention",
  "message.channels",
  "message.groups",
  "message.im",
  "message.mpim",
];

export interface ManifestOptions {
  socketMode: boolean;
  command: string;
  prompts: readonly SuggestedPrompt[];
}

/** One manifest (format 2.1 of Slack's app manifest). */
export function slackManifest({ socketMode, command, prompts }: ManifestOptions): Record<string, unknown> {
  const url = socketMode ? {} : { url: HOST_PLACEHOLDER };
  const requestUrl = socketMode ? {} : { request_url: HOST_PLACEHOLDER };
  return {
    _metadata: { major_version: 2, minor_version: 1 },
    display_information: {
      name: NAME,
      description: "Answers with your company's Azure OpenAI deployments",
      long_description: `Mention the bot in a channel or write to it in its Messages tab. It answers with your company's Azure OpenAI deployment, remembers each thread, and streams the answer as it is written. Use the ${command} command to see and change its settings (model, temperature, system prompt and more) for a channel or a direct message.`,
      background_color: "#0b5cad",
    },
    features: {
      app_home: {
        home_tab_enabled: false,
        messages_tab_enabled: true,
        messages_tab_read_only_enabled: false,
      },
      bot_user: { display_name: NAME, always_online: true },
      agent_view: {
        agent_description:
          "Ask anything; answers come from your company's Azure OpenAI deployment and, where it is on, your own documents with their sources.",
        suggested_prompts: prompts.map(({ title, message }) => ({ title, message })),
      },
      shortcuts: [
        {
          name: "Summarize thread",
          type: "message",
          callback_id: SUMMARIZE_SHORTCUT_ID,
          description: "Summarize this message's thread, with links to its messages (only you see it)",
        },
      ],
      slash_commands: [
        {
          command,
          ...url,
          description: "Show or change the bot's settings here",
          usage_hint:
            "settings | settings set <key> <value> | settings reset [key] | settings history | usage | forget | help",
          should_escape: false,
        },
      ],
    },
    oauth_config: { scopes: { bot: BOT_SCOPES } },
    settings: {
      event_subscriptions: { ...requestUrl, bot_events: BOT_EVENTS },
      interactivity: { is_enabled: true, ...requestUrl },
      org_deploy_enabled: false,
      socket_mode_enabled: socketMode,
      token_rotation_enabled: false,
    },
  };
}

/** Both manifests for `env`; throws with the variable's problem when SLACK_SUGGESTED_PROMPTS is malformed. */
export function slackManifests(
  env: Record<string, string | undefined>,
): Record<string, Record<string, unknown>> {
  const prompts = parsePrompts(env.SLACK_SUGGESTED_PROMPTS);
  if ("error" in prompts) throw new Error(`SLACK_SUGGESTED_PROMPTS ${prompts.error}`);
  const command = env.SLACK_COMMAND?.trim() || "/aibot";
  return {
    "manifest.http.json": slackManifest({ socketMode: false, command, prompts }),
    "manifest.socket.json": slackManifest({ socketMode: true, command, prompts }),
  };
}

/** The files as written: two-space JSON with a final newline. */
export function manifestText(manifest: Record<string, unknown>): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

function main(): void {
  const envFile = resolve(SLACK_MANIFEST_DIR, "../../.env");
  if (existsSync(envFile)) process.loadEnvFile(envFile); // real environment variables win
  for (const [name, manifest] of Object.entries(slackManifests(process.env))) {
    writeFileSync(join(SLACK_MANIFEST_DIR, name), manifestText(manifest));
    process.stdout.write(`wrote manifest/slack/${name}\n`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main();
