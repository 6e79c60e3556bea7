// POST /knowledgebases('name')/retrieve (GA 2026-04-01, minimal reasoning effort, extractive data output):
// each semantic intent runs as a semantic + vector hybrid query over the knowledge source's index; the top
// results become the extracted response text `[{"ref_id":0,"title":...,"terms":...,"content":...}]`
// (the documented format: ref_id plus the semantic configuration's title, keywords and content fields),
// `references` and, when asked, `activity`.
import { badIntent, invalidJson, unknownKnowledgeSource, unknownProperty } from "./errors.js";
import type { IndexModel, SemanticConfig } from "./index-model.js";
import { textOf } from "./index-model.js";
import type { Document } from "./ranking.js";
import {
  isRecord,
  PREVIEW_ONLY_RETRIEVE_PROPERTIES,
  unknownRetrievalRequestProperties,
} from "./request-shapes.js";
import { type HandlerContext, runSearch } from "./search.js";
import type { Reranked } from "./semantic.js";
import type { DoubleReply, SearchDoubleKnowledgeBase } from "./types.js";

/** How many results one intent contributes. */
export const RESULTS_PER_INTENT = 5;
/** Rough token estimate of the extracted text (4 characters a token), for maxOutputSizeInTokens. */
const CHARS_PER_TOKEN = 4;
const VECTOR_K = 50;

interface Hit {
  document: Document;
  rerankerScore: number;
  intent: number;
}

function checkRequest(body: unknown, context: HandlerContext): Record<string, unknown> {
  if (!isRecord(body)) throw invalidJson("The request body must be a JSON object.");
  for (const preview of PREVIEW_ONLY_RETRIEVE_PROPERTIES) {
    if (preview in body) {
      context.violation(
        `retrieve: '${preview}' is a preview-only request property; GA 2026-04-01 takes 'intents'`,
      );
    }
  }
  const unknown = unknownRetrievalRequestProperties(body);
  for (const path of unknown) {
    if (!(PREVIEW_ONLY_RETRIEVE_PROPERTIES as readonly string[]).includes(path)) {
      context.violation(`retrieve: unknown KnowledgeBaseRetrievalRequest property '${path}'`);
    }
  }
  const first = unknown[0];
  if (first) {
    const type = first.startsWith("intents[") ? "AgentRetrievalIntent" : "AgentRetrievalRequest";
    throw unknownProperty(first.split(".").pop() ?? first, type);
  }
  return body;
}

function intentsOf(body: Record<string, unknown>): string[] {
  if (!Array.isArray(body.intents) || body.intents.length === 0)
    throw badIntent("'intents' must contain at least one intent.");
  return body.intents.map((intent) => {
    if (!isRecord(intent) || intent.type !== "semantic")
      throw badIntent(`Unknown intent type '${isRecord(intent) ? String(intent.type) : ""}'.`);
    if (typeof intent.search !== "string" || intent.search.trim() === "")
      throw badIntent("A semantic intent needs 'search'.");
    return intent.search;
  });
}

function sourceParams(body: Record<string, unknown>, kb: SearchDoubleKnowledgeBase): Record<string, unknown> {
  let mine: Record<string, unknown> = {};
  for (const params of Array.isArray(body.knowledgeSourceParams) ? body.knowledgeSourceParams : []) {
    if (!isRecord(params)) continue;
    if (params.knowledgeSourceName !== kb.knowledgeSourceName || params.kind !== "searchIndex") {
      throw unknownKnowledgeSource(String(params.knowledgeSourceName), kb.name);
    }
    mine = params;
  }
  return mine;
}

function semanticConfigOf(model: IndexModel, context: HandlerContext): SemanticConfig | undefined {
  try {
    return model.semanticConfiguration(undefined);
  } catch {
    context.violation(
      `retrieve: index '${model.name}' has no default semantic configuration; the service requires one for a knowledge source`,
    );
    return undefined;
  }
}

function search(
  model: IndexModel,
  config: SemanticConfig | undefined,
  query: string,
  filter: unknown,
): Reranked[] {
  const vectorFields = model.vectorFieldsWithVectorizer().map((field) => field.name);
  const body: Record<string, unknown> = { search: query };
  if (config) Object.assign(body, { queryType: "semantic", semanticConfiguration: config.name });
  if (typeof filter === "string") body.filter = filter;
  if (vectorFields.length > 0)
    body.vectorQueries = [{ kind: "text", text: query, fields: vectorFields.join(","), k: VECTOR_K }];
  const { ranked } = runSearch(model, body);
  // Without a semantic configuration every result counts as fully covering (reranker score 0).
  return ranked.map((r) =>
    "rerankerScore" in r ? (r as Reranked) : { ...r, rerankerScore: 0, coverage: 1 },
  );
}

