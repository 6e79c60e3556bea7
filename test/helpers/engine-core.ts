// A bot core for engine tests: the real openai client against the Azure OpenAI double, a real
// Redis under a fresh key prefix per test, and `ask` that runs one message through the engine and
// returns the last text a recording sink showed. Call inside a describe: it registers the hooks.
import { randomUUID } from "node:crypto";
import { after, before, beforeEach } from "node:test";
import { type Core, createCore } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { silentLogger } from "../../src/log.js";
import { createMetrics } from "../../src/metrics.js";
import { systemClock } from "../../src/reply/clock.js";
import { type AzureOpenAIDouble, DEFAULT_API_KEY, startAzureOpenAIDouble } from "../doubles/azure-openai.js";
import { consoleMessage } from "./console-message.js";
import { RecordingSink } from "./recording-sink.js";

const REDIS_URL = `${process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379"}/3`;

export interface EngineCore {
  readonly double: AzureOpenAIDouble;
  readonly core: Core;
  /** Sends `text` in console thread `thread`; the last text shown. */
  ask(text: string, thread?: string): Promise<string>;
}

export function useEngineCore(name: string, env: Record<string, string> = {}): EngineCore {
  let double: AzureOpenAIDouble | undefined;
  let core: Core | undefined;
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not started yet`);
    return value;
  };
  before(async () => {
    double = await startAzureOpenAIDouble();
  });
  after(async () => {
    await core?.store.close();
    await double?.close();
  });
  beforeEach(async () => {
    await core?.store.close();
    const llm = need(double, "the model double");
    llm.reset();
    const config = loadConfig({
      AZURE_OPENAI_ENDPOINT: llm.url,
      AZURE_OPENAI_API_KEY: DEFAULT_API_KEY,
      AZURE_OPENAI_DEPLOYMENT: "gpt-4o",
      REDIS_URL,
      REDIS_KEY_PREFIX: `test:${name}:${randomUUID()}:`,
      ...env,
    });
    core = await createCore(config, silentLogger, { metrics: createMetrics() });
  });
  return {
    get double() {
      return need(double, "the model double");
    },
    get core() {
      return need(core, "the core");
    },
    async ask(text: string, thread = name) {
      const sink = new RecordingSink(systemClock, { limits: { minIntervalMs: 5 }, begin: true });
      await need(core, "the core").engine.handle(consoleMessage(text, thread), sink);
      return sink.messages.at(-1)?.text ?? "";
    },
  };
}
