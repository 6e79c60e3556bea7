// Named "On Your Data" sources, loaded and validated once at start: one Azure AI Search source from
// AZURE_SEARCH_* variables, and any number from the JSON file named by DATA_SOURCES_FILE. A bad value
// stops the start with a DataSourceConfigError whose problems each name the variable or the file,
// source and field.
import { readFileSync } from "node:fs";
import { BotError } from "../errors.js";
import type { DataSourceRequest } from "../llm/types.js";
import { registerSecret } from "../redact.js";
import { QUERY_TYPES, SCHEMA_API_VERSION, STRICTNESS_MAX, STRICTNESS_MIN } from "./schema-2024-10-21.js";
import { envSearchSource } from "./search-env.js";
import {
  type BotSearchSource,
  describeZodIssues,
  KnowledgeBaseParameters,
  knowledgeBaseSource,
  SEARCH_ENV,
  SEARCH_MODES,
  SearchIndexParameters,
  type SearchMode,
  searchIndexSource,
} from "./search-source.js";
import { secretValues, validateDataSourceConfiguration, validationModeFor } from "./validate.js";

interface DataSourceBase {
  /** What users pick with `settings set datasource <name>` (unique, case-insensitively). */
  name: string;
  /** On a datasource_error, answer once more without the data source (and say so) instead of failing. */
  fallbackWithoutDataSource: boolean;
}

/** Legacy "On Your Data": Azure OpenAI searches, the request carries `data_sources: [request]`. */
export interface OnYourDataDefinition extends DataSourceBase {
  mode: "on_your_data";
  request: DataSourceRequest;
}

/** The bot searches (an index, or a knowledge base) and puts the passages in the prompt itself. */
export interface BotSearchDefinition extends DataSourceBase {
  mode: "search" | "knowledge_base";
  search: BotSearchSource;
}

export type DataSourceDefinition = OnYourDataDefinition | BotSearchDefinition;

/** Everything wrong with the data source configuration, one sentence per problem. */
export class DataSourceConfigError extends BotError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super("config_invalid", `invalid data source configuration:\n- ${problems.join("\n- ")}`);
    this.name = "DataSourceConfigError";
    this.problems = problems;
  }
}

export interface LoadDataSourcesOptions {
  /** Receives each warning (accepted, but worth a log line). */
  warn?: (message: string) => void;
}

/** The environment variables read here, with what they mean. */
export const DATA_SOURCE_ENV = {
  file: "DATA_SOURCES_FILE",
  endpoint: "AZURE_SEARCH_ENDPOINT",
  index: "AZURE_SEARCH_INDEX",
  apiKey: "AZURE_SEARCH_API_KEY",
  identityResourceId: "AZURE_SEARCH_MANAGED_IDENTITY_RESOURCE_ID",
  name: "AZURE_SEARCH_SOURCE_NAME",
  queryType: "AZURE_SEARCH_QUERY_TYPE",
  semanticConfiguration: "AZURE_SEARCH_SEMANTIC_CONFIGURATION",
  topNDocuments: "AZURE_SEARCH_TOP_N_DOCUMENTS",
  strictness: "AZURE_SEARCH_STRICTNESS",
  inScope: "AZURE_SEARCH_IN_SCOPE",
  filter: "AZURE_SEARCH_FILTER",
  embeddingDeployment: "AZURE_SEARCH_EMBEDDING_DEPLOYMENT",
  fallback: "AZURE_SEARCH_FALLBACK_WITHOUT_DATA_SOURCE",
  ...SEARCH_ENV,
} as const;

/** Said once at start for every On Your Data source. */
export const ON_YOUR_DATA_DEPRECATION =
  'On Your Data (data_sources) is deprecated and approaching retirement: it works only with GPT-4o (2024-05-13, 2024-08-06, 2024-11-20) and GPT-4o-mini (2024-07-18) deployments and stops when they retire. Set AZURE_SEARCH_MODE=search (or a file entry\'s "mode": "search") to have the bot search the same index itself, on any model';

