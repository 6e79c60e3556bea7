// Checks one data source configuration against the 2024-10-21 schema and turns zod's findings into
// sentences that name the field, what is wrong and the allowed values. Never echoes a secret.
//
// api-version policy:
//   - "2024-10-21" (the version the schemas mirror): strict. An unknown field or an unknown type,
//     authentication type or vectorization source is an error, as the service would refuse it.
//   - any other api-version (older or newer dated, -preview, v1): the 2024-10-21 shape is the baseline.
//     Known fields are still checked (types, enums, ranges, required fields), but fields and
//     discriminator values the 2024-10-21 spec does not define are accepted with a warning and sent
//     as written, because that version may define them (e.g. max_search_queries, allow_partial_result,
//     include_contexts, access_token authentication, elasticsearch/pinecone/mongo_db sources).
import type { z } from "zod";
import type { DataSourceRequest } from "../llm/types.js";
import {
  DataSourceConfiguration,
  SCHEMA_API_VERSION,
  SECRET_FIELDS,
  SEMANTIC_QUERY_TYPES,
  VECTOR_QUERY_TYPES,
} from "./schema-2024-10-21.js";

export type ValidationMode = "strict" | "lenient";

export function validationModeFor(apiVersion: string): ValidationMode {
  return apiVersion.trim() === SCHEMA_API_VERSION ? "strict" : "lenient";
}

export interface ValidationResult {
  /** Set when there were no problems: the configuration as it will be sent. */
  request?: DataSourceRequest;
  /** Errors: each names the field (`parameters.query_type`) and says what is allowed. */
  problems: string[];
  /** Accepted, but worth a log line. */
  warnings: string[];
}

/** Validates `raw` ({ type, parameters }) for `apiVersion`. Messages are relative to the source. */
export function validateDataSourceConfiguration(raw: unknown, apiVersion: string): ValidationResult {
  const mode = validationModeFor(apiVersion);
  const problems: string[] = [];
  const warnings: string[] = [];
  const result = DataSourceConfiguration.safeParse(raw);
  for (const issue of result.success ? [] : result.error.issues) {
    const lenientWarning = mode === "lenient" ? toleratedByNewerVersion(issue, raw, apiVersion) : undefined;
    if (lenientWarning) warnings.push(lenientWarning);
    else problems.push(describeIssue(issue, raw));
  }
  // A type 2024-10-21 does not know (lenient mode) skips the schema: still insist on the shape.
  const parameters =
    typeof raw === "object" && raw !== null ? (raw as { parameters?: unknown }).parameters : undefined;
  if (
    problems.length === 0 &&
    (typeof parameters !== "object" || parameters === null || Array.isArray(parameters))
  ) {
    problems.push("parameters: is required (an object)");
  }
  if (problems.length > 0) return { problems, warnings };
  const source = raw as DataSourceRequest;
  warnings.push(...adviceFor(source));
  return { request: { type: source.type, parameters: source.parameters }, problems, warnings };
}

/** Every secret value in a configuration (keys, connection strings), to register for redaction. */
export function secretValues(value: unknown): string[] {
  const out: string[] = [];
  const walk = (node: unknown, depth: number): void => {
    if (depth > 8 || typeof node !== "object" || node === null) return;
    for (const [key, child] of Object.entries(node)) {
      if (SECRET_FIELDS.has(key) && typeof child === "string") out.push(child);
      else walk(child, depth + 1);
    }
  };
  walk(value, 0);
  return out;
}

// ---------------------------------------------------------------------------------------------

type Issue = z.core.$ZodIssue;

function toleratedByNewerVersion(issue: Issue, raw: unknown, apiVersion: string): string | undefined {
  const where = pathText(issue.path);
  if (issue.code === "unrecognized_keys") {
    const fields = issue.keys.map((k) => `"${k}"`).join(", ");
    return `${where ? `${where}: ` : ""}${fields} ${issue.keys.length === 1 ? "is" : "are"} not in the ${SCHEMA_API_VERSION} schema; sent unchecked for api-version ${apiVersion}`;
  }
  const options = discriminatorOptions(issue);
  if (options) {
    const value = valueAt(raw, issue.path);
    if (typeof value !== "string") return undefined; // missing or not a string: still an error
    return `${where}: "${value}" is not a ${SCHEMA_API_VERSION} value (${listOf(options)}); sent unchecked for api-version ${apiVersion}`;
  }
  return undefined;
}

