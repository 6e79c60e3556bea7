// The example data sources file in the repository stays valid: one source of each mode.
import assert from "node:assert/strict";
import { it } from "node:test";
import { fileURLToPath } from "node:url";
import { loadDataSources } from "../../src/datasources/index.js";

it("datasources.example.json loads and validates", () => {
  const file = fileURLToPath(new URL("../../datasources.example.json", import.meta.url));
  const sources = loadDataSources({ DATA_SOURCES_FILE: file }, "2024-10-21");
  assert.deepEqual(
    sources.map((s) => [s.name, s.mode, s.fallbackWithoutDataSource]),
    [
      ["hr-docs", "search", false],
      ["policies-kb", "knowledge_base", true],
      ["legacy-wiki", "on_your_data", false],
      ["product-notes", "on_your_data", true],
    ],
  );
});
