// Environment schema, loading and validation. Every variable is checked at start; a bad one stops the
// start with a message naming it and the accepted form. Secret values are registered for redaction.
import { z } from "zod";
import { DataSourceConfigError, type DataSourceDefinition, loadDataSources } from "./datasources/index.js";
import { type AllowedModel, parseAllowedModel } from "./llm/models.js";
import { dataSourcesSupported } from "./llm/request.js";
import type { EndpointKind, LlmEndpointConfig } from "./llm/types.js";
import { parsePrompts, type SuggestedPrompt } from "./prompts/suggested.js";
import { registerSecret } from "./redact.js";
import type { AccessLists } from "./settings/policies.js";
import { type NatMapping, parseNatMap } from "./store/redis-connection.js";
import { DEFAULT_USAGE_RETENTION_DAYS, type QuotaLimits } from "./store/usage.js";
import { type PriceTable, parsePrices } from "./usage/prices.js";

/** Newest GA dated api-version of the Azure OpenAI data-plane inference API (later GA is `v1`). */
export const AZURE_OPENAI_DEFAULT_API_VERSION = "2024-10-21";
/** Stable api-version of the Azure AI model inference API. */
export const AZURE_INFERENCE_DEFAULT_API_VERSION = "2025-04-01";
export const COGNITIVE_SERVICES_SCOPE = "https://cognitiveservices.azure.com/.default";

const DEFAULT_SYSTEM_PROMPT =
  "You are a helpful assistant in a company chat. Answer concisely and use Markdown where it helps.";

// Empty strings count as unset, so `FOO=` in a .env file means "use the default".
const optionalString = z.preprocess((v) => (v === "" ? undefined : v), z.string().optional());
const optionalUrl = z.preprocess(
  (v) => (v === "" ? undefined : v),
  z
    .url({
      protocol: /^https?$/,
      error: "must be an http(s) URL, e.g. https://my-resource.openai.azure.com/",
    })
    .optional(),
);
/** A token quota beyond this is a typo, not a plan. */
const MAX_QUOTA = 1_000_000_000_000;
const int = (min: number, max: number, fallback: number) =>
  z.preprocess(
    (v) => (v === "" || v === undefined ? fallback : v),
    z.coerce
      .number({ error: `must be a whole number from ${min} to ${max}` })
      .int({ error: `must be a whole number from ${min} to ${max}` })
      .min(min, { error: `must be a whole number from ${min} to ${max}` })
      .max(max, { error: `must be a whole number from ${min} to ${max}` }),
  );
const num = (min: number, max: number) =>
  z.preprocess(
    (v) => (v === "" ? undefined : v),
    z.coerce
      .number({ error: `must be a number from ${min} to ${max}` })
      .min(min, { error: `must be a number from ${min} to ${max}` })
      .max(max, { error: `must be a number from ${min} to ${max}` })
      .optional(),
  );
const bool = (fallback: boolean) =>
  z.preprocess(
    (v) => (v === "" || v === undefined ? String(fallback) : String(v).toLowerCase()),
    z.enum(["true", "false", "on", "off", "1", "0", "yes", "no"], { error: "must be true or false" }),
  );
const truthy = (v: string) => v === "true" || v === "on" || v === "1" || v === "yes";

