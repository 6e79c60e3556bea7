// `src/main.ts` as a real process (what `npm start` runs), for tests and benchmarks that need one:
// start-up against dead dependencies, SIGTERM in the middle of a reply, several replicas on one Redis.
// Tests run the sources through tsx, or the production bundle (`dist/src/main.js`, built by
// `ensureBuilt()`) where what is under test is what ships; benchmarks run the bundle.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { freePort } from "./redis-servers.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface BotProcess {
  child: ChildProcess;
  /** http://127.0.0.1:<port> */
  base: string;
  /** stdout and stderr so far (JSON log lines). */
  output(): string;
  /** The exit code (null when killed by a signal). */
  exit: Promise<number | null>;
  /** Sends SIGTERM and waits for the exit code. */
  stop(): Promise<number | null>;
}

export interface BotProcessOptions {
  /**
   * "source" (default): `node --import tsx src/main.ts`. "dist": `node <flags> dist/src/main.js`,
   * exactly what `npm start` runs once built (call `ensureBuilt()` first).
   */
  entry?: "source" | "dist";
}

let built: Promise<void> | undefined;

/** Builds dist/ as `npm start` does (scripts/ensure-build.mjs: only when the sources are newer), once. */
export function ensureBuilt(): Promise<void> {
  built ??= new Promise((resolve, reject) =>
    execFile(process.execPath, ["scripts/ensure-build.mjs"], { cwd: ROOT }, (err, stdout, stderr) =>
      err ? reject(new Error(`the build failed:\n${stdout}${stderr}`)) : resolve(),
    ),
  );
  return built;
}

/** The node flags of package.json's `start` script (`node <flags> dist/src/main.js`). */
export function startFlags(): string[] {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    scripts: { start: string };
  };
  const flags = /\bnode ((?:--\S+ )*)dist\/src\/main\.js/.exec(pkg.scripts.start)?.[1] ?? "";
  return flags.split(" ").filter((f) => f !== "");
}

/**
 * Starts the bot with only `env` (and PATH): nothing leaks in from the test's own environment. Keys
 * go under a fresh REDIS_KEY_PREFIX unless `env` sets one (replicas sharing state pass the same).
 */
export async function startBotProcess(
  env: Record<string, string>,
  options: BotProcessOptions = {},
): Promise<BotProcess> {
  const port = await freePort();
  const args =
    options.entry === "dist" ? [...startFlags(), "dist/src/main.js"] : ["--import", "tsx", "src/main.ts"];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      LOG_LEVEL: "info",
      SHUTDOWN_TIMEOUT_MS: "500",
      REDIS_KEY_PREFIX: `test:process:${randomUUID()}:`,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const collect = (chunk: Buffer) => {
    output += String(chunk);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exit = once(child, "exit").then(([code]) => code as number | null);
  return {
    child,
    base: `http://127.0.0.1:${port}`,
    output: () => output,
    exit,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exit;
    },
  };
}

/** Polls `check` until it returns a value other than undefined; errors count as "not yet". */
export async function until<T>(
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Resolves when the bot's /readyz answers 200. */
export async function untilReady(bot: BotProcess, timeoutMs = 30_000): Promise<void> {
  await until(
    async () => ((await fetch(`${bot.base}/readyz`)).status === 200 ? true : undefined),
    timeoutMs,
    `${bot.base}/readyz 200`,
  );
}