/** Read only to explain why they are not used. */
const REFUSED_ENV: Record<string, string> = {
  AZURE_SEARCH_MANAGED_IDENTITY_CLIENT_ID: `On Your Data names a user-assigned identity by its resource ID, not its client ID: set ${DATA_SOURCE_ENV.identityResourceId} to /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name> (an identity assigned to the Azure OpenAI resource)`,
  AZURE_SEARCH_ACCESS_TOKEN:
    "a fixed access token expires within about an hour and access_token authentication is not in the 2024-10-21 api-version; use a managed identity of the Azure OpenAI resource (unset AZURE_SEARCH_API_KEY) or AZURE_SEARCH_API_KEY",
};

/** Names users type in chat commands: letters, digits, `.`, `_`, `-`; at most 64 characters. */
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Words `settings set datasource` reads as "off" (src/settings/schema.ts): a source cannot be named so. */
const RESERVED_NAMES = new Set(["off", "none", "false", "no", "0", "disable", "disabled"]);
const TOP_N_DOCUMENTS_MAX = 2 ** 31 - 1;
const USER_ASSIGNED_IDENTITY_ID =
  /^\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/microsoft\.managedidentity\/userassignedidentities\/[^/]+$/i;
const FILE_ENTRY_KEYS = new Set(["type", "mode", "parameters", "fallbackWithoutDataSource"]);

/**
 * The configured data sources, env source first, then the file's in file order. Throws
 * DataSourceConfigError listing every problem. Registers every key and connection string for
 * redaction. `apiVersion` is the Azure OpenAI api-version requests use (`2024-10-21` validates
 * strictly; any other version accepts fields 2024-10-21 does not know, with a warning).
 */
export function loadDataSources(
  env: Record<string, string | undefined>,
  apiVersion: string,
  options: LoadDataSourcesOptions = {},
): DataSourceDefinition[] {
  const problems: string[] = [];
  const warnings: string[] = [];
  const sources: DataSourceDefinition[] = [];

  // Secrets are registered before anything is checked, so no later log line can carry them.
  registerSecret(value(env, DATA_SOURCE_ENV.apiKey));
  const mode = modeOf(value(env, DATA_SOURCE_ENV.mode), DATA_SOURCE_ENV.mode, problems) ?? "search";
  const fromEnv =
    mode === "on_your_data"
      ? envSource(env, apiVersion, problems, warnings)
      : envBotSearchSource(env, mode, problems, warnings);
  if (fromEnv) sources.push(fromEnv);
  const file = value(env, DATA_SOURCE_ENV.file);
  if (file) sources.push(...fileSources(file, mode, apiVersion, problems, warnings));

  const seen = new Map<string, string>();
  for (const source of sources) {
    const key = source.name.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) {
      problems.push(
        `data source name "${source.name}" is used twice (names are case-insensitive; the other is "${first}"); set ${DATA_SOURCE_ENV.name} or rename the file entry`,
      );
    } else seen.set(key, source.name);
  }

  const onYourData = sources.filter((s) => s.mode === "on_your_data");
  if (onYourData.length > 0) {
    warnings.unshift(`${ON_YOUR_DATA_DEPRECATION} (${onYourData.map((s) => s.name).join(", ")})`);
  }
  if (onYourData.length > 0 && validationModeFor(apiVersion) === "lenient") {
    warnings.unshift(
      `data sources are validated against the ${SCHEMA_API_VERSION} schema; api-version ${apiVersion} may add fields, which are sent unchecked`,
    );
  }
  if (problems.length > 0) throw new DataSourceConfigError(problems);
  for (const warning of warnings) options.warn?.(warning);
  return sources;
}

// ---------------------------------------------------------------------------------------------
// From AZURE_SEARCH_* variables

