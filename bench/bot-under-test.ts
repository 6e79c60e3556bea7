// The bot the load benchmarks measure, as its own production process: `npm run build` once per bench
// run, then `node dist/src/main.js` (what `npm start` runs) with only the environment it needs, on
// the bench Redis under a random key prefix that is removed when it stops. Its CPU time and memory
// are read from /proc; its warnings and errors (LOG_LEVEL=warn) are counted by message.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { DEFAULT_API_KEY } from "../test/doubles/azure-openai.js";
import { type BotProcess, startBotProcess, untilReady } from "../test/helpers/bot-process.js";
import { type CpuTime, cpuTimeMs, residentMiB } from "./proc-stats.js";
import { BENCH_REDIS_URL, deleteKeys } from "./redis-keys.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

export interface BotUnderTest {
  /** http://127.0.0.1:<port> */
  base: string;
  pid: number;
  /** VmRSS once /readyz said 200, before any load. */
  restingMiB: number;
  /** utime and stime so far (ms). */
  cpuMs(): CpuTime;
  /** VmHWM: the most it has been resident. */
  peakMiB(): number;
  /** Where the log is now; `warnings(mark)` counts what was logged after it. */
  logMark(): number;
  /** "message ×n" per warning or error logged since `mark`, most frequent first. */
  warnings(mark: number): string[];
  /** SIGTERM, then its Redis keys are deleted. */
  stop(): Promise<void>;
}

let built: Promise<void> | undefined;

/** `npm run build` (the esbuild bundle in dist/), once per bench run. */
export function buildOnce(): Promise<void> {
  built ??= new Promise((resolve, reject) =>
    execFile("npm", ["run", "build", "--silent"], { cwd: ROOT }, (err, stdout, stderr) =>
      err ? reject(new Error(`npm run build failed:\n${stdout}${stderr}`)) : resolve(),
    ),
  );
  return built;
}

/** The bot's model settings: the Azure OpenAI double at `url`, by API key. */
function modelEnv(url: string): Record<string, string> {
  return {
    AZURE_OPENAI_ENDPOINT: url,
    AZURE_OPENAI_API_KEY: DEFAULT_API_KEY,
    AZURE_OPENAI_DEPLOYMENT: "gpt-4o",
  };
}

/** The built bot against the model double at `modelUrl`, with the platform settings in `env`. */
export async function startBuiltBot(
  modelUrl: string,
  env: Record<string, string>,
  label: string,
): Promise<BotUnderTest> {
  await buildOnce();
  const prefix = `bench:${label}:${randomUUID()}:`;
  const bot: BotProcess = await startBotProcess(
    {
      ...modelEnv(modelUrl),
      ...env,
      REDIS_URL: BENCH_REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      LOG_LEVEL: "warn",
    },
    { entry: "dist" },
  );
  try {
    await untilReady(bot, 60_000);
  } catch (err) {
    bot.child.kill("SIGKILL");
    throw new Error(`${err}\n${bot.output()}`);
  }
  const pid = bot.child.pid;
  if (pid === undefined) throw new Error("the bot process has no pid");
  return {
    base: bot.base,
    pid,
    restingMiB: residentMiB(pid).now,
    cpuMs: () => cpuTimeMs(pid),
    peakMiB: () => residentMiB(pid).peak,
    logMark: () => bot.output().length,
    warnings(mark) {
      const counts = new Map<string, number>();
      for (const line of bot.output().slice(mark).split("\n")) {
        if (line.trim() === "") continue;
        let msg = line;
        try {
          msg = (JSON.parse(line) as { msg?: string }).msg ?? line;
        } catch {
          // not a JSON log line: counted as it is
        }
        counts.set(msg, (counts.get(msg) ?? 0) + 1);
      }
      return [...counts].sort((a, b) => b[1] - a[1]).map(([msg, n]) => `${msg} ×${n}`);
    },
    async stop() {
      await bot.stop();
      await deleteKeys(prefix);
    },
  };
}
