// Data sources the bot searches itself (mode "search": an Azure AI Search index; mode
// "knowledge_base": a knowledge base's retrieve action), read from AZURE_SEARCH_* variables or a
// DATA_SOURCES_FILE entry and checked with zod. The parameter names follow On Your Data's
// (`index_name`, `query_type`, `fields_mapping`, ...) so a file entry moves over by changing its mode.
import { z } from "zod";

/** What a conversation's data source does with a question. */
export const SEARCH_MODES = ["search", "knowledge_base", "on_your_data"] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];

/** How the bot queries an index: On Your Data's query types, plus Lucene's `full` syntax. */
export const SEARCH_QUERY_TYPES = [
  "simple",
  "full",
  "semantic",
  "vector",
  "vector_simple_hybrid",
  "vector_semantic_hybrid",
] as const;
export type SearchQueryType = (typeof SEARCH_QUERY_TYPES)[number];

/** Sources put in the prompt when nothing says otherwise (On Your Data's default too). */
export const DEFAULT_TOP = 5;
/** More passages than this crowd the context window and slow the first token for little gain. */
export const MAX_TOP = 50;
/** Semantic ranker scores run from 0 to 4 (Azure AI Search, semantic ranking). */
export const RERANKER_SCORE_MAX = 4;

/** The bot's own credentials to the search service. */
export type SearchAuth = { kind: "api-key"; key: string } | { kind: "entra-id" };

/** Field names that override what is read from the index definition (On Your Data's fields_mapping). */
export interface FieldsOverride {
  contentFields?: string[];
  titleField?: string;
  urlField?: string;
  filepathField?: string;
  chunkIdField?: string;
  vectorFields?: string[];
}

export interface SearchIndexSource {
  mode: "search";
  endpoint: string;
  index: string;
  auth: SearchAuth;
  queryType: SearchQueryType;
  semanticConfiguration?: string;
  top: number;
  filter?: string;
  /** Fields to fetch; unset: the mapped fields. */
  select?: string[];
  /** Passages below this semantic ranker score (0-4) are left out: On Your Data's `strictness`, here. */
  minRerankerScore?: number;
  /** Passages below this @search.score are left out. */
  minScore?: number;
  fields: FieldsOverride;
  /** Set: the bot embeds the query with this deployment; unset: the index's vectorizer does. */
  embeddingDeployment?: string;
  /** Answer only from the sources (true), or allow general knowledge beside them. */
  inScope: boolean;
}

export interface KnowledgeBaseSource {
  mode: "knowledge_base";
  endpoint: string;
  knowledgeBase: string;
  auth: SearchAuth;
  /** At most this many references become sources. */
  top: number;
  inScope: boolean;
}

export type BotSearchSource = SearchIndexSource | KnowledgeBaseSource;

/** The environment variables of the bot's own search. */
export const SEARCH_ENV = {
  mode: "AZURE_SEARCH_MODE",
  knowledgeBase: "AZURE_SEARCH_KNOWLEDGE_BASE",
  openaiEmbeddingDeployment: "AZURE_OPENAI_EMBEDDING_DEPLOYMENT",
  minRerankerScore: "AZURE_SEARCH_MIN_RERANKER_SCORE",
  minScore: "AZURE_SEARCH_MIN_SCORE",
  select: "AZURE_SEARCH_SELECT",
  contentFields: "AZURE_SEARCH_CONTENT_FIELDS",
  titleField: "AZURE_SEARCH_TITLE_FIELD",
  urlField: "AZURE_SEARCH_URL_FIELD",
  filepathField: "AZURE_SEARCH_FILEPATH_FIELD",
  chunkIdField: "AZURE_SEARCH_CHUNK_ID_FIELD",
  vectorFields: "AZURE_SEARCH_VECTOR_FIELDS",
} as const;

const list = (what: string) =>
  z.array(z.string().min(1), { error: `must be a list of ${what}` }).min(1, { error: "must not be empty" });
const fieldName = z.string().min(1, { error: "must be a field name" });

const Authentication = z
  .discriminatedUnion(
    "type",
    [
      z.strictObject({ type: z.literal("api_key"), key: z.string().min(1) }),
      // On Your Data's identity kinds, kept so an entry moves over unchanged: here they mean the bot's own identity.
      z.strictObject({ type: z.literal("system_assigned_managed_identity") }),
      z.strictObject({
        type: z.literal("user_assigned_managed_identity"),
        managed_identity_resource_id: z.string().optional(),
      }),
      z.strictObject({ type: z.literal("bot_identity") }),
    ],
    {
      error:
        'must be { "type": "api_key", "key": "…" }, or { "type": "bot_identity" } (the bot\'s own Microsoft Entra ID identity)',
    },
  )
  .optional();

const FieldsMapping = z.strictObject({
  content_fields: list("field names").optional(),
  title_field: fieldName.optional(),
  url_field: fieldName.optional(),
  filepath_field: fieldName.optional(),
  chunk_id_field: fieldName.optional(),
  vector_fields: list("field names").optional(),
  // On Your Data's separator: passages here join content fields with a line break.
  content_fields_separator: z.string().optional(),
});

const httpsUrl = z.url({
  protocol: /^https$/,
  error: "must be an https URL such as https://my-search.search.windows.net",
});