function extract(model: IndexModel, config: SemanticConfig | undefined, document: Document, refId: number) {
  const entry: Record<string, unknown> = { ref_id: refId };
  if (!config) return { ...entry, content: model.searchableText(document) };
  if (config.titleField) entry.title = textOf(document[config.titleField]);
  const terms = config.keywordsFields.map((field) => textOf(document[field])).filter(Boolean);
  if (terms.length > 0) entry.terms = terms.join(", ");
  entry.content = config.contentFields
    .map((field) => textOf(document[field]))
    .filter(Boolean)
    .join("\n");
  return entry;
}

function sourceDataFields(model: IndexModel, config: SemanticConfig | undefined): string[] {
  const names = config
    ? [model.keyField, config.titleField, ...config.contentFields, ...config.keywordsFields]
    : [model.keyField, ...model.searchableTextFields().map((field) => field.name)];
  return [...new Set(names.filter((name): name is string => typeof name === "string"))];
}

export function handleRetrieve(
  kb: SearchDoubleKnowledgeBase,
  model: IndexModel,
  rawBody: unknown,
  context: HandlerContext,
): DoubleReply {
  const started = Date.now();
  const body = checkRequest(rawBody, context);
  const intents = intentsOf(body);
  const params = sourceParams(body, kb);
  const config = semanticConfigOf(model, context);
  const threshold = typeof params.rerankerThreshold === "number" ? params.rerankerThreshold : undefined;
  const seen = new Set<string>();
  const hits: Hit[] = [];
  const counts = intents.map((query, intent) => {
    const results = search(model, config, query, params.filterAddOn)
      .filter((r) => r.coverage > 0 && (threshold === undefined || r.rerankerScore >= threshold))
      .slice(0, RESULTS_PER_INTENT);
    for (const r of results) {
      const key = model.keyOf(r.document);
      if (!seen.has(key)) hits.push({ document: r.document, rerankerScore: r.rerankerScore, intent });
      seen.add(key);
    }
    return results.length;
  });
  let entries = hits.map((hit, refId) => extract(model, config, hit.document, refId));
  const limit =
    typeof body.maxOutputSizeInTokens === "number" ? body.maxOutputSizeInTokens : Number.POSITIVE_INFINITY;
  while (entries.length > 0 && JSON.stringify(entries).length / CHARS_PER_TOKEN > limit)
    entries = entries.slice(0, -1);
  const kept = hits.slice(0, entries.length);
  const fields = sourceDataFields(model, config);
  const answer: Record<string, unknown> = {};
  if (context.metadata !== "none")
    answer["@odata.context"] =
      `${context.url}/$metadata#Microsoft.Azure.Search.V2026_04_01.KnowledgeBaseRetrievalResponse`;
  answer.response = [{ content: [{ type: "text", text: JSON.stringify(entries) }] }];
  if (body.includeActivity === true) {
    const queryTime = new Date().toISOString();
    answer.activity = [
      ...intents.map((query, id) => ({
        type: "searchIndex",
        id,
        knowledgeSourceName: kb.knowledgeSourceName,
        queryTime,
        count: counts[id] ?? 0,
        elapsedMs: Date.now() - started,
        searchIndexArguments: {
          search: query,
          ...(typeof params.filterAddOn === "string" ? { filter: params.filterAddOn } : {}),
          sourceDataFields: fields.map((name) => ({ name })),
          searchFields: [{ name: "*" }],
          ...(config ? { semanticConfigurationName: config.name } : {}),
        },
      })),
      { type: "agenticReasoning", id: intents.length, reasoningTokens: 0 },
    ];
  }
  answer.references =
    params.includeReferences === false
      ? []
      : kept.map((hit, refId) => ({
          type: "searchIndex",
          id: String(refId),
          activitySource: hit.intent,
          ...(params.includeReferenceSourceData === true
            ? {
                sourceData: Object.fromEntries(
                  fields.map((name) => [name, structuredClone(hit.document[name] ?? null)]),
                ),
              }
            : {}),
          rerankerScore: hit.rerankerScore,
          docKey: model.keyOf(hit.document),
        }));
  return { status: 200, body: answer };
}
