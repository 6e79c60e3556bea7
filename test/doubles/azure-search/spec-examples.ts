// The official 2026-04-01 examples (Azure/azure-rest-api-specs, copied unchanged into ../shared/specs) and a
// check that a response only uses keys those examples use. Where the examples are silent the double follows
// the SDK's deserializers; those keys are listed in EXTRA_KEYS with the reason.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { specFile } from "../specs-dir.js";
import { isRecord } from "./request-shapes.js";
import type { SearchOperation } from "./types.js";

export const EXAMPLE_FILES: Record<SearchOperation, string> = {
  getIndex: "SearchServiceGetIndex.json",
  search: "SearchIndexSearchDocumentsPost.json",
  retrieve: "KnowledgeBaseRetrieveWithIntents.json",
};

export function examplesDir(): string {
  return specFile("azure-search", "2026-04-01", "examples");
}

export function examplesAvailable(): boolean {
  return Object.values(EXAMPLE_FILES).every((file) => existsSync(join(examplesDir(), file)));
}

/** An example file, parsed. */
export function readExample(operation: SearchOperation): Record<string, unknown> {
  return JSON.parse(readFileSync(join(examplesDir(), EXAMPLE_FILES[operation]), "utf8")) as Record<
    string,
    unknown
  >;
}

/** The response bodies (all statuses) of the operation's example. */
export function exampleResponses(operation: SearchOperation): unknown[] {
  const responses = readExample(operation).responses;
  return isRecord(responses)
    ? Object.values(responses).flatMap((r) => (isRecord(r) && "body" in r ? [r.body] : []))
    : [];
}

// Keys the examples do not show but the service sends, with why the double may send them.
const EXTRA_KEYS: Record<SearchOperation, string[]> = {
  // The examples carry no @odata.context; the service adds it unless Accept says odata.metadata=none
  // (SearchIndexClient sends minimal).
  getIndex: ["@odata.context"],
  // The example's @search.answers is empty; QueryAnswerResult has key/text/highlights/score (read by the
  // SDK's queryAnswerResultDeserializer).
  search: [
    "@odata.context",
    "@search.answers[].key",
    "@search.answers[].text",
    "@search.answers[].highlights",
    "@search.answers[].score",
  ],
  retrieve: ["@odata.context"],
};

type Mode = "normal" | "opaque" | "metadataOnly";

/** Where a response holds the caller's data (document fields, field-name maps) rather than fixed keys. */
function modeOf(operation: SearchOperation, path: string): Mode {
  if (operation === "search") {
    if (path === "value[]") return "metadataOnly";
    if (/(^|\.)@search\.(highlights|facets|nextPageParameters)$/.test(path)) return "opaque";
  }
  if (operation === "retrieve" && path === "references[].sourceData") return "opaque";
  if (operation === "getIndex" && /(\.weights|\.httpHeaders)$/.test(path)) return "opaque";
  return "normal";
}

function collect(operation: SearchOperation, value: unknown, path: string, out: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) collect(operation, item, `${path}[]`, out);
    return;
  }
  if (!isRecord(value)) return;
  const mode = modeOf(operation, path);
  if (mode === "opaque") return;
  for (const [key, child] of Object.entries(value)) {
    if (mode === "metadataOnly" && !key.startsWith("@")) continue;
    const childPath = path ? `${path}.${key}` : key;
    out.add(childPath);
    collect(operation, child, childPath, out);
  }
}

const allowedCache = new Map<SearchOperation, Set<string>>();

/** Key paths (e.g. `value[].@search.score`) of a response that the official example does not have. */
export function unexpectedResponseKeys(operation: SearchOperation, response: unknown): string[] {
  let allowed = allowedCache.get(operation);
  if (!allowed) {
    allowed = new Set(EXTRA_KEYS[operation]);
    for (const body of exampleResponses(operation)) collect(operation, body, "", allowed);
    allowedCache.set(operation, allowed);
  }
  const actual = new Set<string>();
  collect(operation, response, "", actual);
  return [...actual].filter((path) => !allowed.has(path));
}
