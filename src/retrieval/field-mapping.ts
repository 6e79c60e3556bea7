// Which fields of an index hold a passage's content, title, url, file path and chunk id: read from
// the index definition (its semantic configuration first, then common field names), overridable per
// source like On Your Data's fields_mapping. Where the definition cannot be read (a query key or
// the Search Index Data Reader role may not read it), the same rules run on a returned document.
// Pure.
import type { FieldsOverride } from "../datasources/index.js";

/** The parts of an index definition (SearchIndex) the mapping reads. */
export interface IndexShape {
  fields: ReadonlyArray<{
    name: string;
    type: string;
    key?: boolean;
    searchable?: boolean;
    hidden?: boolean;
    vectorSearchProfileName?: string;
  }>;
  semanticSearch?: {
    defaultConfigurationName?: string;
    configurations?: ReadonlyArray<{
      name: string;
      prioritizedFields: { titleField?: { name: string }; contentFields?: ReadonlyArray<{ name: string }> };
    }>;
  };
  vectorSearch?: { profiles?: ReadonlyArray<{ name: string; vectorizerName?: string }> };
}

export interface FieldMapping {
  /** The document key: a passage's id. */
  key?: string;
  /** Joined with a line break into the passage. */
  contentFields: string[];
  titleField?: string;
  urlField?: string;
  filepathField?: string;
  chunkIdField?: string;
  /** Every vector field a query may search. */
  vectorFields: string[];
  /** The vector fields whose profile has a vectorizer: the service can embed a text query for them. */
  vectorizedFields: string[];
  /** The index's default (or only) semantic configuration. */
  semanticConfiguration?: string;
}

// Names tried in order, compared without case, "_" or "-" (chunk_id, chunkId and chunk-id are one).
const CONTENT_NAMES = ["content", "chunk", "text", "body", "pagecontent", "mergedcontent", "description"];
const TITLE_NAMES = ["title", "name", "heading", "subject", "documenttitle", "metadatatitle"];
const URL_NAMES = ["url", "link", "uri", "sourceurl", "weburl", "href", "metadatastoragepath"];
const FILEPATH_NAMES = [
  "filepath",
  "path",
  "filename",
  "sourcefile",
  "sourcepage",
  "metadatastoragename",
  "source",
];
const CHUNK_ID_NAMES = ["chunkid", "chunkindex", "chunknumber"];

const STRING_TYPES = new Set(["Edm.String", "Collection(Edm.String)"]);
const VECTOR_TYPE = /^Collection\(Edm\.(Single|Half|Int16|SByte|Byte)\)$/;

const normalise = (name: string) => name.toLowerCase().replace(/[_-]/g, "");

function byName(candidates: readonly string[], names: readonly string[]): string | undefined {
  for (const wanted of names) {
    const found = candidates.find((c) => normalise(c) === wanted);
    if (found) return found;
  }
  return undefined;
}

/** The mapping from an index definition, with `override` winning field by field. */
export function mapIndexFields(index: IndexShape, override: FieldsOverride = {}): FieldMapping {
  const visible = index.fields.filter((f) => !f.hidden);
  const strings = visible.filter((f) => STRING_TYPES.has(f.type)).map((f) => f.name);
  const searchable = visible.filter((f) => STRING_TYPES.has(f.type) && f.searchable).map((f) => f.name);
  const vectors = index.fields.filter((f) => VECTOR_TYPE.test(f.type) && f.vectorSearchProfileName);
  const profiles = new Map((index.vectorSearch?.profiles ?? []).map((p) => [p.name, p]));
  const semantic = semanticConfigurationOf(index);

  const key = index.fields.find((f) => f.key)?.name;
  const mapping = pick({
    strings,
    preferredContent: semantic?.prioritizedFields.contentFields?.map((f) => f.name) ?? [],
    preferredTitle: semantic?.prioritizedFields.titleField?.name,
    searchable,
    key,
    override,
  });
  const vectorFields = override.vectorFields ?? vectors.map((f) => f.name);
  const vectorized = vectors
    .filter((f) => profiles.get(f.vectorSearchProfileName ?? "")?.vectorizerName)
    .map((f) => f.name);
  return {
    ...mapping,
    vectorFields,
    vectorizedFields: vectorFields.filter((name) => vectorized.includes(name)),
    semanticConfiguration: semantic?.name,
  };
}

/** The mapping read off one returned document, when the definition could not be read. */
export function mapDocumentFields(
  document: Record<string, unknown>,
  override: FieldsOverride = {},
): FieldMapping {
  const names = Object.keys(document).filter((k) => !k.startsWith("@"));
  const strings = names.filter((k) => typeof document[k] === "string" || isStringArray(document[k]));
  const mapping = pick({
    strings,
    preferredContent: [],
    preferredTitle: undefined,
    searchable: strings,
    key: byName(names, ["id", "key", ...CHUNK_ID_NAMES]),
    override,
  });
  return { ...mapping, vectorFields: override.vectorFields ?? [], vectorizedFields: [] };
}

function pick(input: {
  strings: string[];
  preferredContent: string[];
  preferredTitle: string | undefined;
  searchable: string[];
  key: string | undefined;
  override: FieldsOverride;
}): Omit<FieldMapping, "vectorFields" | "vectorizedFields" | "semanticConfiguration"> {
  const { strings, override } = input;
  const titleField = override.titleField ?? input.preferredTitle ?? byName(strings, TITLE_NAMES);
  const urlField = override.urlField ?? byName(strings, URL_NAMES);
  const filepathField = override.filepathField ?? byName(strings, FILEPATH_NAMES);
  const chunkIdField = override.chunkIdField ?? byName(strings, CHUNK_ID_NAMES);
  const described = new Set([titleField, urlField, filepathField, chunkIdField, input.key]);
  const preferred = input.preferredContent.filter((name) => strings.includes(name));
  // Every content-like field, in the index's order: a description and a body are both content.
  const named = strings.filter((name) => !described.has(name) && CONTENT_NAMES.includes(normalise(name)));
  const contentFields =
    override.contentFields ??
    (preferred.length > 0
      ? preferred
      : named.length > 0
        ? named
        : input.searchable.filter((name) => !described.has(name)));
  return { key: input.key, contentFields, titleField, urlField, filepathField, chunkIdField };
}

function semanticConfigurationOf(index: IndexShape) {
  const configurations = index.semanticSearch?.configurations ?? [];
  const wanted = index.semanticSearch?.defaultConfigurationName;
  return configurations.find((c) => c.name === wanted) ?? configurations[0];
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "string");
}

/** The text of a field: a string, or a list of strings joined with line breaks. */
export function fieldText(document: Record<string, unknown>, field: string | undefined): string | undefined {
  if (!field) return undefined;
  const value = document[field];
  if (typeof value === "string") return value.trim() === "" ? undefined : value;
  if (isStringArray(value)) return value.join("\n");
  if (typeof value === "number") return String(value);
  return undefined;
}
