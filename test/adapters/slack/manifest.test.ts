// The Slack app manifests must grant what the adapter uses: every Web API method's scope, the
// events it listens to, the slash command, and interactivity for the feedback buttons.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { Ajv } from "ajv";
import { SLACK_TIERS } from "../../../adapters/slack/rate-limiter.js";
import { BOT_EVENTS, manifestText, slackManifests } from "../../../scripts/slack-manifest.js";
import { loadConfig } from "../../../src/config.js";
import { DOCS_NOT_IN_SPECS } from "../../doubles/slack/docs-not-in-specs.js";
import { skipWithoutSpecs, specFile } from "../../doubles/specs-dir.js";

const read = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../../manifest/slack/${name}`, import.meta.url), "utf8"));
const methodDoc = (method: string): { scope?: { bot?: string[] } } =>
  DOCS_NOT_IN_SPECS[method] ??
  JSON.parse(readFileSync(specFile("slack", "docs.slack.dev", "methods", `${method}.json`), "utf8"));

// Methods the adapter calls (sink, thread context, permissions, slash command, agent sessions,
// "summarize this").
const USED_METHODS = [
  "auth.test",
  "agents.sessions.setStatus",
  "agents.sessions.rename",
  "assistant.threads.setStatus",
  "assistant.threads.setSuggestedPrompts",
  "chat.postMessage",
  "chat.update",
  "chat.startStream",
  "chat.appendStream",
  "chat.stopStream",
  "chat.postEphemeral",
  "conversations.replies",
  "conversations.history",
  "conversations.members",
  "users.info",
];

describe("Slack app manifests", () => {
  for (const name of ["manifest.http.json", "manifest.socket.json"]) {
    const manifest = read(name);
    const scopes: string[] = manifest.oauth_config.scopes.bot;

    it(`${name}: grants a scope each used method accepts`, { skip: skipWithoutSpecs() }, () => {
      for (const method of USED_METHODS) {
        const accepted = methodDoc(method).scope?.bot ?? [];
        if (accepted.length === 0) continue;
        assert.ok(
          accepted.some((s) => scopes.includes(s)),
          `${method} needs one of ${accepted.join(", ")}`,
        );
      }
      // Reading channel, private channel and DM threads (follow-ups, context).
      for (const s of [
        "app_mentions:read",
        "channels:history",
        "groups:history",
        "im:history",
        "commands",
        "users:read",
      ]) {
        assert.ok(scopes.includes(s), s);
      }
    });

    it(`${name}: subscribes to the events the adapter handles, with the command and interactivity`, () => {
      const events: string[] = manifest.settings.event_subscriptions.bot_events;
      for (const e of ["app_mention", "message.channels", "message.groups", "message.im"])
        assert.ok(events.includes(e), e);
      assert.equal(manifest.settings.interactivity.is_enabled, true);
      const defaults = loadConfig({
        AZURE_OPENAI_ENDPOINT: "https://r.openai.azure.com/",
        AZURE_OPENAI_DEPLOYMENT: "d",
        SLACK_BOT_TOKEN: "xoxb-1",
        SLACK_SIGNING_SECRET: "s",
      });
      assert.equal(manifest.features.slash_commands[0].command, defaults.slack?.command);
      assert.equal(manifest.settings.socket_mode_enabled, name.includes("socket"));
      if (!name.includes("socket")) {
        for (const url of [
          manifest.settings.event_subscriptions.request_url,
          manifest.settings.interactivity.request_url,
          manifest.features.slash_commands[0].url,
        ]) {
          assert.match(url, /\/slack\/events$/);
        }
      }
    });
  }

  it("are what `npm run manifest:slack` writes from the default configuration", () => {
    for (const [name, manifest] of Object.entries(slackManifests({}))) {
      assert.equal(
        readFileSync(new URL(`../../../manifest/slack/${name}`, import.meta.url), "utf8"),
        manifestText(manifest),
        `${name} is stale: run npm run manifest:slack`,
      );
    }
  });

  it("declare agent_view with the configured prompts, and the Messages tab", () => {
    const prompts = [{ title: "Vacation policy", message: "How many vacation days do I get?" }];
    const manifest = slackManifests({
      SLACK_SUGGESTED_PROMPTS: JSON.stringify(prompts),
      SLACK_COMMAND: "/hrbot",
    })["manifest.http.json"] as {
      features: {
        agent_view?: { suggested_prompts?: unknown };
        assistant_view?: unknown;
        app_home?: { messages_tab_enabled?: boolean };
        slash_commands: Array<{ command: string }>;
      };
    };
    assert.deepEqual(manifest.features.agent_view?.suggested_prompts, prompts);
    assert.equal(manifest.features.assistant_view, undefined, "the legacy view is gone");
    assert.equal(manifest.features.app_home?.messages_tab_enabled, true);
    assert.equal(manifest.features.slash_commands[0]?.command, "/hrbot");
  });

  it("subscribe to exactly the events the adapter handles", () => {
    const dir = new URL("../../../adapters/slack/", import.meta.url);
    const source = readdirSync(dir)
      .filter((f) => f.endsWith(".ts"))
      .map((f) => readFileSync(new URL(f, dir), "utf8"))
      .join("\n");
    const handled = new Set([...source.matchAll(/app\.event\("([a-z_]+)"/g)].map((m) => m[1]));
    const subscribed = new Set(BOT_EVENTS.map((e) => e.split(".")[0]));
    assert.deepEqual([...subscribed].sort(), [...handled].sort());
  });

  it("are valid against Slack's published manifest schema", { skip: skipWithoutSpecs() }, () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const schema = JSON.parse(readFileSync(specFile("slack-manifest", "manifest.schema.2.0.0.json"), "utf8"));
    const validate = ajv.compile(schema);
    for (const name of ["manifest.http.json", "manifest.socket.json"]) {
      assert.equal(validate(read(name)), true, `${name}: ${JSON.stringify(validate.errors)}`);
    }
    const legacy = { ...read("manifest.http.json") };
    legacy.features = { ...legacy.features, agent_view: { agent_description: "x".repeat(301) } };
    assert.equal(validate(legacy), false, "the schema check can fail (a description over 300 characters)");
  });

  it("budgets every rate-tiered method the adapter calls", () => {
    for (const method of USED_METHODS.filter(
      (m) => !["auth.test", "assistant.threads.setStatus"].includes(m),
    )) {
      assert.ok(SLACK_TIERS[method], method);
    }
  });
});
