// A stand-in for the semantic ranker: @search.rerankerScore (0-4) from how much of the query's meaningful
// words a document's semantic fields cover (plus a little fakeEmbedding similarity to break ties),
// extractive captions (the best-covering sentence of the content fields, highlighted) and extractive answers
// (such sentences whose coverage reaches the answer threshold).
import { cosineSimilarity, fakeEmbedding } from "../fake-embedding.js";
import { type IndexModel, type SemanticConfig, textOf } from "./index-model.js";
import type { Document, Ranked } from "./ranking.js";
import { bestSentence, contentTerms, coverage, highlight } from "./text.js";

/** The semantic ranker reranks (and returns) at most the first 50 results of the base ranking. */
export const SEMANTIC_WINDOW = 50;
const MAX_RERANKER_SCORE = 4;
const COVERAGE_WEIGHT = 0.85;
const SIMILARITY_WEIGHT = 0.15;
const DEFAULT_ANSWER_COUNT = 1;
const DEFAULT_ANSWER_THRESHOLD = 0.7;

export interface Reranked extends Ranked {
  rerankerScore: number;
  /** Share of the query's meaningful words the semantic fields contain (0..1). */
  coverage: number;
}

export interface Caption {
  text: string;
  highlights: string;
}

export interface Answer {
  key: string;
  text: string;
  highlights: string;
  score: number;
}

/** "extractive|count-3,threshold-0.9" -> { type: "extractive", params: {count: "3", threshold: "0.9"} } */
export function parseSemanticOption(
  value: unknown,
): { type: string; params: Map<string, string> } | undefined {
  if (typeof value !== "string" || value.trim() === "") return undefined;
  const [type = "", rest = ""] = value.split("|", 2);
  const params = new Map<string, string>();
  for (const part of rest.split(",")) {
    const dash = part.indexOf("-");
    if (dash > 0) params.set(part.slice(0, dash).trim(), part.slice(dash + 1).trim());
  }
  return { type: type.trim().toLowerCase(), params };
}

export function contentText(document: Document, config: SemanticConfig): string {
  return config.contentFields
    .map((field) => textOf(document[field]))
    .filter(Boolean)
    .join(" ");
}

export function semanticText(document: Document, config: SemanticConfig): string {
  const title = config.titleField ? textOf(document[config.titleField]) : "";
  const keywords = config.keywordsFields.map((field) => textOf(document[field]));
  return [title, contentText(document, config), ...keywords].filter(Boolean).join(" ");
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/** Reranks the first SEMANTIC_WINDOW results by reranker score (ties keep the base order). */
export function rerank(base: readonly Ranked[], config: SemanticConfig, query: string): Reranked[] {
  const terms = contentTerms(query);
  const queryVector = fakeEmbedding(query);
  return base
    .slice(0, SEMANTIC_WINDOW)
    .map((ranked, order) => {
      const text = semanticText(ranked.document, config);
      const covered = coverage(text, terms);
      const similarity = Math.max(0, cosineSimilarity(queryVector, fakeEmbedding(text)));
      const score = MAX_RERANKER_SCORE * (COVERAGE_WEIGHT * covered + SIMILARITY_WEIGHT * similarity);
      return { ...ranked, rerankerScore: round(score), coverage: covered, order };
    })
    .sort((a, b) => b.rerankerScore - a.rerankerScore || a.order - b.order)
    .map(({ order: _order, ...rest }) => rest);
}

function truncate(text: string, max: string | undefined): string {
  const limit = Number(max);
  return Number.isFinite(limit) && limit > 0 && text.length > limit ? text.slice(0, limit) : text;
}

/** Extractive captions for one document (`captions` = "extractive[|highlight-false,maxcharlength-N]"). */
export function captionsFor(
  document: Document,
  config: SemanticConfig,
  query: string,
  option: unknown,
): Caption[] | undefined {
  const parsed = parseSemanticOption(option);
  if (parsed?.type !== "extractive") return undefined;
  const terms = contentTerms(query);
  const content = contentText(document, config);
  const text = truncate(bestSentence(content, terms) || content, parsed.params.get("maxcharlength"));
  const highlighted = parsed.params.get("highlight") !== "false" && coverage(text, terms) > 0;
  return [{ text, highlights: highlighted ? highlight(text, terms) : "" }];
}

/** Extractive answers (`answers` = "extractive[|count-N,threshold-X,maxcharlength-N]") from the reranked results. */
export function answersFor(
  model: IndexModel,
  reranked: readonly Reranked[],
  config: SemanticConfig,
  query: string,
  option: unknown,
): Answer[] | undefined {
  const parsed = parseSemanticOption(option);
  if (parsed?.type !== "extractive") return undefined;
  const count = Number(parsed.params.get("count") ?? DEFAULT_ANSWER_COUNT);
  const threshold = Number(parsed.params.get("threshold") ?? DEFAULT_ANSWER_THRESHOLD);
  const terms = contentTerms(query);
  const answers: Answer[] = [];
  for (const { document } of reranked) {
    const sentence = truncate(
      bestSentence(contentText(document, config), terms),
      parsed.params.get("maxcharlength"),
    );
    const score = round(coverage(sentence, terms));
    if (sentence && score >= threshold) {
      answers.push({
        key: model.keyOf(document),
        text: sentence,
        highlights: highlight(sentence, terms),
        score,
      });
    }
  }
  return answers.sort((a, b) => b.score - a.score).slice(0, count);
}