const EnvSchema = z.object({
  LLM_PROVIDER: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z
      .enum(["azure", "azure-inference", "openai"], {
        error: "must be one of: azure, azure-inference, openai",
      })
      .optional(),
  ),
  AZURE_OPENAI_ENDPOINT: optionalUrl,
  AZURE_OPENAI_API_KEY: optionalString,
  AZURE_OPENAI_DEPLOYMENT: optionalString,
  OPENAI_API_VERSION: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z
      .string()
      .regex(/^(v1|\d{4}-\d{2}-\d{2}(-preview)?)$/, {
        error: `must be a dated api-version such as ${AZURE_OPENAI_DEFAULT_API_VERSION} (or 2025-04-01-preview), or v1`,
      })
      .optional(),
  ),
  AZURE_CLIENT_ID: optionalString,
  AZURE_OPENAI_TOKEN_SCOPE: optionalUrl,
  OPENAI_BASE_URL: optionalUrl,
  OPENAI_API_KEY: optionalString,
  OPENAI_MODEL: optionalString,
  LLM_ALLOWED_MODELS: optionalString,
  LLM_TIMEOUT_MS: int(1_000, 600_000, 120_000),
  LLM_MAX_RETRIES: int(0, 10, 2),
  LLM_MAX_RETRY_WAIT_MS: int(0, 120_000, 20_000),

  SYSTEM_PROMPT: optionalString,
  DEFAULT_TEMPERATURE: num(0, 2),
  DEFAULT_TOP_P: num(0, 1),
  DEFAULT_MAX_TOKENS: int(1, 100_000, 1_000),
  DEFAULT_PRESENCE_PENALTY: num(-2, 2),
  DEFAULT_FREQUENCY_PENALTY: num(-2, 2),
  HISTORY_ENABLED: bool(true),
  HISTORY_WINDOW: int(0, 500, 40),
  HISTORY_MAX_STORED: int(2, 10_000, 200),
  HISTORY_TTL_DAYS: int(1, 3_650, 30),
  USAGE_RETENTION_DAYS: int(1, 3_650, DEFAULT_USAGE_RETENTION_DAYS),
  ALLOWED_CHANNELS: optionalString,
  ALLOWED_TEAMS: optionalString,
  ALLOWED_USERS: optionalString,
  MODEL_PRICES: optionalString,
  QUOTA_USER_TOKENS_PER_DAY: int(0, MAX_QUOTA, 0),
  QUOTA_CONVERSATION_TOKENS_PER_DAY: int(0, MAX_QUOTA, 0),
  QUOTA_WORKSPACE_TOKENS_PER_DAY: int(0, MAX_QUOTA, 0),
  QUOTA_USER_TOKENS_PER_MONTH: int(0, MAX_QUOTA, 0),
  QUOTA_CONVERSATION_TOKENS_PER_MONTH: int(0, MAX_QUOTA, 0),
  QUOTA_WORKSPACE_TOKENS_PER_MONTH: int(0, MAX_QUOTA, 0),

  REDIS_URL: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z
      .url({
        protocol: /^rediss?$/,
        error: "must be a redis:// or rediss:// URL, e.g. redis://localhost:6379/0",
      })
      .optional(),
  ),
  REDIS_KEY_PREFIX: z.preprocess((v) => (v === "" || v === undefined ? "bot:" : v), z.string().max(64)),
  REDIS_CLUSTER: bool(false),
  REDIS_CLUSTER_NAT_MAP: optionalString,
  REDIS_COMMAND_TIMEOUT_MS: int(100, 60_000, 3_000),
  REDIS_ENTRA_ID: bool(false),
  REDIS_USERNAME: optionalString,

  SLACK_BOT_TOKEN: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z
      .string()
      .regex(/^xoxb-/, { error: "must be a bot token starting with xoxb-" })
      .optional(),
  ),
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z
      .string()
      .regex(/^xapp-/, { error: "must be an app-level token starting with xapp-" })
      .optional(),
  ),
  SLACK_API_URL: z.preprocess(
    (v) => (v === "" || v === undefined ? "https://slack.com/api/" : v),
    z.url({ protocol: /^https?$/, error: "must be an http(s) URL, e.g. https://slack.com/api/" }),
  ),
  SLACK_STREAMING: z.preprocess(
    (v) => (v === "" || v === undefined ? "auto" : String(v).toLowerCase()),
    z.enum(["auto", "native", "update"], { error: "must be one of: auto, native, update" }),
  ),
  SLACK_COMMAND: z.preprocess(
    (v) => (v === "" || v === undefined ? "/aibot" : v),
    z.string().regex(/^\/[a-z0-9_-]{1,31}$/, {
      error: "must be a slash command such as /aibot (lower case, no spaces)",
    }),
  ),
  SLACK_SUGGESTED_PROMPTS: optionalString,
  SLACK_AGENT_VIEW: bool(true),
  SLACK_SETTINGS_ADMINS: optionalString,
  SLACK_ALLOWED_BOTS: optionalString,

  MicrosoftAppId: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z
      .string()
      .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, {
        error: "must be the bot's Microsoft App ID, a GUID such as 00000000-0000-0000-0000-000000000000",
      })
      .optional(),
  ),
  MicrosoftAppPassword: optionalString,
  // SingleTenant by default: Azure stopped letting people create multi-tenant bots in July 2025.
  MicrosoftAppType: z.preprocess(
    (v) => (v === "" || v === undefined ? "SingleTenant" : v),
    z.enum(["MultiTenant", "SingleTenant", "UserAssignedMSI"], {
      error: "must be one of: MultiTenant, SingleTenant, UserAssignedMSI",
    }),
  ),
  MicrosoftAppTenantId: optionalString,
  TEAMS_ENABLED: z.preprocess(
    (v) => (v === "" ? undefined : v === undefined ? undefined : String(v).toLowerCase()),
    z
      .enum(["true", "false", "on", "off", "1", "0", "yes", "no"], { error: "must be true or false" })
      .optional(),
  ),
  TEAMS_SETTINGS_ADMINS: optionalString,

  AZURE_SEARCH_TIMEOUT_MS: int(500, 120_000, 10_000),
  AZURE_SEARCH_QUERY_REWRITE: bool(true),

  PORT: int(1, 65_535, 3978),
  LOG_LEVEL: z.preprocess(
    (v) => (v === "" || v === undefined ? "info" : String(v).toLowerCase()),
    z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
      error: "must be one of: fatal, error, warn, info, debug, trace, silent",
    }),
  ),
  SHUTDOWN_TIMEOUT_MS: int(0, 600_000, 25_000),
});

