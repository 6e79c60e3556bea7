import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, loadConfig } from "../src/config.js";
import { scrub } from "../src/redact.js";

const azure = {
  AZURE_OPENAI_ENDPOINT: "https://my-res.openai.azure.com/",
  AZURE_OPENAI_DEPLOYMENT: "gpt-4o",
};

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  assert.fail("expected a ConfigError");
}

describe("loadConfig", () => {
  it("accepts the minimum Azure OpenAI settings and fills the defaults", () => {
    const c = loadConfig(azure);
    assert.equal(c.llm.kind, "azure-deployment");
    assert.equal(c.llm.apiVersion, "2024-10-21");
    assert.equal(c.llm.apiKey, undefined, "no key means Entra ID");
    assert.equal(c.llm.tokenScope, "https://cognitiveservices.azure.com/.default");
    assert.equal(c.port, 3978);
    assert.equal(c.history.ttlSeconds, 30 * 86_400);
    assert.equal(c.redis.url, undefined);
    assert.deepEqual(
      c.models.map((m) => [m.name, m.profile.family]),
      [["gpt-4o", "gpt-4o"]],
    );
  });

  it("picks the endpoint kind from the settings", () => {
    assert.equal(loadConfig({ ...azure, OPENAI_API_VERSION: "v1" }).llm.kind, "azure-v1");
    const inference = loadConfig({
      ...azure,
      AZURE_OPENAI_ENDPOINT: "https://r.services.ai.azure.com/models",
    });
    assert.equal(inference.llm.kind, "azure-inference");
    assert.equal(inference.llm.apiVersion, "2025-04-01");
    const compat = loadConfig({ OPENAI_BASE_URL: "http://localhost:11434/v1", OPENAI_MODEL: "llama3.1" });
    assert.equal(compat.llm.kind, "openai-compatible");
    assert.equal(compat.models[0]?.name, "llama3.1");
  });

  it("names every bad variable and the accepted form", () => {
    const problems = problemsOf({
      ...azure,
      PORT: "eighty",
      DEFAULT_TEMPERATURE: "3",
      OPENAI_API_VERSION: "latest",
      REDIS_URL: "localhost:6379",
      LOG_LEVEL: "loud",
      HISTORY_ENABLED: "maybe",
    });
    const text = problems.join("\n");
    assert.match(text, /PORT must be a whole number from 1 to 65535/);
    assert.match(text, /DEFAULT_TEMPERATURE must be a number from 0 to 2/);
    assert.match(text, /OPENAI_API_VERSION must be a dated api-version such as 2024-10-21/);
    assert.match(text, /REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/);
    assert.match(text, /LOG_LEVEL must be one of: fatal, error/);
    assert.match(text, /HISTORY_ENABLED must be true or false/);
  });

  it("says what to set when nothing is configured", () => {
    const text = problemsOf({}).join("\n");
    assert.match(text, /AZURE_OPENAI_ENDPOINT is required/);
    assert.match(text, /AZURE_OPENAI_DEPLOYMENT is required/);
  });

  it("treats empty values as unset", () => {
    const c = loadConfig({ ...azure, AZURE_OPENAI_API_KEY: "", PORT: "", REDIS_URL: "" });
    assert.equal(c.llm.apiKey, undefined);
    assert.equal(c.port, 3978);
  });

  it("puts the default deployment first in the allow-list and reads model families", () => {
    const c = loadConfig({
      ...azure,
      AZURE_OPENAI_DEPLOYMENT: "prod",
      LLM_ALLOWED_MODELS: "legacy=gpt-35-turbo, prod=gpt-4o, big=gpt-4.1:200000",
    });
    assert.deepEqual(
      c.models.map((m) => [m.name, m.profile.family, m.profile.encoding]),
      [
        ["prod", "gpt-4o", "o200k_base"],
        ["legacy", "gpt-35-turbo", "cl100k_base"],
        ["big", "gpt-4.1", "o200k_base"],
      ],
    );
    assert.equal(c.models[2]?.profile.contextTokens, 200_000);
  });

  it("registers secrets so they are scrubbed from any text", () => {
    loadConfig({
      ...azure,
      AZURE_OPENAI_API_KEY: "k3y-abcdef0123456789",
      REDIS_URL: "redis://:s3cr3t-pass@cache:6379/0",
    });
    assert.equal(scrub("key k3y-abcdef0123456789 failed"), "key [redacted] failed");
    assert.doesNotMatch(scrub("connect redis://:s3cr3t-pass@cache:6379/0"), /s3cr3t-pass/);
    assert.doesNotMatch(scrub("password s3cr3t-pass"), /s3cr3t-pass/);
  });

  it("turns Slack on with its token, and names what is missing or malformed", () => {
    assert.equal(loadConfig(azure).slack, undefined);
    const http = loadConfig({
      ...azure,
      SLACK_BOT_TOKEN: "xoxb-1-2",
      SLACK_SIGNING_SECRET: "s3cret",
      SLACK_SETTINGS_ADMINS: "U1, U2",
    });
    assert.deepEqual(
      [http.slack?.apiUrl, http.slack?.streaming, http.slack?.command, http.slack?.settingsAdmins],
      ["https://slack.com/api/", "auto", "/aibot", ["U1", "U2"]],
    );
    assert.equal(
      loadConfig({ ...azure, SLACK_BOT_TOKEN: "xoxb-1", SLACK_APP_TOKEN: "xapp-1" }).slack?.appToken,
      "xapp-1",
    );
    const text = problemsOf({
      ...azure,
      SLACK_BOT_TOKEN: "xoxp-user-token",
      SLACK_APP_TOKEN: "nope",
      SLACK_STREAMING: "sometimes",
      SLACK_COMMAND: "aibot",
    }).join("\n");
    assert.match(text, /SLACK_BOT_TOKEN must be a bot token starting with xoxb-/);
    assert.match(text, /SLACK_APP_TOKEN must be an app-level token starting with xapp-/);
    assert.match(text, /SLACK_STREAMING must be one of: auto, native, update/);
    assert.match(text, /SLACK_COMMAND must be a slash command such as \/aibot/);
    assert.match(
      problemsOf({ ...azure, SLACK_BOT_TOKEN: "xoxb-1" }).join("\n"),
      /SLACK_SIGNING_SECRET is required/,
    );
  });

  it("reads SLACK_SUGGESTED_PROMPTS, and names the documented format when it is malformed", () => {
    assert.equal(loadConfig(azure).suggestedPrompts.length, 4, "four defaults");
    const custom = [{ title: "Vacation policy", message: "How many vacation days do I get?" }];
    assert.deepEqual(
      loadConfig({ ...azure, SLACK_SUGGESTED_PROMPTS: JSON.stringify(custom) }).suggestedPrompts,
      custom,
    );
    for (const bad of [
      "Vacation policy",
      "[]",
      JSON.stringify(Array(5).fill(custom[0])),
      '[{"title":"x"}]',
    ]) {
      assert.match(
        problemsOf({ ...azure, SLACK_SUGGESTED_PROMPTS: bad }).join("\n"),
        /SLACK_SUGGESTED_PROMPTS must be a JSON list of 1 to 4 \{"title","message"\} objects/,
        bad,
      );
    }
  });

  it("registers a Teams bot as single-tenant unless told otherwise, and then needs the tenant", () => {
    const appId = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
    const tenantId = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    const teams = loadConfig({
      ...azure,
      MicrosoftAppId: appId,
      MicrosoftAppPassword: "p",
      MicrosoftAppTenantId: tenantId,
    }).teams;
    assert.deepEqual([teams?.appType, teams?.tenantId], ["SingleTenant", tenantId]);
    assert.match(
      problemsOf({ ...azure, MicrosoftAppId: appId, MicrosoftAppPassword: "p" }).join("\n"),
      /MicrosoftAppTenantId is required with MicrosoftAppType=SingleTenant/,
    );
    const legacy = loadConfig({
      ...azure,
      MicrosoftAppId: appId,
      MicrosoftAppPassword: "p",
      MicrosoftAppType: "MultiTenant",
    });
    assert.equal(legacy.teams?.appType, "MultiTenant", "an existing multi-tenant registration still works");
  });

  it("keeps data source warnings for the logger instead of printing them", () => {
    const c = loadConfig({
      ...azure,
      AZURE_SEARCH_ENDPOINT: "https://s.search.windows.net",
      AZURE_SEARCH_INDEX: "docs",
      AZURE_SEARCH_QUERY_TYPE: "semantic",
      AZURE_SEARCH_MODE: "on_your_data",
    });
    assert.deepEqual(
      c.dataSources.map((d) => d.name),
      ["docs"],
    );
    assert.ok(
      c.warnings.some((w) => /semantic/i.test(w)),
      c.warnings.join("; "),
    );
    assert.match(c.warnings[0] ?? "", /On Your Data .* is deprecated .* works only with GPT-4o/);
    assert.deepEqual(loadConfig(azure).warnings, []);
  });
});

