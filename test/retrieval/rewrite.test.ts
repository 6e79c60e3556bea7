import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { passagesOf } from "../../src/retrieval/knowledge-base-retriever.js";
import { cleanQuery } from "../../src/retrieval/rewrite.js";

describe("cleanQuery", () => {
  for (const [raw, clean] of [
    ["vacation days for contractors", "vacation days for contractors"],
    ['"vacation days for contractors"', "vacation days for contractors"],
    ["Query: vacation days\nBecause the user asked…", "vacation days"],
    ["  ", ""],
  ]) {
    it(JSON.stringify(raw), () => assert.equal(cleanQuery(raw ?? ""), clean));
  }
});

describe("passagesOf (a knowledge base's extracted content)", () => {
  it("maps ref_id to the reference's document key and source data", () => {
    const text = JSON.stringify([
      { ref_id: 0, title: "Vacation", content: "Employees get 25 days." },
      { ref_id: 1, content: "Contractors get none." },
    ]);
    const references = new Map([
      ["0", { id: "0", docKey: "doc-a", sourceData: { url: "https://intranet/vacation" } }],
      ["1", { id: "1", docKey: "doc-b", sourceData: { title: "Contractors", path: "hr/contractors.md" } }],
    ]);
    assert.deepEqual(passagesOf(text, references), [
      { id: "doc-a", content: "Employees get 25 days.", title: "Vacation", url: "https://intranet/vacation" },
      { id: "doc-b", content: "Contractors get none.", title: "Contractors", filepath: "hr/contractors.md" },
    ]);
  });

  it("takes text that is not JSON as one passage", () => {
    assert.deepEqual(passagesOf("Plain answer text.", new Map()), [
      { id: "response", content: "Plain answer text." },
    ]);
  });
});