type Env = z.infer<typeof EnvSchema>;

/** Settings defaults from the environment; conversations and workspaces override them. */
export interface EnvDefaults {
  systemPrompt: string;
  temperature?: number;
  topP?: number;
  maxTokens: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  historyEnabled: boolean;
  historyWindow: number;
}

export interface SlackConfig {
  botToken: string;
  /** Unset only in Socket Mode, where requests are not signed. */
  signingSecret?: string;
  /** Set: Socket Mode instead of HTTP. */
  appToken?: string;
  apiUrl: string;
  streaming: "auto" | "native" | "update";
  command: string;
  /** User ids that may change channel and workspace settings besides workspace admins and owners. */
  settingsAdmins: string[];
  /** Bot ids whose messages are answered (other bots are ignored). */
  allowedBots: string[];
  /**
   * The app runs Slack's agent view (manifest/slack): DM messages start threads, each thread is an
   * agent session (Stop button, title), context summaries. false: assistant_view or plain DM apps.
   */
  agentView: boolean;
}

export interface TeamsConfig {
  /** Empty: Bot Framework authentication is off (local emulators only). */
  appId: string;
  appPassword?: string;
  appType: "MultiTenant" | "SingleTenant" | "UserAssignedMSI";
  tenantId?: string;
  /** AAD object ids or Teams user ids allowed to change channel and tenant-wide settings. */
  settingsAdmins: string[];
}

export interface Config {
  /** Things worth knowing that do not stop the start; logged once the logger exists. */
  warnings: string[];
  llm: LlmEndpointConfig;
  /** Data sources a conversation may pick with `settings set datasource <name>`. */
  dataSources: DataSourceDefinition[];
  /** How the bot searches its own data sources (modes search and knowledge_base). */
  search: {
    /** Bounds each search, embedding included. */
    timeoutMs: number;
    /** Rewrite follow-up questions into standalone search queries first. */
    queryRewrite: boolean;
    /** User-assigned managed identity for Entra ID (AZURE_CLIENT_ID), as for the model. */
    managedIdentityClientId?: string;
  };
  /** Present when Teams is on (MicrosoftAppId set, or TEAMS_ENABLED=true for a local emulator). */
  teams?: TeamsConfig;
  /** Present when Slack is configured (SLACK_BOT_TOKEN set). */
  slack?: SlackConfig;
  /** SLACK_SUGGESTED_PROMPTS or the defaults: Slack's Messages tab and manifest, Teams' prompt starters. */
  suggestedPrompts: SuggestedPrompt[];
  /** Models a conversation may pick; the first is the default. */
  models: AllowedModel[];
  defaults: EnvDefaults;
  history: { maxStored: number; ttlSeconds: number };
  /** ALLOWED_*: where the bot answers and whom; empty lists: everywhere, everyone. */
  access: AccessLists;
  /** The usage ledger: how long it keeps days, what models cost, the token quotas (0: none). */
  usage: { retentionDays: number; prices: PriceTable; quotas: QuotaLimits };
  redis: RedisConfig;
  port: number;
  logLevel: string;
  shutdownTimeoutMs: number;
}

