// Reads Slack's own per-method docs ($SPECS_DIR/slack/docs.slack.dev/methods/<method>.json) and
// checks what a client sends and what the double answers against them: required arguments, known
// argument names, argument types, and the `output` schema of a success answer. Without the specs
// folder (a fresh clone) nothing is checked: arguments are only brought to their wire view, by the
// few types the double's handlers read (WIRE_TYPES_WITHOUT_DOCS).
//
// Form bodies carry every value as a string ("true", "10", JSON text for blocks); JSON bodies carry
// native values. Both are brought to one "wire view" before validation: a form string is decoded
// when the docs want a boolean, number, array or object, and a JSON body's array or object is read
// as the JSON-encoded string the docs describe ("presented as a URL-encoded string").
import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";
import { specFile, specsAvailable } from "../specs-dir.js";
import { DOCS_NOT_IN_SPECS } from "./docs-not-in-specs.js";

const docFile = (method: string) => specFile("slack", "docs.slack.dev", "methods", `${method}.json`);
/** slack-ruby's copy of the same docs: its `errors` add the common errors every method can answer. */
const flatDocFile = (method: string) => specFile("slack", "methods", `${method}.json`);

/**
 * Errors any method answers (Slack's "common errors") that neither copy of the docs lists for every
 * method: a bad token, arguments that fail validation (the double's own answer to a malformed call).
 */
const COMMON_ERRORS = new Set(["invalid_auth", "not_authed", "invalid_arguments", "ratelimited"]);

/** Arguments whose value is JSON (a string on the wire, or a native value in a JSON body). */
const STRUCTURED_ARGS = new Set([
  "attachments",
  "unfurled_attachments",
  "blocks",
  "metadata",
  "view",
  "chunks",
  "prompts",
  "loading_messages",
  "file_ids",
]);

/**
 * Without the docs: the arguments the handlers read, or the bot sends, as something other than a
 * string (types from the docs of chat.postMessage, conversations.history/replies, users.info),
 * besides STRUCTURED_ARGS.
 */
const WIRE_TYPES_WITHOUT_DOCS: Record<string, JsonSchema> = {
  unfurl_links: { type: "boolean" },
  unfurl_media: { type: "boolean" },
  limit: { type: "integer" },
  inclusive: { type: "boolean" },
  include_locale: { type: "boolean" },
};

/** Arguments every method takes besides its documented ones. */
const COMMON_ARGS: Record<string, JsonSchema> = {
  token: { type: "string" },
  // @slack/web-api adds the WebClient's `teamId` option to every call (org-wide installs).
  team_id: { type: "string" },
};

/**
 * The docs name shared shapes (`"schema": "ts"`) without shipping them. These are the parts the
 * double relies on, written from Slack's ID formats and the method examples.
 */
const NAMED_SCHEMAS: Record<string, JsonSchema> = {
  "": {},
  ts: { type: "string", pattern: "^\\d+\\.\\d+$" },
  channel: { type: "string", pattern: "^[CDG][A-Z0-9]+$" },
  user_id: { type: "string", pattern: "^[UW][A-Z0-9]+$" },
  team_id: { type: "string", pattern: "^[TE][A-Z0-9]+$" },
  app_id: { type: "string", pattern: "^A[A-Z0-9]+$" },
  bot_id: { type: "string", pattern: "^B[A-Z0-9]+$" },
  enterprise_id: { type: "string", pattern: "^E[A-Z0-9]+$" },
  blocks: { type: "array", items: { type: "object", required: ["type"] } },
  message: {
    type: "object",
    required: ["type", "ts"],
    properties: {
      type: { const: "message" },
      ts: { type: "string", pattern: "^\\d+\\.\\d+$" },
      text: { type: "string" },
      user: { type: "string" },
      bot_id: { type: "string" },
      thread_ts: { type: "string" },
      blocks: { type: "array" },
    },
  },
  user: {
    type: "object",
    required: ["id", "name"],
    properties: { id: { type: "string" }, name: { type: "string" }, team_id: { type: "string" } },
  },
  prompts: {
    type: "array",
    minItems: 1,
    items: {
      type: "object",
      required: ["title", "message"],
      properties: { title: { type: "string" }, message: { type: "string" } },
    },
  },
  "publishable-view": {
    type: "object",
    required: ["type", "blocks"],
    properties: { type: { const: "home" }, blocks: { type: "array" } },
  },
  modal: {
    type: "object",
    required: ["type", "title", "blocks"],
    properties: { type: { const: "modal" }, blocks: { type: "array" } },
  },
  "workflow-step": {},
  "app-notification-subscription-configuration": {},
};

/**
 * Where the published docs and Slack's own SDK disagree, the SDK wins (it is what the bot runs).
 * Each entry is narrow and names its source.
 */