function describeIssue(issue: Issue, raw: unknown): string {
  const where = pathText(issue.path);
  const field = issue.path.at(-1);
  const secret = typeof field === "string" && SECRET_FIELDS.has(field);
  const received = valueAt(raw, issue.path);
  // Only primitives are echoed: an object could hold a key or a connection string.
  const echo = received === null || ["string", "number", "boolean"].includes(typeof received);
  const got = secret || !echo ? "" : ` (got ${shortJson(received)})`;
  const at = (text: string) => (where ? `${where}: ${text}` : text);

  switch (issue.code) {
    case "invalid_union": {
      const options = discriminatorOptions(issue);
      if (options) {
        const allowed = listOf(options);
        return received === undefined
          ? at(`is required; one of: ${allowed}`)
          : at(`must be one of: ${allowed}${got}`);
      }
      return at(`is not valid${got}`);
    }
    case "invalid_value":
      return at(`must be one of: ${listOf(issue.values)}${got}`);
    case "invalid_type":
      return received === undefined
        ? at(`is required (${article(issue.expected)})`)
        : at(`must be ${article(issue.expected)}${got}`);
    case "unrecognized_keys": {
      const allowed = allowedKeysAt(raw, issue.path);
      const fields = issue.keys.map((k) => `"${k}"`).join(", ");
      return at(
        `unknown field${issue.keys.length === 1 ? "" : "s"} ${fields}${allowed ? `; allowed: ${allowed}` : ""}`,
      );
    }
    case "too_small":
    case "too_big": {
      const bound = String(issue.code === "too_small" ? issue.minimum : issue.maximum);
      const range = rangeText(issue) ?? `must be ${issue.code === "too_small" ? ">=" : "<="} ${bound}`;
      return at(`${range}${got}`);
    }
    case "invalid_format":
      return at(
        issue.format === "url" ? `must be an absolute URL such as https://...${got}` : `is malformed${got}`,
      );
    default:
      return at(`${issue.message}${got}`);
  }
}

/** The spec's two ranges: strictness 1–5, and int32 integers. */
function rangeText(issue: Issue): string | undefined {
  if (issue.path.at(-1) === "strictness") return "must be a whole number from 1 to 5";
  if (issue.code === "too_big" || issue.code === "too_small") {
    const bound = Number(issue.code === "too_big" ? issue.maximum : issue.minimum);
    if (Math.abs(bound) >= 2 ** 31 - 1) return "must be a whole number within the int32 range";
  }
  return undefined;
}

function adviceFor(source: DataSourceRequest): string[] {
  const params = source.parameters;
  const out: string[] = [];
  const queryType = typeof params.query_type === "string" ? params.query_type : undefined;
  if (queryType && VECTOR_QUERY_TYPES.has(queryType) && params.embedding_dependency === undefined) {
    out.push(
      `parameters.query_type "${queryType}" searches by vector but no embedding_dependency is set; the service needs one to embed the question`,
    );
  }
  if (queryType && SEMANTIC_QUERY_TYPES.has(queryType) && params.semantic_configuration === undefined) {
    out.push(
      `parameters.query_type "${queryType}" without semantic_configuration uses the index's default semantic configuration`,
    );
  }
  if (params.role_information !== undefined) {
    out.push(
      "parameters.role_information is in the 2024-10-21 schema, but the service has been seen refusing it (400 Extra inputs are not permitted); the bot's system prompt is sent as a system message anyway",
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

/** zod 4 reports an unknown discriminator as invalid_union with `discriminator` and `options` (untyped). */
function discriminatorOptions(issue: Issue): unknown[] | undefined {
  if (issue.code !== "invalid_union") return undefined;
  const { discriminator, options } = issue as { discriminator?: unknown; options?: unknown };
  return typeof discriminator === "string" && Array.isArray(options) ? options : undefined;
}

function pathText(path: PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let node = root;
  for (const part of path) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[part];
  }
  return node;
}

/** Field names the schema allows for the object at `path` (found by walking the schema with `raw`). */
function allowedKeysAt(raw: unknown, path: PropertyKey[]): string | undefined {
  let schema: z.core.$ZodType | undefined = DataSourceConfiguration;
  let node = raw;
  const resolve = (s: z.core.$ZodType | undefined, value: unknown): z.core.$ZodType | undefined => {
    let current = s;
    for (let guard = 0; current && guard < 5; guard++) {
      const def = current._zod.def as { type: string; innerType?: z.core.$ZodType; options?: unknown };
      if (def.type === "optional" && def.innerType) current = def.innerType;
      else if (def.type === "union" && Array.isArray(def.options)) {
        const type =
          typeof value === "object" && value !== null ? (value as { type?: unknown }).type : undefined;
        current = (def.options as z.core.$ZodType[]).find((option) => {
          const shape = (option._zod.def as { shape?: Record<string, z.core.$ZodType> }).shape;
          const literal = shape?.type?._zod.def as { values?: unknown[] } | undefined;
          return literal?.values?.includes(type);
        });
      } else return current;
    }
    return current;
  };
  for (const part of path) {
    schema = resolve(schema, node);
    const def = schema?._zod.def as { type: string; shape?: Record<string, z.core.$ZodType> } | undefined;
    if (def?.type !== "object" || !def.shape || typeof part !== "string") return undefined;
    schema = def.shape[part];
    node = typeof node === "object" && node !== null ? (node as Record<string, unknown>)[part] : undefined;
  }
  const def = resolve(schema, node)?._zod.def as { type: string; shape?: object } | undefined;
  return def?.type === "object" && def.shape ? Object.keys(def.shape).join(", ") : undefined;
}

function listOf(values: readonly unknown[]): string {
  return values.map((v) => String(v)).join(", ");
}

function article(expected: string): string {
  if (expected === "int") return "a whole number";
  if (expected === "object" || expected === "array" || expected === "integer") return `an ${expected}`;
  return `a ${expected}`;
}

function shortJson(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