/** Field names match RedisStoreOptions, so the store takes `{ ...config.redis, url }`. */
export interface RedisConfig {
  /** Unset: the in-process store. */
  url?: string;
  keyPrefix: string;
  /** REDIS_CLUSTER: `url` is a seed node of a Redis Cluster. */
  cluster: boolean;
  /** REDIS_CLUSTER_NAT_MAP: announced node address -> address to connect to. */
  natMap?: NatMapping;
  /** REDIS_COMMAND_TIMEOUT_MS: the longest wait for any Redis reply. */
  commandTimeoutMs: number;
  /** REDIS_ENTRA_ID=true: Microsoft Entra ID tokens instead of a password. */
  entraId?: {
    /** AZURE_CLIENT_ID: a user-assigned managed identity. */
    managedIdentityClientId?: string;
    /** REDIS_USERNAME: the Redis user when it is not the token's object id. */
    username?: string;
  };
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** Validates `env` and returns the resolved configuration, or throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map(
        (issue) => `${issue.path.join(".")} ${issue.message.replace(/^Invalid input: /, "")}`,
      ),
    );
  }
  const vars = parsed.data;
  for (const secret of [
    vars.AZURE_OPENAI_API_KEY,
    vars.OPENAI_API_KEY,
    vars.SLACK_BOT_TOKEN,
    vars.SLACK_SIGNING_SECRET,
    vars.SLACK_APP_TOKEN,
    vars.MicrosoftAppPassword,
  ]) {
    registerSecret(secret);
  }
  registerRedisPassword(vars.REDIS_URL);

  const problems: string[] = [];
  const kind = endpointKind(vars, problems);
  const endpoint = kind === "openai-compatible" ? vars.OPENAI_BASE_URL : vars.AZURE_OPENAI_ENDPOINT;
  const defaultModel = kind === "openai-compatible" ? vars.OPENAI_MODEL : vars.AZURE_OPENAI_DEPLOYMENT;
  if (!defaultModel) {
    problems.push(
      kind === "openai-compatible"
        ? "OPENAI_MODEL is required with OPENAI_BASE_URL (the model id, e.g. gpt-4o-mini or llama3.1)"
        : "AZURE_OPENAI_DEPLOYMENT is required (the name of your model deployment, e.g. gpt-4o)",
    );
  }
  if (kind === "azure-inference" && vars.OPENAI_API_VERSION === "v1") {
    problems.push(
      "OPENAI_API_VERSION v1 is for Azure OpenAI endpoints; the model inference endpoint takes a dated version",
    );
  }
  const warnings: string[] = [];
  const prompts = parsePrompts(vars.SLACK_SUGGESTED_PROMPTS);
  if ("error" in prompts) problems.push(`SLACK_SUGGESTED_PROMPTS ${prompts.error}`);
  const prices = parsePrices(vars.MODEL_PRICES);
  if ("error" in prices) problems.push(`MODEL_PRICES ${prices.error}`);
  const dataSources = dataSourcesConfig(
    env,
    kind,
    vars.OPENAI_API_VERSION ?? AZURE_OPENAI_DEFAULT_API_VERSION,
    problems,
    warnings,
  );
  const slack = slackConfig(vars, problems);
  const teams = teamsConfig(vars, problems);
  const redis = redisConfig(vars, problems, warnings);
  if (problems.length > 0 || !endpoint || !defaultModel) throw new ConfigError(problems);

  return {
    warnings,
    llm: {
      kind,
      endpoint,
      apiKey: kind === "openai-compatible" ? vars.OPENAI_API_KEY : vars.AZURE_OPENAI_API_KEY,
      apiVersion:
        vars.OPENAI_API_VERSION ??
        (kind === "azure-inference" ? AZURE_INFERENCE_DEFAULT_API_VERSION : AZURE_OPENAI_DEFAULT_API_VERSION),
      managedIdentityClientId: vars.AZURE_CLIENT_ID,
      tokenScope: vars.AZURE_OPENAI_TOKEN_SCOPE ?? COGNITIVE_SERVICES_SCOPE,
      timeoutMs: vars.LLM_TIMEOUT_MS,
      maxRateLimitRetries: vars.LLM_MAX_RETRIES,
      maxRetryWaitMs: vars.LLM_MAX_RETRY_WAIT_MS,
    },
    dataSources,
    search: {
      timeoutMs: vars.AZURE_SEARCH_TIMEOUT_MS,
      queryRewrite: truthy(vars.AZURE_SEARCH_QUERY_REWRITE),
      managedIdentityClientId: vars.AZURE_CLIENT_ID,
    },
    slack,
    teams,
    models: allowedModels(defaultModel, vars.LLM_ALLOWED_MODELS),
    suggestedPrompts: "error" in prompts ? [] : prompts,
    defaults: {
      systemPrompt: vars.SYSTEM_PROMPT ?? DEFAULT_SYSTEM_PROMPT,
      temperature: vars.DEFAULT_TEMPERATURE,
      topP: vars.DEFAULT_TOP_P,
      maxTokens: vars.DEFAULT_MAX_TOKENS,
      presencePenalty: vars.DEFAULT_PRESENCE_PENALTY,
      frequencyPenalty: vars.DEFAULT_FREQUENCY_PENALTY,
      historyEnabled: truthy(vars.HISTORY_ENABLED),
      historyWindow: vars.HISTORY_WINDOW,
    },
    history: { maxStored: vars.HISTORY_MAX_STORED, ttlSeconds: vars.HISTORY_TTL_DAYS * 86_400 },
    access: {
      channels: listOf(vars.ALLOWED_CHANNELS),
      teams: listOf(vars.ALLOWED_TEAMS),
      users: listOf(vars.ALLOWED_USERS),
    },
    usage: {
      retentionDays: vars.USAGE_RETENTION_DAYS,
      prices: "error" in prices ? {} : prices,
      quotas: {
        day: {
          user: vars.QUOTA_USER_TOKENS_PER_DAY,
          conversation: vars.QUOTA_CONVERSATION_TOKENS_PER_DAY,
          workspace: vars.QUOTA_WORKSPACE_TOKENS_PER_DAY,
        },
        month: {
          user: vars.QUOTA_USER_TOKENS_PER_MONTH,
          conversation: vars.QUOTA_CONVERSATION_TOKENS_PER_MONTH,
          workspace: vars.QUOTA_WORKSPACE_TOKENS_PER_MONTH,
        },
      },
    },
    redis,
    port: vars.PORT,
    logLevel: vars.LOG_LEVEL,
    shutdownTimeoutMs: vars.SHUTDOWN_TIMEOUT_MS,
  };
}