const DOC_DEVIATIONS: Array<{
  method: string;
  what: string;
  source: string;
  optional: string[];
  /** Arguments the SDK sends that the docs snapshot does not list yet. */
  added?: Record<string, JsonSchema>;
}> = [
  {
    method: "chat.appendStream",
    what: "markdown_text is listed as required, but chunks may replace it; ChatStreamer sends only chunks",
    source:
      "@slack/web-api 8.2 ChatAppendStreamArguments ('Either markdown_text or chunks is required'), chat-stream.js",
    optional: ["markdown_text"],
  },
  {
    method: "chat.stopStream",
    what: "session_status (the agent session's status after the stop) is newer than the docs snapshot",
    source:
      "@slack/web-api 8.2 ChatStopStreamArguments.session_status; docs.slack.dev/reference/methods/chat.stopStream (default active)",
    optional: [],
    added: { session_status: { type: "string", enum: ["active", "processing", "suspended", "closed"] } },
  },
];

/** The arguments a method takes: its docs', every method's, and those its deviations add. */
function argumentsOf(method: string, doc: MethodDoc): Record<string, JsonSchema> {
  const added = DOC_DEVIATIONS.filter((d) => d.method === method).map((d) => d.added ?? {});
  return Object.assign({ ...COMMON_ARGS, ...(doc.args.properties ?? {}) }, ...added);
}

type JsonSchema = Record<string, unknown>;

interface MethodDoc {
  json_input_supported?: boolean;
  rate_limits?: string;
  args: { required?: string[]; properties?: Record<string, JsonSchema> };
  output?: JsonSchema | null;
  errors?: Record<string, unknown>;
}

export type BodyKind = "form" | "json" | "query";

export interface ArgCheck {
  /** Decoded arguments without the token: JSON arguments parsed, form booleans and numbers typed. */
  args: Record<string, unknown>;
  /** Problems Slack would refuse the call for (missing or mistyped arguments). */
  errors: string[];
  /** Problems Slack would ignore but the bot should not have (unknown argument names). */
  warnings: string[];
  /** Structured arguments whose JSON did not parse. */
  malformed: Set<string>;
}

export class SlackMethodSpecs {
  readonly #ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  readonly #docs = new Map<string, MethodDoc>();
  readonly #errors = new Map<string, Set<string>>();
  readonly #argValidators = new Map<string, ValidateFunction>();
  readonly #outputValidators = new Map<string, ValidateFunction | null>();

  /** False without the specs folder: every call is taken as documented. */
  readonly available = specsAvailable();

  constructor(methods: readonly string[]) {
    for (const method of methods) {
      if (!this.available) {
        this.#docs.set(method, { json_input_supported: true, args: { properties: docsFreeArgs() } });
        continue;
      }
      const doc = (DOCS_NOT_IN_SPECS[method] ??
        JSON.parse(readFileSync(docFile(method), "utf8"))) as MethodDoc;
      this.#docs.set(method, doc);
      const errors = new Set([...COMMON_ERRORS, ...Object.keys(doc.errors ?? {})]);
      for (const error of Object.keys(readFlatDoc(method)?.errors ?? {})) errors.add(error);
      this.#errors.set(method, errors);
    }
  }

  /** True when Slack's docs list `error` as an answer of `method` (or it is a common error). */
  documentsError(method: string, error: string): boolean {
    if (!this.available) return true;
    return this.#errors.get(method)?.has(error) ?? false;
  }

  has(method: string): boolean {
    return this.#docs.has(method);
  }

  /** conversations.replies and users.info do not say `json_input_supported`: Slack ignores JSON bodies there. */
  acceptsJson(method: string): boolean {
    return this.#docs.get(method)?.json_input_supported === true;
  }