const top = z
  .number({ error: `must be a whole number from 1 to ${MAX_TOP}` })
  .int({ error: `must be a whole number from 1 to ${MAX_TOP}` })
  .min(1, { error: `must be a whole number from 1 to ${MAX_TOP}` })
  .max(MAX_TOP, { error: `must be a whole number from 1 to ${MAX_TOP}` });

/** The `parameters` of a DATA_SOURCES_FILE entry with "mode": "search". */
export const SearchIndexParameters = z.strictObject({
  endpoint: httpsUrl,
  index_name: z.string().min(1, { error: "is required (the name of the search index)" }),
  authentication: Authentication,
  query_type: z
    .enum(SEARCH_QUERY_TYPES, { error: `must be one of: ${SEARCH_QUERY_TYPES.join(", ")}` })
    .optional(),
  semantic_configuration: z.string().min(1).optional(),
  top_n_documents: top.optional(),
  filter: z.string().min(1).optional(),
  select: list("field names").optional(),
  min_reranker_score: z
    .number({ error: `must be a number from 0 to ${RERANKER_SCORE_MAX}` })
    .min(0, { error: `must be a number from 0 to ${RERANKER_SCORE_MAX}` })
    .max(RERANKER_SCORE_MAX, { error: `must be a number from 0 to ${RERANKER_SCORE_MAX}` })
    .optional(),
  min_score: z.number({ error: "must be a number of 0 or more" }).min(0).optional(),
  in_scope: z.boolean({ error: "must be true or false" }).optional(),
  fields_mapping: FieldsMapping.optional(),
  embedding_dependency: z
    .strictObject(
      { type: z.literal("deployment_name"), deployment_name: z.string().min(1) },
      {
        error:
          'must be { "type": "deployment_name", "deployment_name": "<embeddings deployment>" } (on the chat endpoint)',
      },
    )
    .optional(),
  // On Your Data's, accepted so an entry moves over unchanged; a warning says what to use instead.
  strictness: z.number().int().min(1).max(5).optional(),
  role_information: z.string().optional(),
});

/** The `parameters` of a DATA_SOURCES_FILE entry with "mode": "knowledge_base". */
export const KnowledgeBaseParameters = z.strictObject({
  endpoint: httpsUrl,
  knowledge_base_name: z.string().min(1, { error: "is required (the name of the knowledge base)" }),
  authentication: Authentication,
  top_n_documents: top.optional(),
  in_scope: z.boolean({ error: "must be true or false" }).optional(),
});

type SearchIndexParameters = z.infer<typeof SearchIndexParameters>;

function authOf(authentication: z.infer<typeof Authentication>): SearchAuth {
  return authentication?.type === "api_key"
    ? { kind: "api-key", key: authentication.key }
    : { kind: "entra-id" };
}

/** A checked file entry's parameters as the source the bot searches. */
export function searchIndexSource(params: SearchIndexParameters, warnings: string[]): SearchIndexSource {
  if (params.strictness !== undefined) {
    warnings.push(
      "strictness is an On Your Data parameter and is ignored when the bot searches: use min_reranker_score (0-4, semantic ranking) or min_score",
    );
  }
  if (params.role_information !== undefined) {
    warnings.push(
      "role_information is an On Your Data parameter and is ignored when the bot searches: the system prompt (SYSTEM_PROMPT, or `settings set system_prompt`) applies",
    );
  }
  if (
    params.authentication?.type === "user_assigned_managed_identity" &&
    params.authentication.managed_identity_resource_id
  ) {
    warnings.push(
      "managed_identity_resource_id is ignored when the bot searches: the bot's own identity is used (set AZURE_CLIENT_ID to the client id of a user-assigned identity)",
    );
  }
  const mapping = params.fields_mapping;
  return {
    mode: "search",
    endpoint: params.endpoint,
    index: params.index_name,
    auth: authOf(params.authentication),
    queryType: params.query_type ?? "simple",
    semanticConfiguration: params.semantic_configuration,
    top: params.top_n_documents ?? DEFAULT_TOP,
    filter: params.filter,
    select: params.select,
    minRerankerScore: params.min_reranker_score,
    minScore: params.min_score,
    fields: {
      contentFields: mapping?.content_fields,
      titleField: mapping?.title_field,
      urlField: mapping?.url_field,
      filepathField: mapping?.filepath_field,
      chunkIdField: mapping?.chunk_id_field,
      vectorFields: mapping?.vector_fields,
    },
    embeddingDeployment: params.embedding_dependency?.deployment_name,
    inScope: params.in_scope ?? true,
  };
}

export function knowledgeBaseSource(params: z.infer<typeof KnowledgeBaseParameters>): KnowledgeBaseSource {
  return {
    mode: "knowledge_base",
    endpoint: params.endpoint,
    knowledgeBase: params.knowledge_base_name,
    auth: authOf(params.authentication),
    top: params.top_n_documents ?? DEFAULT_TOP,
    inScope: params.in_scope ?? true,
  };
}

/** zod's findings as sentences naming the field: `parameters.query_type must be one of: …`. */
export function describeZodIssues(error: z.ZodError, prefix: string): string[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join(".");
    if (issue.code === "unrecognized_keys") {
      return `${path}: unknown field${issue.keys.length === 1 ? "" : "s"} ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
    }
    if (issue.code === "invalid_type" && issue.input === undefined) return `${path}: is required`;
    return `${path}: ${issue.message}`;
  });
}
