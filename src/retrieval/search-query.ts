// The search request for one question: query kind, fields, filter and vector queries, from the
// source's configuration and the index's field mapping. Pure; the SDK turns it into the REST body.
import type { SearchOptions, VectorQuery } from "@azure/search-documents";
import type { SearchIndexSource } from "../datasources/index.js";
import { BotError } from "../errors.js";
import type { FieldMapping } from "./field-mapping.js";

type Document = Record<string, unknown>;

export interface SearchRequest {
  /** Undefined for a pure vector query (no keyword part). */
  searchText: string | undefined;
  options: SearchOptions<Document>;
}

/** Extractive answers asked of semantic ranking: the passage holding one moves to the top. */
const SEMANTIC_ANSWERS = 3;

const VECTOR_KINDS = new Set(["vector", "vector_simple_hybrid", "vector_semantic_hybrid"]);
const SEMANTIC_KINDS = new Set(["semantic", "vector_semantic_hybrid"]);

export function needsVector(source: SearchIndexSource): boolean {
  return VECTOR_KINDS.has(source.queryType);
}

/** Whether the bot embeds the query itself (an embeddings deployment is configured) rather than the index's vectorizer. */
export function needsEmbedding(source: SearchIndexSource): boolean {
  return needsVector(source) && source.embeddingDeployment !== undefined;
}

/**
 * The request for `query`. `vector` is the query's embedding when needsEmbedding() said so.
 * Throws datasource_error when the configuration cannot work with this index (no vector field, no
 * semantic configuration).
 */
export function buildSearchRequest(
  query: string,
  source: SearchIndexSource,
  mapping: FieldMapping,
  vector?: number[],
): SearchRequest {
  const select = source.select ?? selectedFields(mapping);
  const base = {
    top: source.top,
    ...(source.filter ? { filter: source.filter } : {}),
    ...(select.length > 0 ? { select } : {}),
  };
  const vectorSearchOptions = needsVector(source)
    ? { queries: [vectorQuery(query, source, mapping, vector)] }
    : undefined;
  const searchText = source.queryType === "vector" ? undefined : query;
  const withVectors = vectorSearchOptions ? { vectorSearchOptions } : {};

  if (SEMANTIC_KINDS.has(source.queryType)) {
    const configurationName = source.semanticConfiguration ?? mapping.semanticConfiguration;
    if (!configurationName) {
      throw configurationError(
        `query type ${source.queryType} needs a semantic configuration, and index "${source.index}" has none`,
        "set AZURE_SEARCH_SEMANTIC_CONFIGURATION (or semantic_configuration), add one to the index, or use query type simple",
      );
    }
    return {
      searchText,
      options: {
        ...base,
        ...withVectors,
        queryType: "semantic",
        semanticSearchOptions: {
          configurationName,
          captions: { captionType: "extractive" },
          answers: { answerType: "extractive", count: SEMANTIC_ANSWERS },
          // A failed semantic step returns the plain ranking instead of failing the search. (No
          // maxWaitInMilliseconds: @azure/search-documents 13 drops it from the request; the
          // search's own timeout bounds the wait.)
          errorMode: "partial",
        },
      },
    };
  }
  return {
    searchText,
    options: { ...base, ...withVectors, queryType: source.queryType === "full" ? "full" : "simple" },
  };
}

function vectorQuery(
  query: string,
  source: SearchIndexSource,
  mapping: FieldMapping,
  vector: number[] | undefined,
): VectorQuery<Document> {
  const common = { kNearestNeighborsCount: source.top };
  if (vector) {
    if (mapping.vectorFields.length === 0) throw noVectorField(source);
    return { kind: "vector", vector, fields: mapping.vectorFields, ...common };
  }
  if (mapping.vectorizedFields.length === 0) throw noVectorField(source);
  return { kind: "text", text: query, fields: mapping.vectorizedFields, ...common };
}

function noVectorField(source: SearchIndexSource): BotError {
  return configurationError(
    `query type ${source.queryType} needs a vector field with a vectorizer (or an embeddings deployment), and none was found on index "${source.index}"`,
    "set AZURE_OPENAI_EMBEDDING_DEPLOYMENT (and AZURE_SEARCH_VECTOR_FIELDS if the index definition cannot be read), add a vectorizer to the field's profile, or use query type simple or semantic",
  );
}

function configurationError(message: string, hint: string): BotError {
  return new BotError("datasource_error", message, { hint, kind: "invalid" });
}

/** The fields a passage is made of: nothing else is fetched (vectors would be kilobytes each). */
export function selectedFields(mapping: FieldMapping): string[] {
  const fields = [
    mapping.key,
    ...mapping.contentFields,
    mapping.titleField,
    mapping.urlField,
    mapping.filepathField,
    mapping.chunkIdField,
  ].filter((f): f is string => typeof f === "string");
  return [...new Set(fields)];
}