  checkArgs(method: string, raw: Record<string, unknown>, kind: BodyKind): ArgCheck {
    const doc = this.#doc(method);
    const properties = argumentsOf(method, doc);
    const result: ArgCheck = { args: {}, errors: [], warnings: [], malformed: new Set() };
    const wire: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(raw)) {
      const property = properties[name] ?? (this.available ? undefined : {});
      if (!property) {
        result.warnings.push(`${method}: unknown argument "${name}"`);
        if (name !== "token") result.args[name] = value;
        continue;
      }
      const typed = toWireView(value, expectedTypes(property), kind);
      wire[name] = typed;
      if (name === "token") continue;
      if (STRUCTURED_ARGS.has(name) && typeof typed === "string") {
        try {
          result.args[name] = JSON.parse(typed) as unknown;
        } catch {
          result.malformed.add(name);
          result.args[name] = typed;
        }
      } else {
        result.args[name] = typed;
      }
    }
    if (!this.available) return result;
    const validate = this.#argValidator(method);
    if (!validate(wire)) result.errors.push(...describe(method, validate));
    return result;
  }

  /** Errors when a success answer does not fit the method's documented `output`. */
  checkOutput(method: string, body: Record<string, unknown>): string[] {
    if (!this.available) return [];
    const validate = this.#outputValidator(method);
    if (!validate) return [];
    const { ok: _ok, response_metadata: _meta, warning: _warning, ...rest } = body;
    return validate(rest) ? [] : describe(`${method} output`, validate);
  }

  #doc(method: string): MethodDoc {
    const doc = this.#docs.get(method);
    if (!doc) throw new Error(`no docs loaded for ${method}`);
    return doc;
  }

  #argValidator(method: string): ValidateFunction {
    let validate = this.#argValidators.get(method);
    if (validate) return validate;
    const doc = this.#doc(method);
    const relaxed = new Set(DOC_DEVIATIONS.filter((d) => d.method === method).flatMap((d) => d.optional));
    const properties: Record<string, unknown> = {};
    for (const [name, schema] of Object.entries(argumentsOf(method, doc))) {
      properties[name] = toJsonSchema(schema);
    }
    validate = this.#ajv.compile({
      type: "object",
      properties,
      // The token may come in the Authorization header; the server checks it separately.
      required: (doc.args.required ?? []).filter((name) => name !== "token" && !relaxed.has(name)),
    });
    this.#argValidators.set(method, validate);
    return validate;
  }

  #outputValidator(method: string): ValidateFunction | null {
    if (this.#outputValidators.has(method)) return this.#outputValidators.get(method) ?? null;
    const output = this.#doc(method).output;
    const validate = output ? this.#ajv.compile(toJsonSchema(output)) : null;
    this.#outputValidators.set(method, validate);
    return validate;
  }
}

/** The argument types the double needs when there are no docs to read them from. */
function docsFreeArgs(): Record<string, JsonSchema> {
  const structured = Object.fromEntries(
    [...STRUCTURED_ARGS].map((name) => [name, { type: ["array", "object"] }]),
  );
  return { ...structured, ...WIRE_TYPES_WITHOUT_DOCS };
}

function readFlatDoc(method: string): { errors?: Record<string, unknown> } | undefined {
  try {
    return JSON.parse(readFileSync(flatDocFile(method), "utf8")) as {
      errors?: Record<string, unknown>;
    };
  } catch {
    return undefined;
  }
}

/** The doc deviations the double applies, for reports. */
export function docDeviations(): ReadonlyArray<{ method: string; what: string; source: string }> {
  return DOC_DEVIATIONS;
}

/** Copies the JSON-schema parts of a docs node, resolving `"schema": name` to NAMED_SCHEMAS. */
function toJsonSchema(node: unknown): JsonSchema {
  if (!isRecord(node)) return {};
  if (typeof node.schema === "string") return NAMED_SCHEMAS[node.schema] ?? {};
  const out: JsonSchema = {};
  for (const key of ["type", "enum", "const", "required", "minLength", "maxLength", "minItems", "maxItems"]) {
    if (key in node) out[key] = node[key];
  }
  if (isRecord(node.properties)) {
    out.properties = Object.fromEntries(
      Object.entries(node.properties).map(([name, child]) => [name, toJsonSchema(child)]),
    );
  }
  if ("items" in node) out.items = toJsonSchema(node.items);
  if (Array.isArray(node.anyOf)) out.anyOf = node.anyOf.map(toJsonSchema);
  return out;
}

function expectedTypes(node: unknown): Set<string> {
  const types = new Set<string>();
  if (!isRecord(node)) return types;
  if (typeof node.schema === "string") return expectedTypes(NAMED_SCHEMAS[node.schema]);
  if (typeof node.type === "string") types.add(node.type);
  if (Array.isArray(node.type)) for (const t of node.type) if (typeof t === "string") types.add(t);
  if (Array.isArray(node.anyOf))
    for (const branch of node.anyOf) for (const t of expectedTypes(branch)) types.add(t);
  return types;
}

function toWireView(value: unknown, expected: Set<string>, kind: BodyKind): unknown {
  if (typeof value === "string") {
    if (kind === "json" || expected.size === 0 || expected.has("string")) return value;
    if (expected.has("boolean") && /^(true|false|1|0)$/.test(value)) return value === "true" || value === "1";
    if (
      (expected.has("number") || expected.has("integer")) &&
      value.trim() !== "" &&
      Number.isFinite(Number(value))
    ) {
      return Number(value);
    }
    if (expected.has("array") || expected.has("object")) {
      try {
        return JSON.parse(value) as unknown;
      } catch {
        return value;
      }
    }
    return value;
  }
  const structured = typeof value === "object" && value !== null;
  if (structured && expected.has("string") && !expected.has("array") && !expected.has("object")) {
    return JSON.stringify(value);
  }
  return value;
}

function describe(what: string, validate: ValidateFunction): string[] {
  return (validate.errors ?? []).map(
    (e) => `${what}${e.instancePath || "/"} ${e.message ?? "is invalid"} ${JSON.stringify(e.params)}`,
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