function redisConfig(vars: Env, problems: string[], warnings: string[]): RedisConfig {
  const url = vars.REDIS_URL ? new URL(vars.REDIS_URL) : undefined;
  const cluster = truthy(vars.REDIS_CLUSTER);
  const entra = truthy(vars.REDIS_ENTRA_ID);
  if (cluster && !url) {
    problems.push(
      "REDIS_URL is required with REDIS_CLUSTER=true: any one node of the cluster, e.g. rediss://my-cache.westeurope.redis.azure.net:10000",
    );
  }
  if (cluster && url && !/^\/?0?$/.test(url.pathname)) {
    problems.push(
      "REDIS_URL must not select a database with REDIS_CLUSTER=true: a Redis Cluster has only database 0",
    );
  }
  let natMap: NatMapping | undefined;
  if (vars.REDIS_CLUSTER_NAT_MAP !== undefined) {
    if (!cluster) problems.push("REDIS_CLUSTER_NAT_MAP needs REDIS_CLUSTER=true");
    try {
      natMap = parseNatMap(vars.REDIS_CLUSTER_NAT_MAP);
    } catch (err) {
      problems.push(`REDIS_CLUSTER_NAT_MAP ${(err as Error).message}`);
    }
  }
  if (entra && !url)
    problems.push(
      "REDIS_URL is required with REDIS_ENTRA_ID=true, e.g. rediss://my-cache.westeurope.redis.azure.net:10000",
    );
  if (entra && url && (url.username || url.password)) {
    problems.push(
      "REDIS_URL must not carry a user name or password with REDIS_ENTRA_ID=true: the password is the Entra ID token and the user its object id (or REDIS_USERNAME)",
    );
  }
  if (entra && url?.protocol === "redis:") {
    warnings.push("REDIS_ENTRA_ID=true with a redis:// URL sends access tokens unencrypted; use rediss://");
  }
  if (vars.REDIS_USERNAME !== undefined && !entra) {
    problems.push(
      "REDIS_USERNAME is only used with REDIS_ENTRA_ID=true; otherwise put the user in REDIS_URL (rediss://user:password@host:port)",
    );
  }
  return {
    url: vars.REDIS_URL,
    keyPrefix: vars.REDIS_KEY_PREFIX,
    cluster,
    natMap,
    commandTimeoutMs: vars.REDIS_COMMAND_TIMEOUT_MS,
    entraId: entra
      ? { managedIdentityClientId: vars.AZURE_CLIENT_ID, username: vars.REDIS_USERNAME }
      : undefined,
  };
}

