import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import { type CommandContext, executeCommand } from "../../src/commands/execute.js";
import { parseCommand } from "../../src/commands/parse.js";
import { loadConfig } from "../../src/config.js";
import { accessFor } from "../../src/settings/policies.js";
import { MemoryStore } from "../../src/store/memory.js";

const config = loadConfig({
  AZURE_OPENAI_ENDPOINT: "https://r.openai.azure.com/",
  AZURE_OPENAI_DEPLOYMENT: "gpt-4o",
  LLM_ALLOWED_MODELS: "gpt-4o-mini",
  DEFAULT_TEMPERATURE: "0.5",
});

/** 4 December 2026, noon UTC. */
const NOON = Date.UTC(2026, 11, 4, 12);

describe("executeCommand", () => {
  let ctx: CommandContext;
  const run = (text: string, overrides: Partial<CommandContext> = {}) => {
    const command = parseCommand(text);
    assert.ok(command, `${text} is a command`);
    return executeCommand(command, { ...ctx, ...overrides });
  };

  beforeEach(() => {
    ctx = {
      store: new MemoryStore(),
      threadKey: "console:local:me:main",
      conversationScope: "console:local:me",
      workspaceScope: "console:local",
      rights: async () => ({ conversation: true, workspace: false }),
      settings: { allowedModels: config.models.map((m) => m.name), dataSources: [] },
      defaults: config.defaults,
      models: config.models,
      userId: "UALICE",
      platform: "slack",
      quotas: {},
      priced: false,
      now: NOON,
      recordChange: async (change) => {
        await ctx.store.recordAudit({
          at: NOON,
          platform: "slack",
          userId: "UALICE",
          conversationScope: "console:local:me",
          workspaceScope: "console:local",
          ...change,
        });
      },
    };
  });

  describe("workspace policies and the audit trail", () => {
    const admin = { rights: async () => ({ conversation: true, workspace: true }) };

    it("lets an admin set a stricter quota for the workspace, never a looser one", async () => {
      const env = { quotas: { day: { user: 10_000 } } };
      assert.match(
        await run("settings workspace set quota_user_tokens_per_day 5000", { ...admin, ...env }),
        /now 5,000 tokens for the workspace/,
      );
      assert.match(
        await run("settings workspace set quota_user_tokens_per_day 20000", { ...admin, ...env }),
        /must be at most 10,000, the limit the bot's configuration sets\. Nothing was changed/,
      );
      assert.match(
        await run("settings set quota_user_tokens_per_day 10"),
        /a workspace policy: an admin sets it with `settings workspace set quota_user_tokens_per_day 10`/,
      );
      assert.match(
        await run("settings workspace set quota_user_tokens_per_day 10", env),
        /Only workspace admins/,
      );
      assert.deepEqual(await ctx.store.getSettings("console:local"), { quota_user_tokens_per_day: "5000" });
    });

    it("sets and lifts the workspace's allow-lists", async () => {
      assert.match(
        await run("settings workspace set allowed_channels C1, C2 C1", admin),
        /now `C1`, `C2` for the workspace/,
      );
      assert.deepEqual(await ctx.store.getSettings("console:local"), { allowed_channels: "C1,C2" });
      assert.match(
        await run("settings workspace set allowed_channels everyone", admin),
        /lifted for the workspace/,
      );
      assert.deepEqual(await ctx.store.getSettings("console:local"), { allowed_channels: "*" });
      const env = { channels: ["C9"], teams: [], users: [] };
      assert.deepEqual(accessFor({ allowed_channels: "*" }, env).channels, [], "everyone: no list here");
      assert.deepEqual(accessFor({}, env).channels, ["C9"], "reset: the configured list");
      assert.match(
        await run("settings workspace set allowed_users <bad>", admin),
        /must be ids separated by commas/,
      );
    });

    it("keeps who changed what, old → new; `settings history` shows it, the workspace's only to admins", async () => {
      await run("settings set temperature 0.2");
      await run("settings set temperature 0.7");
      await run("settings reset temperature");
      await run("forget");
      await run("settings workspace set allowed_users UALICE", admin);
      const here = await run("settings history");
      assert.match(
        here,
        /\*\*Changes in this conversation\*\* \(newest first\)\n• 2026-12-04 12:00 UTC, <@UALICE>: forgot the conversation\n• 2026-12-04 12:00 UTC, <@UALICE>: reset `temperature` \(was `0.7`\)\n• .*set `temperature`: `0.2` → `0.7`\n• .*set `temperature`: _default_ → `0.2`$/,
      );
      assert.doesNotMatch(here, /allowed_users/, "a workspace change is not this conversation's");
      assert.match(await run("settings workspace history"), /Only workspace admins/);
      const workspace = await run("settings workspace history", admin);
      assert.match(workspace, /set `allowed_users`: _default_ → `UALICE` \(workspace\)/);
      assert.match(workspace, /set `temperature`: `0.2` → `0.7` in <#me>/);
    });
  });

  describe("usage", () => {
    const turn = (
      userId: string,
      conversationScope: string,
      model: string,
      p: number,
      c: number,
      at = NOON,
    ) =>
      ctx.store.recordTurnUsage(
        { workspaceScope: "console:local", conversationScope, userId },
        {
          model,
          promptTokens: p,
          completionTokens: c,
          extraTokens: 0,
          reasoningTokens: 0,
          costMicros: (p + c) * 10,
        },
        undefined,
        at,
      );

    it("tells a user their tokens today and this month, against their limits", async () => {
      await turn("UALICE", "console:local:me", "gpt-4o", 1_000, 234);
      await turn("UALICE", "console:local:me", "gpt-4o", 100, 0, NOON - 3 * 86_400_000);
      await turn("UBOB", "console:local:other", "gpt-4o", 9_000, 0);
      const text = await run("usage", { quotas: { day: { user: 10_000 }, month: { user: 100_000 } } });
      assert.match(
        text,
        /Today: 1,234 tokens in 1 turn of 10,000 a day \(12%; resets at 00:00 on 5 December 2026\)/,
      );
      assert.match(
        text,
        /This month: 1,334 tokens in 2 turns of 100,000 a month \(1%; resets at 00:00 on 1 January 2027\)/,
      );
      assert.doesNotMatch(text, /This workspace|UBOB|9,000/, "a member sees only their own");
    });

    it("gives admins the workspace: totals, by model, top conversations and users, and the cost", async () => {
      await turn("UALICE", "console:local:C1", "gpt-4o", 1_000, 0);
      await turn("UBOB", "console:local:C2", "gpt-4o-mini", 5_000, 0);
      const text = await run("usage", {
        rights: async () => ({ conversation: true, workspace: true }),
        priced: true,
      });
      assert.match(text, /\*\*This workspace\*\*\n• Today: 6,000 tokens in 2 turns, estimated cost 0\.0600/);
      assert.match(
        text,
        /• gpt-4o-mini: 5,000 tokens in 1 turn, estimated cost 0\.0500\n• gpt-4o: 1,000 tokens/,
      );
      assert.match(
        text,
        /\*\*Top conversations\*\* \(this month\)\n• <#C2>: 5,000 tokens in 1 turn\n• <#C1>/,
      );
      assert.match(text, /\*\*Top users\*\* \(this month\)\n• <@UBOB>: 5,000 tokens/);
    });

    it("says costs need MODEL_PRICES when none is set", async () => {
      const text = await run("usage", { rights: async () => ({ conversation: true, workspace: true }) });
      assert.match(text, /set MODEL_PRICES to see estimated costs/);
      assert.doesNotMatch(text, /estimated cost \d/);
    });
  });

  it("shows the effective settings and where each comes from", async () => {
    const text = await run("settings");
    assert.match(text, /`model`: gpt-4o _\(default\)_/);
    assert.match(text, /`temperature`: 0.5 _\(default\)_/);
    await ctx.store.setSetting("console:local", "temperature", "0.9");
    assert.match(await run("settings"), /`temperature`: 0.9 _\(workspace\)_/);
    await run("settings set temperature 0.1");
    assert.match(await run("settings"), /`temperature`: 0.1\n/);
  });

  it("changes, validates and resets a setting", async () => {
    assert.equal(
      await run("settings set temperature 0.2"),
      "`temperature` is now `0.2` in this conversation.",
    );
    assert.deepEqual(await ctx.store.getSettings("console:local:me"), { temperature: "0.2" });

    const bad = await run("settings set temperature 7");
    assert.match(bad, /`temperature` must be a number from 0 to 2\. Nothing was changed\./);
    assert.deepEqual(await ctx.store.getSettings("console:local:me"), { temperature: "0.2" });

    assert.match(await run("settings set model gpt-5"), /must be one of: gpt-4o, gpt-4o-mini/);
    assert.match(
      await run("settings set colour blue"),
      /`colour` is not a setting\. Settings: `system_prompt`, `model`/,
    );

    await run("settings reset temperature");
    assert.deepEqual(await ctx.store.getSettings("console:local:me"), {});
  });

  it("refuses changes without permission but still shows them", async () => {
    const refusal = await run("settings set temperature 1", {
      rights: async () => ({ conversation: false, workspace: false }),
    });
    assert.match(refusal, /Only admins can change this channel's settings/);
    assert.deepEqual(await ctx.store.getSettings("console:local:me"), {});
    assert.match(await run("settings workspace set temperature 1"), /Only workspace admins/);
    assert.match(
      await run("settings", { rights: async () => ({ conversation: false, workspace: false }) }),
      /Settings for this conversation/,
    );
  });

  it("changes workspace defaults for those allowed to", async () => {
    await run("settings workspace set model gpt-4o-mini", {
      rights: async () => ({ conversation: true, workspace: true }),
    });
    assert.deepEqual(await ctx.store.getSettings("console:local"), { model: "gpt-4o-mini" });
    assert.match(await run("settings"), /`model`: gpt-4o-mini _\(workspace\)_/);
  });

  it("forgets the conversation's history", async () => {
    await ctx.store.append(ctx.threadKey, [{ role: "user", content: "hi", at: 1 }], {
      maxMessages: 10,
      ttlSeconds: 60,
    });
    assert.match(await run("forget"), /forgotten/);
    assert.deepEqual(await ctx.store.load(ctx.threadKey), []);
  });

  it("lists every setting with its allowed values in help", async () => {
    const help = await run("help");
    for (const key of [
      "system_prompt",
      "model",
      "temperature",
      "top_p",
      "max_tokens",
      "stop",
      "history_window",
      "datasource",
    ]) {
      assert.match(help, new RegExp(`\`${key}\``));
    }
    assert.match(help, /a number from 0 to 2/);
  });
});
