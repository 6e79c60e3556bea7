import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Command, parseCommand } from "../../src/commands/parse.js";

describe("parseCommand", () => {
  const cases: Array<[string, Command | null | "usage_error"]> = [
    ["help", { type: "help" }],
    [" /help ", { type: "help" }],
    ["settings help", { type: "help" }],
    ["forget", { type: "forget" }],
    ["settings", { type: "show", scope: "conversation" }],
    ["Settings show", { type: "show", scope: "conversation" }],
    ["settings workspace", { type: "show", scope: "workspace" }],
    [
      "settings set temperature 0.2",
      { type: "set", scope: "conversation", key: "temperature", value: "0.2" },
    ],
    [
      "settings set system_prompt You are terse.\nAnswer in French.",
      {
        type: "set",
        scope: "conversation",
        key: "system_prompt",
        value: "You are terse.\nAnswer in French.",
      },
    ],
    [
      "settings workspace set model gpt-4o",
      { type: "set", scope: "workspace", key: "model", value: "gpt-4o" },
    ],
    ["settings set stop END | ###", { type: "set", scope: "conversation", key: "stop", value: "END | ###" }],
    ["settings reset", { type: "reset", scope: "conversation", key: undefined }],
    ["settings reset temperature", { type: "reset", scope: "conversation", key: "temperature" }],
    ["settings workspace reset", { type: "reset", scope: "workspace", key: undefined }],
    ["settings set temperature", "usage_error"],
    ["settings set", "usage_error"],
    ["settings frobnicate", "usage_error"],
    ["help me write an email", null],
    ["forget about the budget, what's for lunch?", null],
    ["What are good settings for Outlook?", null],
    ["", null],
  ];
  for (const [text, expected] of cases) {
    it(JSON.stringify(text), () => {
      const got = parseCommand(text);
      if (expected === "usage_error") assert.equal(got?.type, "usage_error");
      else assert.deepEqual(got, expected);
    });
  }
});
