// The example data sources file in the repository stays valid against the published schema.
import assert from "node:assert/strict";
import { it } from "node:test";
import { fileURLToPath } from "node:url";
import { loadDataSources } from "../../src/datasources/index.js";

it("datasources.example.json loads and validates", () => {
  const file = fileURLToPath(new URL("../../datasources.example.json", import.meta.url));
  const sources = loadDataSources({ DATA_SOURCES_FILE: file }, "2024-10-21");
  assert.deepEqual(
    sources.map((s) => [s.name, s.request.type, s.fallbackWithoutDataSource]),
    [
      ["hr-docs", "azure_search", false],
      ["product-notes", "azure_cosmos_db", true],
    ],
  );
});
