// The one data source of AZURE_SEARCH_* variables when the bot searches itself (AZURE_SEARCH_MODE
// search or knowledge_base). The variables are turned into a file entry's `parameters` and checked
// by the same schema, so both ways of configuring a source accept the same values; problems name
// the variable.
import type { z } from "zod";
import {
  type BotSearchSource,
  KnowledgeBaseParameters,
  knowledgeBaseSource,
  SEARCH_ENV,
  SearchIndexParameters,
  searchIndexSource,
} from "./search-source.js";

/** The On Your Data variables that the two modes share with it (see load.ts). */
export interface SharedSearchEnv {
  endpoint: string;
  index: string;
  apiKey: string;
  queryType: string;
  semanticConfiguration: string;
  topNDocuments: string;
  inScope: string;
  filter: string;
  embeddingDeployment: string;
  strictness: string;
  identityResourceId: string;
}

type Env = Record<string, string | undefined>;

/** Which variable each parameter came from, for problem sentences. */
function variableOf(shared: SharedSearchEnv, parameter: string): string {
  const names: Record<string, string> = {
    endpoint: shared.endpoint,
    index_name: shared.index,
    knowledge_base_name: SEARCH_ENV.knowledgeBase,
    authentication: shared.apiKey,
    query_type: shared.queryType,
    semantic_configuration: shared.semanticConfiguration,
    top_n_documents: shared.topNDocuments,
    filter: shared.filter,
    select: SEARCH_ENV.select,
    min_reranker_score: SEARCH_ENV.minRerankerScore,
    min_score: SEARCH_ENV.minScore,
    in_scope: shared.inScope,
    content_fields: SEARCH_ENV.contentFields,
    title_field: SEARCH_ENV.titleField,
    url_field: SEARCH_ENV.urlField,
    filepath_field: SEARCH_ENV.filepathField,
    chunk_id_field: SEARCH_ENV.chunkIdField,
    vector_fields: SEARCH_ENV.vectorFields,
    embedding_dependency: SEARCH_ENV.openaiEmbeddingDeployment,
  };
  return names[parameter] ?? parameter;
}

/**
 * The env source for `mode`, or undefined when its variables are not set. `problems` and
 * `warnings` receive sentences naming the variables.
 */
export function envSearchSource(
  env: Env,
  mode: "search" | "knowledge_base",
  shared: SharedSearchEnv,
  problems: string[],
  warnings: string[],
): BotSearchSource | undefined {
  const value = (name: string) => {
    const raw = env[name]?.trim();
    return raw ? raw : undefined;
  };
  const apiKey = value(shared.apiKey);
  const authentication = apiKey ? { type: "api_key", key: apiKey } : undefined;
  if (value(shared.identityResourceId)) {
    warnings.push(
      `${shared.identityResourceId} is ignored when the bot searches (${SEARCH_ENV.mode}=${mode}): the bot's own identity queries the service; set AZURE_CLIENT_ID for a user-assigned identity`,
    );
  }
  const report = (error: z.ZodError) => {
    for (const issue of error.issues) {
      const [top = "", nested] = issue.path.map(String);
      problems.push(
        `${variableOf(shared, top === "fields_mapping" && nested ? nested : top)} ${issue.message}`,
      );
    }
  };

  if (mode === "knowledge_base") {
    const endpoint = value(shared.endpoint);
    const knowledgeBase = value(SEARCH_ENV.knowledgeBase);
    if (!endpoint && !knowledgeBase) return undefined;
    if (!knowledgeBase) {
      problems.push(
        `${SEARCH_ENV.knowledgeBase} is required with ${SEARCH_ENV.mode}=knowledge_base (the name of the knowledge base)`,
      );
      return undefined;
    }
    if (!endpoint) {
      problems.push(
        `${shared.endpoint} is required with ${SEARCH_ENV.knowledgeBase} (e.g. https://my-search.search.windows.net)`,
      );
      return undefined;
    }
    const parsed = KnowledgeBaseParameters.safeParse(
      defined({
        endpoint,
        knowledge_base_name: knowledgeBase,
        authentication,
        top_n_documents: numberOf(value(shared.topNDocuments)),
        in_scope: booleanOf(value(shared.inScope)),
      }),
    );
    if (!parsed.success) {
      report(parsed.error);
      return undefined;
    }
    return knowledgeBaseSource(parsed.data);
  }

  const endpoint = value(shared.endpoint);
  const index = value(shared.index);
  if (!endpoint && !index) return undefined;
  if (!endpoint || !index) {
    problems.push(
      endpoint
        ? `${shared.index} is required when ${shared.endpoint} is set (the name of the search index)`
        : `${shared.endpoint} is required when ${shared.index} is set (e.g. https://my-search.search.windows.net)`,
    );
    return undefined;
  }
  const embedding = value(SEARCH_ENV.openaiEmbeddingDeployment) ?? value(shared.embeddingDeployment);
  const fields = defined({
    content_fields: listOf(value(SEARCH_ENV.contentFields)),
    title_field: value(SEARCH_ENV.titleField),
    url_field: value(SEARCH_ENV.urlField),
    filepath_field: value(SEARCH_ENV.filepathField),
    chunk_id_field: value(SEARCH_ENV.chunkIdField),
    vector_fields: listOf(value(SEARCH_ENV.vectorFields)),
  });
  const parsed = SearchIndexParameters.safeParse(
    defined({
      endpoint,
      index_name: index,
      authentication,
      query_type: value(shared.queryType),
      semantic_configuration: value(shared.semanticConfiguration),
      top_n_documents: numberOf(value(shared.topNDocuments)),
      filter: value(shared.filter),
      select: listOf(value(SEARCH_ENV.select)),
      min_reranker_score: numberOf(value(SEARCH_ENV.minRerankerScore)),
      min_score: numberOf(value(SEARCH_ENV.minScore)),
      in_scope: booleanOf(value(shared.inScope)),
      fields_mapping: Object.keys(fields).length > 0 ? fields : undefined,
      embedding_dependency: embedding ? { type: "deployment_name", deployment_name: embedding } : undefined,
    }),
  );
  if (value(shared.strictness)) {
    warnings.push(
      `${shared.strictness} is for ${SEARCH_ENV.mode}=on_your_data; when the bot searches, set ${SEARCH_ENV.minRerankerScore} (0-4, semantic ranking) or ${SEARCH_ENV.minScore} instead`,
    );
  }
  if (!parsed.success) {
    report(parsed.error);
    return undefined;
  }
  return searchIndexSource(parsed.data, []);
}

/** The object without its undefined members (zod's strict objects count them as present). */
function defined(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined));
}

/** A number when the text is one; the text itself otherwise, so the schema names the variable. */
function numberOf(raw: string | undefined): number | string | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : raw;
}

function booleanOf(raw: string | undefined): boolean | string | undefined {
  if (raw === undefined) return undefined;
  const lower = raw.toLowerCase();
  if (["true", "on", "1", "yes"].includes(lower)) return true;
  if (["false", "off", "0", "no"].includes(lower)) return false;
  return raw;
}

function listOf(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  return raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}