function slackConfig(vars: Env, problems: string[]): SlackConfig | undefined {
  if (!vars.SLACK_BOT_TOKEN) {
    if (vars.SLACK_SIGNING_SECRET || vars.SLACK_APP_TOKEN)
      problems.push("SLACK_BOT_TOKEN is required to use Slack (xoxb-...)");
    return undefined;
  }
  if (!vars.SLACK_APP_TOKEN && !vars.SLACK_SIGNING_SECRET) {
    problems.push(
      "SLACK_SIGNING_SECRET is required for Slack over HTTP (Basic Information > App Credentials), or set SLACK_APP_TOKEN for Socket Mode",
    );
  }
  return {
    botToken: vars.SLACK_BOT_TOKEN,
    signingSecret: vars.SLACK_SIGNING_SECRET,
    appToken: vars.SLACK_APP_TOKEN,
    apiUrl: vars.SLACK_API_URL.endsWith("/") ? vars.SLACK_API_URL : `${vars.SLACK_API_URL}/`,
    streaming: vars.SLACK_STREAMING,
    command: vars.SLACK_COMMAND,
    settingsAdmins: listOf(vars.SLACK_SETTINGS_ADMINS),
    allowedBots: listOf(vars.SLACK_ALLOWED_BOTS),
    agentView: truthy(vars.SLACK_AGENT_VIEW),
  };
}

function dataSourcesConfig(
  env: NodeJS.ProcessEnv,
  kind: EndpointKind,
  apiVersion: string,
  problems: string[],
  warnings: string[],
): DataSourceDefinition[] {
  let sources: DataSourceDefinition[] = [];
  try {
    sources = loadDataSources(env, apiVersion, { warn: (message) => warnings.push(message) });
  } catch (err) {
    if (!(err instanceof DataSourceConfigError)) throw err;
    problems.push(...err.problems);
  }
  const onYourData = sources.filter((s) => s.mode === "on_your_data").map((s) => s.name);
  if (onYourData.length > 0 && !dataSourcesSupported(kind)) {
    problems.push(
      `AZURE_SEARCH_* / DATA_SOURCES_FILE: the On Your Data source${onYourData.length === 1 ? "" : "s"} ${onYourData.join(", ")} need an Azure OpenAI endpoint; the model inference endpoint and OpenAI-compatible servers do not support them. Set AZURE_SEARCH_MODE=search (or "mode": "search") to have the bot search the index itself`,
    );
  }
  return sources;
}

