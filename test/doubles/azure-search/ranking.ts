// Ranking: keyword scores (term hits in searchable string fields), vector similarity (cosine against
// fakeEmbedding vectors; a `text` query is embedded by the "index vectorizer" = fakeEmbedding) and
// Reciprocal Rank Fusion for hybrid and multi-vector queries.
import { cosineSimilarity, FAKE_EMBEDDING_DIMENSIONS, fakeEmbedding } from "../fake-embedding.js";
import {
  notSearchable,
  notVectorField,
  noVectorizer,
  UnsupportedFeature,
  wrongDimensions,
} from "./errors.js";
import { compileFilter } from "./filter.js";
import { type FieldInfo, type IndexModel, textOf } from "./index-model.js";
import { isRecord } from "./request-shapes.js";
import { termHits, words } from "./text.js";

export type Document = Record<string, unknown>;

export interface Ranked {
  document: Document;
  score: number;
}

/** The service's RRF constant (score = sum of weight / (60 + rank)). */
const RRF_K = 60;
const DEFAULT_K = 50;

export function isWildcard(search: string | undefined): boolean {
  return search === undefined || search.trim() === "" || search.trim() === "*";
}

/** The fields a keyword query searches: `searchFields` (validated) or every searchable string field. */
export function searchFieldsOf(model: IndexModel, searchFields: unknown): FieldInfo[] {
  if (typeof searchFields !== "string" || searchFields.trim() === "") return model.searchableTextFields();
  return searchFields.split(",").map((raw) => {
    const name = raw.trim();
    const field = model.field(name);
    if (!field || !model.searchableTextFields().includes(field)) throw notSearchable(name);
    return field;
  });
}

/** Keyword ranking: documents with at least one hit (all terms for searchMode "all"), best first. */
export function keywordRanking(
  documents: readonly Document[],
  fields: readonly FieldInfo[],
  search: string | undefined,
  searchMode: unknown,
): Ranked[] {
  if (isWildcard(search)) return documents.map((document) => ({ document, score: 1 }));
  const terms = [...new Set(words(search ?? ""))];
  const ranked: Ranked[] = [];
  for (const document of documents) {
    const text = fields.map((field) => textOf(document[field.name])).join(" ");
    const score = termHits(text, terms);
    const all = searchMode === "all" ? terms.every((term) => termHits(text, [term]) > 0) : true;
    if (score > 0 && all) ranked.push({ document, score });
  }
  return ranked.sort((a, b) => b.score - a.score);
}

interface VectorQuery {
  kind: string;
  fields: FieldInfo[];
  vector: number[];
  k: number;
  weight: number;
  filter?: string;
  threshold?: { kind: string; value: number };
}

function readVectorQuery(model: IndexModel, raw: unknown): VectorQuery {
  if (!isRecord(raw)) throw new UnsupportedFeature("a vector query that is not an object");
  const kind = String(raw.kind);
  if (kind !== "vector" && kind !== "text") throw new UnsupportedFeature(`vector queries of kind '${kind}'`);
  const fields = String(raw.fields ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean)
    .map((name) => {
      const field = model.field(name);
      if (!model.isVectorField(field)) throw notVectorField(name);
      return field;
    });
  const first = fields[0];
  if (!first) throw notVectorField("");
  const dimensions = first.dimensions ?? FAKE_EMBEDDING_DIMENSIONS;
  let vector: number[];
  if (kind === "text") {
    for (const field of fields) if (model.vectorizerOf(field) === undefined) throw noVectorizer(field.name);
    vector = fakeEmbedding(String(raw.text ?? ""), dimensions);
  } else {
    vector = Array.isArray(raw.vector) ? raw.vector.map(Number) : [];
    if (vector.length !== dimensions) throw wrongDimensions(first.name, vector.length, dimensions);
  }
  const threshold = isRecord(raw.threshold)
    ? { kind: String(raw.threshold.kind), value: Number(raw.threshold.value) }
    : undefined;
  return {
    kind,
    fields,
    vector,
    k: typeof raw.k === "number" ? raw.k : DEFAULT_K,
    weight: typeof raw.weight === "number" ? raw.weight : 1,
    ...(typeof raw.filterOverride === "string" ? { filter: raw.filterOverride } : {}),
    ...(threshold ? { threshold } : {}),
  };
}

/** The service's @search.score for the cosine metric: 1 / (1 + cosine distance). */
export function cosineScore(similarity: number): number {
  return 1 / (2 - similarity);
}

/** One vector query's k nearest documents, best first, scored like the service scores cosine. */
function vectorRanking(
  model: IndexModel,
  query: VectorQuery,
  all: readonly Document[],
  filtered: readonly Document[],
  filterMode: unknown,
): Ranked[] {
  const postFilter = filterMode === "postFilter" || filterMode === "strictPostFilter";
  let pool = postFilter ? all : filtered;
  if (query.filter !== undefined) pool = all.filter(compileFilter(query.filter, model));
  let ranked = pool.map((document) => {
    const similarity = Math.max(
      ...query.fields.map((field) => {
        const stored = document[field.name];
        return Array.isArray(stored) ? cosineSimilarity(query.vector, stored.map(Number)) : -1;
      }),
    );
    return { document, similarity, score: cosineScore(similarity) };
  });
  if (query.threshold?.kind === "vectorSimilarity")
    ranked = ranked.filter((r) => r.similarity >= (query.threshold?.value ?? 0));
  if (query.threshold?.kind === "searchScore")
    ranked = ranked.filter((r) => r.score >= (query.threshold?.value ?? 0));
  ranked.sort((a, b) => b.similarity - a.similarity);
  let top = ranked.slice(0, query.k);
  if (postFilter && query.filter === undefined) top = top.filter((r) => filtered.includes(r.document));
  return top.map(({ document, score }) => ({ document, score }));
}

/** Reciprocal Rank Fusion; ranks count from 0, so a first place alone scores 1/60 as in the official example. */
export function reciprocalRankFusion(lists: ReadonlyArray<{ ranked: Ranked[]; weight: number }>): Ranked[] {
  const scores = new Map<Document, number>();
  for (const { ranked, weight } of lists) {
    ranked.forEach(({ document }, rank) => {
      scores.set(document, (scores.get(document) ?? 0) + weight / (RRF_K + rank));
    });
  }
  return [...scores].map(([document, score]) => ({ document, score })).sort((a, b) => b.score - a.score);
}

export interface RankingInput {
  search: string | undefined;
  searchFields: unknown;
  searchMode: unknown;
  vectorQueries: unknown;
  vectorFilterMode: unknown;
}

/** Keyword, vector or hybrid ranking of the (filtered) documents. */
export function rank(model: IndexModel, filtered: readonly Document[], input: RankingInput): Ranked[] {
  const fields = searchFieldsOf(model, input.searchFields);
  const keyword = keywordRanking(filtered, fields, input.search, input.searchMode);
  const rawQueries = Array.isArray(input.vectorQueries) ? input.vectorQueries : [];
  if (rawQueries.length === 0) return keyword;
  const vectorLists = rawQueries.map((raw) => {
    const query = readVectorQuery(model, raw);
    return {
      ranked: vectorRanking(model, query, model.documents, filtered, input.vectorFilterMode),
      weight: query.weight,
    };
  });
  const only = vectorLists[0];
  if (isWildcard(input.search) && vectorLists.length === 1 && only) return only.ranked;
  const lists = isWildcard(input.search) ? vectorLists : [{ ranked: keyword, weight: 1 }, ...vectorLists];
  return reciprocalRankFusion(lists);
}