function envSource(
  env: Record<string, string | undefined>,
  apiVersion: string,
  problems: string[],
  warnings: string[],
): DataSourceDefinition | undefined {
  const E = DATA_SOURCE_ENV;
  for (const [name, why] of Object.entries(REFUSED_ENV)) {
    if (value(env, name)) problems.push(`${name} is not supported: ${why}`);
  }
  const endpoint = value(env, E.endpoint);
  const index = value(env, E.index);
  if (!endpoint && !index) {
    const stray = Object.values(E).filter((n) => n !== E.file && n !== E.mode && value(env, n) !== undefined);
    if (stray.length > 0) {
      problems.push(
        `${stray.join(", ")} ${stray.length === 1 ? "is" : "are"} set but ${E.endpoint} and ${E.index} are not`,
      );
    }
    return undefined;
  }
  if (!endpoint)
    problems.push(
      `${E.endpoint} is required when ${E.index} is set (e.g. https://my-search.search.windows.net)`,
    );
  if (!index)
    problems.push(`${E.index} is required when ${E.endpoint} is set (the name of the search index)`);
  if (endpoint && !isHttpsUrl(endpoint)) {
    problems.push(`${E.endpoint} must be an https URL such as https://my-search.search.windows.net`);
  }

  const parameters: Record<string, unknown> = {
    endpoint,
    index_name: index,
    authentication: envAuthentication(env, problems),
  };
  const queryType = value(env, E.queryType);
  if (queryType !== undefined) {
    if ((QUERY_TYPES as readonly string[]).includes(queryType)) parameters.query_type = queryType;
    else problems.push(`${E.queryType} must be one of: ${QUERY_TYPES.join(", ")} (got "${queryType}")`);
  }
  const semantic = value(env, E.semanticConfiguration);
  if (semantic !== undefined) parameters.semantic_configuration = semantic;
  const topN = wholeNumber(env, E.topNDocuments, 1, TOP_N_DOCUMENTS_MAX, problems);
  if (topN !== undefined) parameters.top_n_documents = topN;
  const strictness = wholeNumber(env, E.strictness, STRICTNESS_MIN, STRICTNESS_MAX, problems);
  if (strictness !== undefined) parameters.strictness = strictness;
  const inScope = boolean(env, E.inScope, problems);
  if (inScope !== undefined) parameters.in_scope = inScope;
  const filter = value(env, E.filter);
  if (filter !== undefined) parameters.filter = filter;
  const embedding = value(env, E.embeddingDeployment);
  if (embedding !== undefined) {
    parameters.embedding_dependency = { type: "deployment_name", deployment_name: embedding };
  }
  const fallback = boolean(env, E.fallback, problems) ?? false;

  const name = value(env, E.name) ?? index;
  const nameVariable = value(env, E.name) ? E.name : `${E.index} (the default source name; set ${E.name})`;
  if (name !== undefined) checkName(name, nameVariable, problems);
  if (problems.length > 0 || !name) return undefined;

  // The variables were checked one by one above; the schema check is a safety net naming the field.
  const checked = validateDataSourceConfiguration({ type: "azure_search", parameters }, apiVersion);
  problems.push(...checked.problems.map((p) => `${E.endpoint}/${E.index} source "${name}": ${p}`));
  warnings.push(...checked.warnings.map((w) => `data source "${name}" (${E.index}): ${w}`));
  return checked.request
    ? { name, mode: "on_your_data", request: checked.request, fallbackWithoutDataSource: fallback }
    : undefined;
}

