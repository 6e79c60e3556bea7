import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { findSetting, type SettingsContext } from "../../src/settings/schema.js";

const ctx: SettingsContext = { allowedModels: ["gpt-4o", "gpt-4o-mini"], dataSources: ["hr-docs"] };

function parse(key: string, raw: string) {
  const def = findSetting(key);
  assert.ok(def, `setting ${key} exists`);
  return def.parse(raw, ctx);
}

describe("settings schema", () => {
  const cases: Array<[string, string, { value: string } | RegExp]> = [
    ["temperature", "0.7", { value: "0.7" }],
    ["temperature", "2", { value: "2" }],
    ["temperature", "2.5", /a number from 0 to 2/],
    ["temperature", "warm", /a number from 0 to 2/],
    ["top_p", "1", { value: "1" }],
    ["top_p", "-0.1", /a number from 0 to 1/],
    ["max_tokens", "800", { value: "800" }],
    ["max_tokens", "10.5", /a whole number from 1 to 100000/],
    ["presence_penalty", "-2", { value: "-2" }],
    ["frequency_penalty", "3", /from -2 to 2/],
    ["stop", "END | ###", { value: '["END","###"]' }],
    ["stop", "none", { value: "[]" }],
    ["stop", "a|b|c|d|e", /at most 4 sequences/],
    ["model", "GPT-4o-mini", { value: "gpt-4o-mini" }],
    ["model", "gpt-5", /one of: gpt-4o, gpt-4o-mini/],
    ["history", "off", { value: "off" }],
    ["history", "ON", { value: "on" }],
    ["history", "sometimes", /on or off/],
    ["history_window", "0", { value: "0" }],
    ["history_window", "501", /from 0 to 500/],
    ["datasource", "hr-docs", { value: "hr-docs" }],
    ["datasource", "none", { value: "off" }],
    ["datasource", "finance", /off or one of: hr-docs/],
    ["system_prompt", '"Be brief."', { value: "Be brief." }],
    ["system_prompt", "  ", /must not be empty/],
  ];
  for (const [key, raw, expected] of cases) {
    it(`${key} ${JSON.stringify(raw)}`, () => {
      const result = parse(key, raw);
      if (expected instanceof RegExp) {
        assert.ok("error" in result, `expected an error, got ${JSON.stringify(result)}`);
        assert.match(result.error, expected);
      } else {
        assert.deepEqual(result, expected);
      }
    });
  }

  it("finds keys by friendly spellings", () => {
    assert.equal(findSetting("Temperature")?.key, "temperature");
    assert.equal(findSetting("max-tokens")?.key, "max_tokens");
    assert.equal(findSetting("prompt")?.key, "system_prompt");
    assert.equal(findSetting("deployment")?.key, "model");
    assert.equal(findSetting("colour"), undefined);
  });
});
