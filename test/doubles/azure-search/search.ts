// POST /indexes('name')/docs/search.post.search: validates the SearchRequest, ranks (keyword, vector,
// hybrid), applies semantic reranking, pages and projects the documents into a SearchDocumentsResult.
import { invalidJson, noSuchProperty, UnsupportedFeature, unknownProperty } from "./errors.js";
import { compileFilter } from "./filter.js";
import type { IndexModel, SemanticConfig } from "./index-model.js";
import { type Document, isWildcard, type Ranked, rank } from "./ranking.js";
import { isRecord, unknownSearchRequestProperties } from "./request-shapes.js";
import { type Answer, answersFor, captionsFor, type Reranked, rerank } from "./semantic.js";
import { highlight, sentences, words } from "./text.js";
import type { DoubleReply } from "./types.js";

export interface HandlerContext {
  violation(message: string): void;
  /** From the Accept header: "none" leaves out @odata.context / @odata.etag. */
  metadata: "none" | "minimal";
  /** The double's origin, for @odata.context. */
  url: string;
  service: string;
}

const DEFAULT_TOP = 50;
const QUERY_TYPES = ["simple", "full", "semantic"];

/** Rejects unknown properties the way the service does, and records them. */
export function checkSearchRequest(body: unknown, context: HandlerContext): Record<string, unknown> {
  if (!isRecord(body)) throw invalidJson("The request body must be a JSON object.");
  const unknown = unknownSearchRequestProperties(body);
  for (const path of unknown) context.violation(`search: unknown SearchRequest property '${path}'`);
  const first = unknown[0];
  if (first) {
    const type = first.startsWith("vectorQueries[") ? "VectorQuery" : "SearchRequest";
    throw unknownProperty(first.split(".").pop() ?? first, type);
  }
  return body;
}

function projection(model: IndexModel, select: unknown): string[] {
  const retrievable = model.fields.filter((field) => field.retrievable).map((field) => field.name);
  if (typeof select !== "string" || select.trim() === "" || select.trim() === "*") return retrievable;
  return select.split(",").map((raw) => {
    const name = raw.trim();
    if (!retrievable.includes(name)) throw noSuchProperty(name, "$select");
    return name;
  });
}

function sortBy(model: IndexModel, ranked: Ranked[], orderby: unknown): Ranked[] {
  if (typeof orderby !== "string" || orderby.trim() === "") return ranked;
  const keys = orderby.split(",").map((part) => {
    const [name = "", direction = "asc"] = part.trim().split(/\s+/);
    const sign = direction.toLowerCase() === "desc" ? -1 : 1;
    if (name === "search.score()") return { get: (r: Ranked) => r.score as unknown, sign };
    if (name.includes("(")) throw new UnsupportedFeature(`$orderby '${name}'`);
    if (!model.field(name)) throw noSuchProperty(name, "$orderby");
    return { get: (r: Ranked) => r.document[name], sign };
  });
  const compare = (a: unknown, b: unknown) =>
    a === b ? 0 : a === undefined || a === null ? -1 : b === undefined || b === null ? 1 : a < b ? -1 : 1;
  return [...ranked].sort((a, b) => {
    for (const key of keys) {
      const order = compare(key.get(a), key.get(b)) * key.sign;
      if (order !== 0) return order;
    }
    return 0;
  });
}

function highlightsFor(
  document: Document,
  body: Record<string, unknown>,
): Record<string, string[]> | undefined {
  if (typeof body.highlight !== "string" || isWildcard(body.search as string | undefined)) return undefined;
  const terms = [...new Set(words(String(body.search)))];
  const pre = typeof body.highlightPreTag === "string" ? body.highlightPreTag : "<em>";
  const post = typeof body.highlightPostTag === "string" ? body.highlightPostTag : "</em>";
  const found: Record<string, string[]> = {};
  for (const field of body.highlight.split(",").map((name) => name.trim())) {
    const value = document[field];
    const fragments = sentences(typeof value === "string" ? value : "")
      .filter((sentence) => words(sentence).some((word) => terms.includes(word)))
      .map((sentence) => highlight(sentence, terms, pre, post));
    if (fragments.length > 0) found[field] = fragments;
  }
  return Object.keys(found).length > 0 ? found : undefined;
}

interface SemanticParts {
  config: SemanticConfig;
  query: string;
  reranked: Reranked[];
  answers: Answer[] | undefined;
}

/** Runs a search; also used by the knowledge base retrieve action. */
export function runSearch(
  model: IndexModel,
  body: Record<string, unknown>,
): { ranked: Ranked[]; total: number; semantic?: SemanticParts } {
  const queryType = body.queryType ?? "simple";
  if (!QUERY_TYPES.includes(String(queryType)))
    throw invalidJson(`'${String(queryType)}' is not a valid value for 'queryType'.`);
  if (body.facets !== undefined) throw new UnsupportedFeature("facets");
  if (body.scoringProfile !== undefined) throw new UnsupportedFeature("scoring profiles");
  const search = typeof body.search === "string" ? body.search : undefined;
  // Resolve the semantic configuration first: the service rejects a bad one before running the query.
  const config =
    queryType === "semantic"
      ? model.semanticConfiguration(body.semanticConfiguration as string | undefined)
      : undefined;
  const filter = typeof body.filter === "string" ? compileFilter(body.filter, model) : () => true;
  const filtered = model.documents.filter(filter);
  const input = {
    search,
    searchFields: body.searchFields,
    searchMode: body.searchMode,
    vectorQueries: body.vectorQueries,
    vectorFilterMode: body.vectorFilterMode,
  };
  const ranked = sortBy(model, rank(model, filtered, input), body.orderby);
  const total = ranked.length;
  if (!config) return { ranked, total };
  const query = typeof body.semanticQuery === "string" ? body.semanticQuery : (search ?? "");
  const reranked = rerank(ranked, config, query);
  const answers = answersFor(model, reranked, config, query, body.answers);
  return { ranked: reranked, total, semantic: { config, query, reranked, answers } };
}

export function handleSearch(model: IndexModel, rawBody: unknown, context: HandlerContext): DoubleReply {
  const body = checkSearchRequest(rawBody, context);
  const fields = projection(model, body.select);
  const { ranked, total, semantic } = runSearch(model, body);
  const skip = typeof body.skip === "number" ? body.skip : 0;
  const top = typeof body.top === "number" ? body.top : DEFAULT_TOP;
  const value = ranked.slice(skip, skip + top).map((result) => {
    const item: Record<string, unknown> = { "@search.score": result.score };
    const highlights = highlightsFor(result.document, body);
    if (highlights) item["@search.highlights"] = highlights;
    if (semantic && "rerankerScore" in result) {
      const { rerankerScore } = result as Reranked;
      item["@search.rerankerScore"] = rerankerScore;
      item["@search.rerankerBoostedScore"] = rerankerScore;
      const captions = captionsFor(result.document, semantic.config, semantic.query, body.captions);
      if (captions) item["@search.captions"] = captions;
    }
    for (const name of fields) item[name] = structuredClone(result.document[name] ?? null);
    return item;
  });
  const answer: Record<string, unknown> = {};
  if (context.metadata !== "none")
    answer["@odata.context"] = `${context.url}/indexes('${model.name}')/$metadata#docs(*)`;
  if (body.count === true) answer["@odata.count"] = total;
  if (typeof body.minimumCoverage === "number") answer["@search.coverage"] = 100;
  if (semantic?.answers) answer["@search.answers"] = semantic.answers;
  answer.value = value;
  return { status: 200, body: answer };
}
