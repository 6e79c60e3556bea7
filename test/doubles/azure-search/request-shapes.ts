// The request bodies the service accepts for api-version 2026-04-01: the properties the SDK's serializers
// send (@azure/search-documents 13.0.0, search/api/operations.js `_searchPostSend`,
// models/.../documents/models.js `vector*QuerySerializer`, knowledgeBases/models.js
// `knowledgeBaseRetrievalRequestSerializer` and `*KnowledgeSourceParamsSerializer`) plus what the official
// examples send (`threshold`, `filterOverride` on vector queries). Anything else is an unknown property.

export const SEARCH_REQUEST_PROPERTIES = [
  "count",
  "facets",
  "filter",
  "highlight",
  "highlightPostTag",
  "highlightPreTag",
  "minimumCoverage",
  "orderby",
  "queryType",
  "scoringStatistics",
  "sessionId",
  "scoringParameters",
  "scoringProfile",
  "debug",
  "search",
  "searchFields",
  "searchMode",
  "select",
  "skip",
  "top",
  "semanticConfiguration",
  "semanticErrorHandling",
  "semanticMaxWaitInMilliseconds",
  "semanticQuery",
  "answers",
  "captions",
  "vectorQueries",
  "vectorFilterMode",
] as const;

const VECTOR_QUERY_COMMON = [
  "k",
  "fields",
  "exhaustive",
  "oversampling",
  "weight",
  "kind",
  "threshold",
  "filterOverride",
];
export const VECTOR_QUERY_PROPERTIES: Record<string, readonly string[]> = {
  vector: [...VECTOR_QUERY_COMMON, "vector"],
  text: [...VECTOR_QUERY_COMMON, "text"],
  imageUrl: [...VECTOR_QUERY_COMMON, "url"],
  imageBinary: [...VECTOR_QUERY_COMMON, "base64Image"],
};

export const RETRIEVAL_REQUEST_PROPERTIES = [
  "intents",
  "maxRuntimeInSeconds",
  "maxOutputSizeInTokens",
  "includeActivity",
  "knowledgeSourceParams",
] as const;

export const INTENT_PROPERTIES = ["type", "search"] as const;

const SOURCE_PARAMS_COMMON = [
  "knowledgeSourceName",
  "includeReferences",
  "includeReferenceSourceData",
  "rerankerThreshold",
  "kind",
];
export const KNOWLEDGE_SOURCE_PARAMS_PROPERTIES: Record<string, readonly string[]> = {
  searchIndex: [...SOURCE_PARAMS_COMMON, "filterAddOn"],
  azureBlob: SOURCE_PARAMS_COMMON,
  indexedOneLake: SOURCE_PARAMS_COMMON,
  web: [...SOURCE_PARAMS_COMMON, "language", "market", "count", "freshness"],
};

/** Preview-only retrieve shapes the GA api-version rejects. */
export const PREVIEW_ONLY_RETRIEVE_PROPERTIES = [
  "messages",
  "retrievalReasoningEffort",
  "outputMode",
] as const;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Keys of `value` that are not in `known`, as paths under `prefix`. */
export function unknownKeys(
  value: Record<string, unknown>,
  known: readonly string[],
  prefix: string,
): string[] {
  return Object.keys(value)
    .filter((key) => !known.includes(key))
    .map((key) => (prefix ? `${prefix}.${key}` : key));
}

/** Unknown properties of a SearchRequest body, with paths such as `vectorQueries[0].foo`. */
export function unknownSearchRequestProperties(body: Record<string, unknown>): string[] {
  const found = unknownKeys(body, SEARCH_REQUEST_PROPERTIES, "");
  const queries = body.vectorQueries;
  if (Array.isArray(queries)) {
    queries.forEach((query, i) => {
      if (!isRecord(query)) return;
      const known = VECTOR_QUERY_PROPERTIES[String(query.kind)] ?? VECTOR_QUERY_COMMON;
      found.push(...unknownKeys(query, known, `vectorQueries[${i}]`));
    });
  }
  return found;
}

/** Unknown properties of a KnowledgeBaseRetrievalRequest body. */
export function unknownRetrievalRequestProperties(body: Record<string, unknown>): string[] {
  const found = unknownKeys(body, RETRIEVAL_REQUEST_PROPERTIES, "");
  if (Array.isArray(body.intents)) {
    body.intents.forEach((intent, i) => {
      if (isRecord(intent)) found.push(...unknownKeys(intent, INTENT_PROPERTIES, `intents[${i}]`));
    });
  }
  if (Array.isArray(body.knowledgeSourceParams)) {
    body.knowledgeSourceParams.forEach((params, i) => {
      if (!isRecord(params)) return;
      const known = KNOWLEDGE_SOURCE_PARAMS_PROPERTIES[String(params.kind)] ?? SOURCE_PARAMS_COMMON;
      found.push(...unknownKeys(params, known, `knowledgeSourceParams[${i}]`));
    });
  }
  return found;
}
