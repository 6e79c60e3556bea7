// Field auto-mapping on two index shapes, overrides, and the fallback from a returned document.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type IndexShape, mapDocumentFields, mapIndexFields } from "../../src/retrieval/field-mapping.js";

/** What the portal's "Import and vectorize data" wizard creates. */
const WIZARD_INDEX: IndexShape = {
  fields: [
    { name: "chunk_id", type: "Edm.String", key: true, searchable: true },
    { name: "parent_id", type: "Edm.String", searchable: false },
    { name: "chunk", type: "Edm.String", searchable: true },
    { name: "title", type: "Edm.String", searchable: true },
    { name: "metadata_storage_path", type: "Edm.String", searchable: false },
    { name: "text_vector", type: "Collection(Edm.Single)", searchable: true, vectorSearchProfileName: "vp" },
  ],
  semanticSearch: {
    defaultConfigurationName: "hr-semantic",
    configurations: [
      {
        name: "hr-semantic",
        prioritizedFields: { titleField: { name: "title" }, contentFields: [{ name: "chunk" }] },
      },
    ],
  },
  vectorSearch: { profiles: [{ name: "vp", vectorizerName: "openai" }] },
};

/** A hand-made product index: two content fields, other names, no semantic configuration, no vectorizer. */
const PRODUCT_INDEX: IndexShape = {
  fields: [
    { name: "id", type: "Edm.String", key: true },
    { name: "name", type: "Edm.String", searchable: true },
    { name: "description", type: "Edm.String", searchable: true },
    { name: "body", type: "Edm.String", searchable: true },
    { name: "link", type: "Edm.String" },
    { name: "path", type: "Edm.String" },
    { name: "secret_notes", type: "Edm.String", searchable: true, hidden: true },
    { name: "contentVector", type: "Collection(Edm.Single)", vectorSearchProfileName: "plain" },
  ],
  vectorSearch: { profiles: [{ name: "plain" }] },
};

describe("mapIndexFields", () => {
  it("reads the wizard's index through its semantic configuration", () => {
    assert.deepEqual(mapIndexFields(WIZARD_INDEX), {
      key: "chunk_id",
      contentFields: ["chunk"],
      titleField: "title",
      urlField: "metadata_storage_path",
      filepathField: undefined,
      chunkIdField: "chunk_id",
      vectorFields: ["text_vector"],
      vectorizedFields: ["text_vector"],
      semanticConfiguration: "hr-semantic",
    });
  });

  it("reads a hand-made index by its field names, joining its content fields", () => {
    assert.deepEqual(mapIndexFields(PRODUCT_INDEX), {
      key: "id",
      contentFields: ["description", "body"],
      titleField: "name",
      urlField: "link",
      filepathField: "path",
      chunkIdField: undefined,
      vectorFields: ["contentVector"],
      vectorizedFields: [],
      semanticConfiguration: undefined,
    });
  });

  it("takes every searchable text field when none has a content-like name (hidden ones never)", () => {
    const index: IndexShape = {
      fields: [
        { name: "key", type: "Edm.String", key: true },
        { name: "summary", type: "Edm.String", searchable: true },
        { name: "notes", type: "Collection(Edm.String)", searchable: true },
        { name: "internal", type: "Edm.String", searchable: true, hidden: true },
      ],
    };
    assert.deepEqual(mapIndexFields(index).contentFields, ["summary", "notes"]);
  });

  it("lets the source override any field", () => {
    const mapping = mapIndexFields(PRODUCT_INDEX, {
      contentFields: ["description", "body"],
      titleField: "id",
      urlField: "path",
      vectorFields: ["contentVector"],
    });
    assert.deepEqual(mapping.contentFields, ["description", "body"]);
    assert.equal(mapping.titleField, "id");
    assert.equal(mapping.urlField, "path");
  });
});

describe("mapDocumentFields (the index definition could not be read)", () => {
  it("maps by the names and types of a returned document", () => {
    const mapping = mapDocumentFields({
      "@search.score": 1.2,
      id: "7",
      title: "Expenses",
      content: "Submit receipts within 30 days.",
      url: "https://intranet/expenses",
      contentVector: [0.1, 0.2],
    });
    assert.equal(mapping.key, "id");
    assert.deepEqual(mapping.contentFields, ["content"]);
    assert.equal(mapping.titleField, "title");
    assert.equal(mapping.urlField, "url");
    assert.deepEqual(mapping.vectorFields, [], "vector fields are not guessed");
  });
});