/** The AZURE_SEARCH_* source the bot searches itself; named by AZURE_SEARCH_SOURCE_NAME, else the index or knowledge base. */
function envBotSearchSource(
  env: Record<string, string | undefined>,
  mode: "search" | "knowledge_base",
  problems: string[],
  warnings: string[],
): DataSourceDefinition | undefined {
  const E = DATA_SOURCE_ENV;
  const before = problems.length;
  const search = envSearchSource(env, mode, E, problems, warnings);
  const fallback = boolean(env, E.fallback, problems) ?? false;
  if (!search) {
    const main: string[] = mode === "knowledge_base" ? [E.endpoint, E.knowledgeBase] : [E.endpoint, E.index];
    const stray = Object.values(E).filter(
      (n) => n !== E.file && n !== E.mode && !main.includes(n) && value(env, n) !== undefined,
    );
    if (problems.length === before && stray.length > 0) {
      problems.push(
        `${stray.join(", ")} ${stray.length === 1 ? "is" : "are"} set but ${main.join(" and ")} are not`,
      );
    }
    return undefined;
  }
  const defaultName = search.mode === "knowledge_base" ? search.knowledgeBase : search.index;
  const name = value(env, E.name) ?? defaultName;
  checkName(
    name,
    value(env, E.name) ? E.name : `the default source name "${name}" (set ${E.name})`,
    problems,
  );
  if (problems.length > before) return undefined;
  return { name, mode, search, fallbackWithoutDataSource: fallback };
}

function modeOf(raw: string | undefined, where: string, problems: string[]): SearchMode | undefined {
  if (raw === undefined) return undefined;
  const mode = raw.toLowerCase();
  if ((SEARCH_MODES as readonly string[]).includes(mode)) return mode as SearchMode;
  problems.push(`${where} must be one of: ${SEARCH_MODES.join(", ")} (got "${raw}")`);
  return undefined;
}

function envAuthentication(env: Record<string, string | undefined>, problems: string[]): object {
  const E = DATA_SOURCE_ENV;
  const key = value(env, E.apiKey);
  const identity = value(env, E.identityResourceId);
  if (key && identity) {
    problems.push(`set only one of ${E.apiKey} and ${E.identityResourceId}`);
  }
  if (key) return { type: "api_key", key };
  if (identity) {
    if (!USER_ASSIGNED_IDENTITY_ID.test(identity)) {
      problems.push(
        `${E.identityResourceId} must be a resource ID: /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>`,
      );
    }
    return { type: "user_assigned_managed_identity", managed_identity_resource_id: identity };
  }
  // The Azure OpenAI resource's own identity calls Search; it needs roles there (see error-mapping.ts).
  return { type: "system_assigned_managed_identity" };
}

// ---------------------------------------------------------------------------------------------
// From DATA_SOURCES_FILE

function fileSources(
  path: string,
  defaultMode: SearchMode,
  apiVersion: string,
  problems: string[],
  warnings: string[],
): DataSourceDefinition[] {
  const where = `${DATA_SOURCE_ENV.file} (${path})`;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    problems.push(`${where}: cannot read the file${code ? ` (${code})` : ""}`);
    return [];
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    problems.push(`${where}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
    return [];
  }
  if (typeof document !== "object" || document === null || Array.isArray(document)) {
    problems.push(
      `${where}: must be a JSON object of named sources, e.g. { "hr-docs": { "type": "azure_search", "parameters": { ... } } }`,
    );
    return [];
  }
  for (const secret of secretValues(document)) registerSecret(secret);
  const out: DataSourceDefinition[] = [];
  for (const [name, entry] of Object.entries(document)) {
    const at = `${where}: source "${name}"`;
    const before = problems.length;
    checkName(name, at, problems);
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      problems.push(`${at}: must be an object with "type" and "parameters"`);
      continue;
    }
    const { fallbackWithoutDataSource = false, type, parameters, mode } = entry as Record<string, unknown>;
    const unknown = Object.keys(entry).filter((k) => !FILE_ENTRY_KEYS.has(k));
    if (unknown.length > 0) {
      problems.push(
        `${at}: unknown field${unknown.length === 1 ? "" : "s"} ${unknown.map((k) => `"${k}"`).join(", ")}; allowed: ${[...FILE_ENTRY_KEYS].join(", ")} (the service's fields go inside "parameters")`,
      );
    }
    if (typeof fallbackWithoutDataSource !== "boolean") {
      problems.push(`${at}: fallbackWithoutDataSource must be true or false`);
    }
    if (mode !== undefined && typeof mode !== "string") problems.push(`${at}: mode must be a string`);
    // Only Azure OpenAI can read a Cosmos DB source: such an entry is On Your Data whatever the default.
    const entryMode =
      (typeof mode === "string" ? modeOf(mode, `${at}: mode`, problems) : undefined) ??
      (type === "azure_cosmos_db" ? "on_your_data" : defaultMode);
    const common = { name, fallbackWithoutDataSource: fallbackWithoutDataSource === true };
    if (entryMode === "on_your_data") {
      const checked = validateDataSourceConfiguration({ type, parameters }, apiVersion);
      problems.push(...checked.problems.map((p) => `${at}: ${p}`));
      warnings.push(...checked.warnings.map((w) => `data source "${name}": ${w}`));
      if (problems.length === before && checked.request) {
        out.push({ ...common, mode: "on_your_data", request: checked.request });
      }
      continue;
    }
    if (type !== "azure_search") {
      problems.push(
        `${at}: type must be "azure_search" with mode "${entryMode}" (the bot searches Azure AI Search only; other types need "mode": "on_your_data")`,
      );
      continue;
    }
    const search = fileSearchSource(entryMode, parameters, at, problems, warnings);
    if (problems.length === before && search) out.push({ ...common, mode: entryMode, search });
  }
  return out;
}