describe("loadConfig: Redis Cluster and Entra ID", { timeout: 10_000 }, () => {
  it("defaults to one node, a password from the URL and a 3 s command timeout", () => {
    const c = loadConfig({ ...azure, REDIS_URL: "redis://cache:6379/0" });
    assert.deepEqual(c.redis, {
      url: "redis://cache:6379/0",
      keyPrefix: "bot:",
      cluster: false,
      natMap: undefined,
      commandTimeoutMs: 3_000,
      entraId: undefined,
    });
  });

  it("reads a cluster with a NAT map, Entra ID with a user-assigned identity, and the timeout", () => {
    const c = loadConfig({
      ...azure,
      REDIS_URL: "rediss://my-cache.westeurope.redis.azure.net:10000",
      REDIS_CLUSTER: "true",
      REDIS_CLUSTER_NAT_MAP: "10.0.0.5:10000=my-cache.westeurope.redis.azure.net:10001",
      REDIS_COMMAND_TIMEOUT_MS: "5000",
      REDIS_ENTRA_ID: "yes",
      AZURE_CLIENT_ID: "11111111-2222-3333-4444-555555555555",
      REDIS_USERNAME: "00000000-0000-0000-0000-0000000000a1",
    });
    assert.equal(c.redis.cluster, true);
    assert.deepEqual(c.redis.natMap, {
      "10.0.0.5:10000": { host: "my-cache.westeurope.redis.azure.net", port: 10_001 },
    });
    assert.equal(c.redis.commandTimeoutMs, 5_000);
    assert.deepEqual(c.redis.entraId, {
      managedIdentityClientId: "11111111-2222-3333-4444-555555555555",
      username: "00000000-0000-0000-0000-0000000000a1",
    });
    assert.deepEqual(c.warnings, []);
  });

  it("names every bad Redis variable and the accepted form", () => {
    const text = problemsOf({
      ...azure,
      REDIS_CLUSTER: "maybe",
      REDIS_COMMAND_TIMEOUT_MS: "10",
      REDIS_ENTRA_ID: "sometimes",
    }).join("\n");
    assert.match(text, /REDIS_CLUSTER must be true or false/);
    assert.match(text, /REDIS_COMMAND_TIMEOUT_MS must be a whole number from 100 to 60000/);
    assert.match(text, /REDIS_ENTRA_ID must be true or false/);

    const cluster = problemsOf({ ...azure, REDIS_CLUSTER: "true", REDIS_USERNAME: "someone" }).join("\n");
    assert.match(cluster, /REDIS_URL is required with REDIS_CLUSTER=true/);
    assert.match(cluster, /REDIS_USERNAME is only used with REDIS_ENTRA_ID=true/);

    const db = problemsOf({ ...azure, REDIS_URL: "redis://c:6379/3", REDIS_CLUSTER: "true" }).join("\n");
    assert.match(db, /REDIS_URL must not select a database with REDIS_CLUSTER=true/);

    const nat = problemsOf({ ...azure, REDIS_URL: "redis://c:6379", REDIS_CLUSTER_NAT_MAP: "{oops" }).join(
      "\n",
    );
    assert.match(nat, /REDIS_CLUSTER_NAT_MAP needs REDIS_CLUSTER=true/);
    assert.match(nat, /REDIS_CLUSTER_NAT_MAP must be JSON such as/);

    const entra = problemsOf({ ...azure, REDIS_URL: "rediss://:pw-123456@c:6380", REDIS_ENTRA_ID: "true" });
    assert.match(
      entra.join("\n"),
      /REDIS_URL must not carry a user name or password with REDIS_ENTRA_ID=true/,
    );
    assert.match(
      problemsOf({ ...azure, REDIS_ENTRA_ID: "true" }).join("\n"),
      /REDIS_URL is required with REDIS_ENTRA_ID/,
    );
  });

  it("warns that Entra ID over redis:// sends tokens in clear text", () => {
    const c = loadConfig({ ...azure, REDIS_URL: "redis://localhost:6379", REDIS_ENTRA_ID: "true" });
    assert.ok(
      c.warnings.some((w) => /REDIS_ENTRA_ID=true with a redis:\/\/ URL/.test(w)),
      c.warnings.join("; "),
    );
  });
});
