// An index as the double serves it: field facts read from the definition JSON (with the REST defaults for
// omitted attributes), the documents with their vector fields filled, and the semantic and vector-search
// configuration lookups the query features need.
import { createHash } from "node:crypto";
import { FAKE_EMBEDDING_DIMENSIONS, fakeEmbedding } from "../fake-embedding.js";
import { missingSemanticConfiguration, unknownSemanticConfiguration } from "./errors.js";
import { isRecord } from "./request-shapes.js";
import type { SearchDoubleIndex } from "./types.js";

export const VECTOR_TYPE = "Collection(Edm.Single)";
const STRING_TYPES = new Set(["Edm.String", "Collection(Edm.String)"]);

export interface FieldInfo {
  name: string;
  type: string;
  key: boolean;
  searchable: boolean;
  filterable: boolean;
  retrievable: boolean;
  dimensions?: number;
  vectorSearchProfile?: string;
}

export interface SemanticConfig {
  name: string;
  titleField?: string;
  contentFields: string[];
  keywordsFields: string[];
}

function readField(raw: unknown): FieldInfo {
  if (!isRecord(raw) || typeof raw.name !== "string" || typeof raw.type !== "string") {
    throw new Error(`azure-search double: every field needs a name and a type (got ${JSON.stringify(raw)})`);
  }
  const isString = STRING_TYPES.has(raw.type);
  const isVector = raw.type === VECTOR_TYPE;
  return {
    name: raw.name,
    type: raw.type,
    key: raw.key === true,
    // REST defaults: strings are searchable, simple fields filterable, everything retrievable.
    searchable: isString || isVector ? raw.searchable !== false : raw.searchable === true,
    filterable: isVector ? false : raw.filterable !== false,
    retrievable: raw.retrievable !== false,
    ...(typeof raw.dimensions === "number" ? { dimensions: raw.dimensions } : {}),
    ...(typeof raw.vectorSearchProfile === "string" ? { vectorSearchProfile: raw.vectorSearchProfile } : {}),
  };
}

function fieldNames(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((entry) =>
    isRecord(entry) && typeof entry.fieldName === "string" ? [entry.fieldName] : [],
  );
}

export class IndexModel {
  readonly name: string;
  readonly definition: Record<string, unknown>;
  readonly fields: FieldInfo[];
  readonly keyField: string;
  readonly documents: Array<Record<string, unknown>>;
  readonly etag: string;

  constructor(index: SearchDoubleIndex) {
    const definition = index.definition;
    if (typeof definition.name !== "string")
      throw new Error("azure-search double: the index definition needs a name");
    if (!Array.isArray(definition.fields))
      throw new Error(`azure-search double: index '${definition.name}' has no fields`);
    this.name = definition.name;
    this.definition = structuredClone(definition);
    this.fields = definition.fields.map(readField);
    const keys = this.fields.filter((field) => field.key);
    if (keys.length !== 1 || !keys[0])
      throw new Error(`azure-search double: index '${this.name}' needs exactly one key field`);
    this.keyField = keys[0].name;
    this.documents = index.documents.map((document) => this.withVectors(document));
    this.etag = `0x8DE${createHash("sha256").update(JSON.stringify(definition)).digest("hex").slice(0, 12).toUpperCase()}`;
  }

  field(name: string): FieldInfo | undefined {
    return this.fields.find((field) => field.name === name);
  }

  /** Searchable Edm.String / Collection(Edm.String) fields, in definition order. */
  searchableTextFields(): FieldInfo[] {
    return this.fields.filter((field) => STRING_TYPES.has(field.type) && field.searchable);
  }

  isVectorField(field: FieldInfo | undefined): field is FieldInfo {
    return field?.type === VECTOR_TYPE;
  }

  /** The vectorizer of a vector field's profile, if the profile names one. */
  vectorizerOf(field: FieldInfo): string | undefined {
    const search = this.definition.vectorSearch;
    if (!isRecord(search) || !Array.isArray(search.profiles)) return undefined;
    const profile = search.profiles.find((p) => isRecord(p) && p.name === field.vectorSearchProfile);
    return isRecord(profile) && typeof profile.vectorizer === "string" ? profile.vectorizer : undefined;
  }

  vectorFieldsWithVectorizer(): FieldInfo[] {
    return this.fields.filter((field) => this.isVectorField(field) && this.vectorizerOf(field) !== undefined);
  }

  semanticConfigurations(): SemanticConfig[] {
    const semantic = this.definition.semantic;
    if (!isRecord(semantic) || !Array.isArray(semantic.configurations)) return [];
    return semantic.configurations.flatMap((raw) => {
      if (!isRecord(raw) || typeof raw.name !== "string") return [];
      const prioritized = isRecord(raw.prioritizedFields) ? raw.prioritizedFields : {};
      const title = isRecord(prioritized.titleField) ? prioritized.titleField.fieldName : undefined;
      return [
        {
          name: raw.name,
          ...(typeof title === "string" ? { titleField: title } : {}),
          contentFields: fieldNames(prioritized.prioritizedContentFields),
          keywordsFields: fieldNames(prioritized.prioritizedKeywordsFields),
        },
      ];
    });
  }

  /** The configuration a semantic query uses: the named one, else the index default (as the service does). */
  semanticConfiguration(name: string | undefined): SemanticConfig {
    const semantic = this.definition.semantic;
    const fallback =
      isRecord(semantic) && typeof semantic.defaultConfiguration === "string"
        ? semantic.defaultConfiguration
        : undefined;
    const wanted = name || fallback;
    if (!wanted) throw missingSemanticConfiguration();
    const found = this.semanticConfigurations().find((config) => config.name === wanted);
    if (!found) throw unknownSemanticConfiguration(wanted);
    return found;
  }

  /** Text of a document's searchable string fields, joined with spaces. */
  searchableText(document: Record<string, unknown>): string {
    return this.searchableTextFields()
      .map((field) => textOf(document[field.name]))
      .filter((text) => text.length > 0)
      .join(" ");
  }

  keyOf(document: Record<string, unknown>): string {
    return String(document[this.keyField] ?? "");
  }

  private withVectors(document: Record<string, unknown>): Record<string, unknown> {
    const copy = structuredClone(document);
    for (const field of this.fields) {
      if (this.isVectorField(field) && !Array.isArray(copy[field.name])) {
        copy[field.name] = fakeEmbedding(
          this.searchableText(copy),
          field.dimensions ?? FAKE_EMBEDDING_DIMENSIONS,
        );
      }
    }
    return copy;
  }
}

/** A string field's value as text (collections joined with spaces). */
export function textOf(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.filter((item) => typeof item === "string").join(" ");
  return "";
}