function teamsConfig(vars: Env, problems: string[]): TeamsConfig | undefined {
  const enabled =
    vars.TEAMS_ENABLED === undefined ? vars.MicrosoftAppId !== undefined : truthy(vars.TEAMS_ENABLED);
  if (!enabled) return undefined;
  const appId = vars.MicrosoftAppId ?? "";
  if (appId && vars.MicrosoftAppType !== "UserAssignedMSI" && !vars.MicrosoftAppPassword) {
    problems.push(
      "MicrosoftAppPassword is required with MicrosoftAppId (the bot's client secret), unless MicrosoftAppType is UserAssignedMSI",
    );
  }
  if (appId && vars.MicrosoftAppType !== "MultiTenant" && !vars.MicrosoftAppTenantId) {
    problems.push(
      `MicrosoftAppTenantId is required with MicrosoftAppType=${vars.MicrosoftAppType} (your Microsoft Entra tenant id)`,
    );
  }
  return {
    appId,
    appPassword: vars.MicrosoftAppPassword,
    appType: vars.MicrosoftAppType,
    tenantId: vars.MicrosoftAppTenantId,
    settingsAdmins: listOf(vars.TEAMS_SETTINGS_ADMINS),
  };
}

function listOf(v: string | undefined): string[] {
  return (v ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

function endpointKind(vars: Env, problems: string[]): EndpointKind {
  const provider =
    vars.LLM_PROVIDER ??
    (vars.OPENAI_BASE_URL && !vars.AZURE_OPENAI_ENDPOINT
      ? "openai"
      : isInferenceEndpoint(vars.AZURE_OPENAI_ENDPOINT)
        ? "azure-inference"
        : "azure");
  if (provider === "openai") {
    if (!vars.OPENAI_BASE_URL)
      problems.push("OPENAI_BASE_URL is required with LLM_PROVIDER=openai, e.g. https://api.openai.com/v1");
    return "openai-compatible";
  }
  if (!vars.AZURE_OPENAI_ENDPOINT) {
    problems.push(
      "AZURE_OPENAI_ENDPOINT is required: your resource endpoint, e.g. https://my-resource.openai.azure.com/ " +
        "(or https://my-resource.services.ai.azure.com/models for the model inference endpoint; " +
        "or set OPENAI_BASE_URL for an OpenAI-compatible server)",
    );
  }
  if (provider === "azure-inference") return "azure-inference";
  return vars.OPENAI_API_VERSION === "v1" ? "azure-v1" : "azure-deployment";
}

/** The model inference endpoint is the `/models` path of an AI services resource. */
function isInferenceEndpoint(endpoint: string | undefined): boolean {
  if (!endpoint) return false;
  return new URL(endpoint).pathname.replace(/\/+$/, "").endsWith("/models");
}

function allowedModels(defaultModel: string, list: string | undefined): AllowedModel[] {
  const entries = (list ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map(parseAllowedModel);
  const defaultEntry = entries.find((m) => m.name === defaultModel) ?? parseAllowedModel(defaultModel);
  return [defaultEntry, ...entries.filter((m) => m.name !== defaultModel)];
}

function registerRedisPassword(url: string | undefined): void {
  if (!url) return;
  const password = new URL(url).password;
  if (password) registerSecret(decodeURIComponent(password));
}

/** A one-line description of the configuration that is safe to log (no secrets). */
export function describeConfig(config: Config): Record<string, unknown> {
  return {
    llm: config.llm.kind,
    endpoint: config.llm.endpoint,
    apiVersion: config.llm.apiVersion,
    auth: config.llm.apiKey ? "api-key" : config.llm.kind === "openai-compatible" ? "none" : "entra-id",
    models: config.models.map((m) => `${m.name} (${m.profile.family})`),
    dataSources: config.dataSources.map((d) => `${d.name} (${d.mode})`),
    store: config.redis.url ? (config.redis.cluster ? "redis cluster" : "redis") : "memory",
    redisAuth: config.redis.url ? (config.redis.entraId ? "entra-id" : "url") : undefined,
    slack: config.slack ? (config.slack.appToken ? "socket mode" : "http") : "off",
    teams: config.teams ? (config.teams.appId ? config.teams.appType : "auth off (emulator)") : "off",
    port: config.port,
  };
}