function fileSearchSource(
  mode: "search" | "knowledge_base",
  parameters: unknown,
  at: string,
  problems: string[],
  warnings: string[],
): BotSearchSource | undefined {
  if (mode === "knowledge_base") {
    const parsed = KnowledgeBaseParameters.safeParse(parameters);
    if (parsed.success) return knowledgeBaseSource(parsed.data);
    problems.push(...describeZodIssues(parsed.error, "parameters").map((p) => `${at}: ${p}`));
    return undefined;
  }
  const parsed = SearchIndexParameters.safeParse(parameters);
  if (!parsed.success) {
    problems.push(...describeZodIssues(parsed.error, "parameters").map((p) => `${at}: ${p}`));
    return undefined;
  }
  const sourceWarnings: string[] = [];
  const search = searchIndexSource(parsed.data, sourceWarnings);
  warnings.push(...sourceWarnings.map((w) => `${at}: ${w}`));
  return search;
}

// ---------------------------------------------------------------------------------------------

function checkName(name: string, where: string, problems: string[]): void {
  if (!NAME_PATTERN.test(name)) {
    problems.push(`${where}: the name "${name}" must be 1-64 letters, digits, ".", "_" or "-" (no spaces)`);
  } else if (RESERVED_NAMES.has(name.toLowerCase())) {
    problems.push(`${where}: "${name}" cannot name a data source (it means "off" in settings)`);
  }
}

/** Empty counts as unset, like everywhere in the configuration. */
function value(env: Record<string, string | undefined>, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
}

function wholeNumber(
  env: Record<string, string | undefined>,
  name: string,
  min: number,
  max: number,
  problems: string[],
): number | undefined {
  const raw = value(env, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) {
    problems.push(
      `${name} must be a whole number from ${min} to ${max === 2 ** 31 - 1 ? "2147483647" : max} (got "${raw}")`,
    );
    return undefined;
  }
  return n;
}

function boolean(
  env: Record<string, string | undefined>,
  name: string,
  problems: string[],
): boolean | undefined {
  const raw = value(env, name)?.toLowerCase();
  if (raw === undefined) return undefined;
  if (["true", "on", "1", "yes"].includes(raw)) return true;
  if (["false", "off", "0", "no"].includes(raw)) return false;
  problems.push(`${name} must be true or false (got "${raw}")`);
  return undefined;
}

function isHttpsUrl(text: string): boolean {
  try {
    return new URL(text).protocol === "https:";
  } catch {
    return false;
  }
}
