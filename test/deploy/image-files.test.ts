// deploy/Dockerfile without Docker: its invariants (multi-stage, non-root, exec-form node, health
// check on /healthz, production-only dependencies), then its steps followed in temp folders (each
// stage's COPY and `npm ...` RUN lines, stages in parallel as BuildKit runs them) and the runtime
// stage's files started as the image starts them: /healthz answers 200 and SIGTERM exits 0.
// The npm installs come from the npm cache (`--prefer-offline`): CI runs `npm install` first.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { cp, mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { DEFAULT_TEAM, type SlackDouble, startSlackDouble } from "../doubles/slack/web-api-double.js";
import { startFlags } from "../helpers/bot-process.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DOCKERFILE = join(ROOT, "deploy", "Dockerfile");
const DOCKERIGNORE = join(ROOT, ".dockerignore");
/** Two full `npm ci` runs (in parallel) plus the esbuild bundle on a 2-core machine take about a minute. */
const BUILD_TIMEOUT_MS = 300_000;
const START_TIMEOUT_MS = 30_000;

// ---- a small Dockerfile reader (what this Dockerfile uses: ARG, FROM, WORKDIR, COPY, RUN, ENV, ...) ----

interface Instruction {
  keyword: string;
  /** Leading `--name=value` options (COPY --from, RUN --mount, HEALTHCHECK --interval). */
  flags: Record<string, string>;
  /** The rest of the line, continuation lines joined. */
  rest: string;
}

interface Stage {
  name: string;
  image: string;
  instructions: Instruction[];
}

function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let pending = "";
  for (const raw of text.split("\n")) {
    const line = raw.trimEnd();
    if (/^\s*#/.test(line) || (line.trim() === "" && pending === "")) continue;
    if (line.endsWith("\\")) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    lines.push((pending + line.trim()).trim());
    pending = "";
  }
  if (pending.trim()) lines.push(pending.trim());
  return lines;
}

function splitFlags(text: string): { flags: Record<string, string>; rest: string } {
  const flags: Record<string, string> = {};
  let rest = text.trim();
  for (let m = /^--([\w-]+)=(\S+)\s*/.exec(rest); m; m = /^--([\w-]+)=(\S+)\s*/.exec(rest)) {
    flags[m[1] as string] = m[2] as string;
    rest = rest.slice(m[0].length);
  }
  return { flags, rest };
}

function substitute(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => {
    const name = (a ?? b) as string;
    const value = vars[name];
    if (value === undefined) throw new Error(`Dockerfile: \${${name}} has no value`);
    return value;
  });
}

function parseDockerfile(text: string): Stage[] {
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of logicalLines(text)) {
    const [, word = "", after = ""] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const keyword = word.toUpperCase();
    const { flags, rest } = splitFlags(after);
    if (keyword === "FROM") {
      const [image = "", as, name] = substitute(rest, globalArgs).split(/\s+/);
      assert.ok(as === undefined || as.toUpperCase() === "AS", `FROM ${rest}`);
      stages.push({ name: name ?? String(stages.length), image, instructions: [] });
    } else if (stages.length === 0) {
      assert.equal(keyword, "ARG", `only ARG may come before the first FROM, not ${keyword}`);
      const [name = "", value = ""] = rest.split("=", 2);
      globalArgs[name] = value;
    } else {
      stages.at(-1)?.instructions.push({ keyword, flags, rest });
    }
  }
  return stages;
}

const of = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);

function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { rest } of of(stage, "ENV")) {
    for (const pair of rest.split(/\s+/)) {
      const eq = pair.indexOf("=");
      assert.ok(eq > 0, `ENV in KEY=value form: ${rest}`);
      env[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  return env;
}

function execForm(rest: string, what: string): string[] {
  assert.ok(rest.startsWith("["), `${what} in exec form (a JSON array), not a shell string: ${rest}`);
  const parsed: unknown = JSON.parse(rest);
  assert.ok(Array.isArray(parsed) && parsed.every((p) => typeof p === "string"), what);
  return parsed as string[];
}

/** The health check's command line (after its options and the CMD word). */
function healthcheckCommand(stage: Stage): string[] {
  const checks = of(stage, "HEALTHCHECK");
  assert.equal(checks.length, 1, "one HEALTHCHECK in the runtime stage");
  const [check] = checks as [Instruction];
  assert.match(check.rest, /^CMD\s+/, "HEALTHCHECK CMD ...");
  return execForm(check.rest.replace(/^CMD\s+/, ""), "HEALTHCHECK CMD");
}

/** Top-level names .dockerignore leaves out of the build context (plain names and `**\/name`). */
function ignoredNames(): Set<string> {
  return new Set(
    readFileSync(DOCKERIGNORE, "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#") && !l.startsWith("!"))
      .map((l) => l.replace(/^\*\*\//, "").replace(/\/$/, "")),
  );
}

const dockerfile = parseDockerfile(readFileSync(DOCKERFILE, "utf8"));
const runtime = dockerfile.at(-1) as Stage;

describe("deploy/Dockerfile", () => {
  it("is multi-stage on Node 24 slim; the runtime stage is non-root, production-only, and starts node itself", () => {
    assert.ok(dockerfile.length >= 2, "a build stage and a runtime stage");
    for (const stage of dockerfile) assert.match(stage.image, /^node:24(-bookworm)?-slim$/, stage.name);
    const build = dockerfile[0] as Stage;
    assert.ok(
      of(build, "RUN").some((r) => /\bnpm ci\b/.test(r.rest)),
      "the build stage installs with npm ci",
    );
    assert.ok(
      of(build, "RUN").some((r) => /\bnpm run build\b/.test(r.rest)),
      "the build stage bundles the bot",
    );

    const users = of(runtime, "USER");
    assert.ok(users.length > 0, "the runtime stage sets USER");
    assert.doesNotMatch(users.at(-1)?.rest ?? "", /^(root|0)(:|$)/, "USER is not root");
    assert.equal(envOf(runtime).NODE_ENV, "production");
    assert.ok(
      of(runtime, "EXPOSE").some((e) => e.rest.split(/\s+/).includes("3978")),
      "EXPOSE 3978",
    );
    const runs = of(runtime, "RUN").map((r) => r.rest);
    assert.ok(
      runs.some((r) => /\bnpm ci\b.*--omit=dev\b/.test(r)),
      "the runtime installs with npm ci --omit=dev",
    );
    assert.ok(!runs.some((r) => /npm run build|\btsc\b/.test(r)), "nothing is compiled in the runtime stage");

    // What the runtime stage holds: the package files, its own production install, and dist/ from the build.
    for (const copy of of(runtime, "COPY")) {
      const parts = copy.rest.split(/\s+/);
      const sources = parts.slice(0, -1).map((s) => s.replace(/^\/app\//, "").replace(/\/$/, ""));
      for (const source of sources) {
        assert.ok(
          ["package.json", "package-lock.json", "dist", "manifest"].includes(source),
          `the runtime stage copies only what it runs: ${copy.rest}`,
        );
      }
      if (sources.includes("dist")) assert.ok(copy.flags.from, "dist/ comes from the build stage");
    }

    const health = healthcheckCommand(runtime);
    assert.equal(health[0], "node", "the health check runs node (the slim image has no curl)");
    assert.match(health.join(" "), /\/healthz\b/);
    assert.doesNotMatch(health.join(" "), /\bcurl\b|\bwget\b/);

    assert.equal(of(runtime, "ENTRYPOINT").length, 0, "no ENTRYPOINT wrapping the command");
    const cmds = of(runtime, "CMD");
    assert.equal(cmds.length, 1);
    assert.deepEqual(
      execForm(cmds[0]?.rest ?? "", "CMD"),
      ["node", ...startFlags(), "dist/src/main.js"],
      "the image starts the bot with npm start's node flags",
    );
  });

  it("copies nothing the build context leaves out, and the context leaves out secrets and local builds", () => {
    const ignored = ignoredNames();
    for (const name of ["node_modules", "dist", ".git", ".env"]) assert.ok(ignored.has(name), name);
    for (const stage of dockerfile) {
      for (const copy of of(stage, "COPY")) {
        if (copy.flags.from) continue;
        for (const source of copy.rest.split(/\s+/).slice(0, -1)) {
          assert.ok(existsSync(join(ROOT, source)), `${source} exists in the repository`);
          assert.ok(!ignored.has(source.split("/")[0] as string), `${source} is not in .dockerignore`);
        }
      }
    }
  });
});

// ---- following the Dockerfile's steps in temp folders ----------------------------------------------

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** The environment npm runs with: this one, less what the test runner and an outer `npm test` add. */
function npmEnv(stageEnv: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_package_|npm_lifecycle_)|^(NODE_TEST_CONTEXT|INIT_CWD|NODE_ENV)$/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...stageEnv };
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => {
      output += String(d);
    });
    child.stderr.on("data", (d) => {
      output += String(d);
    });
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      if (code === 0) resolveRun();
      else reject(new Error(`${command} ${args.join(" ")} (in ${cwd}) ended ${code ?? signal}:\n${output}`));
    });
  });
}

/** Instructions that change no file of the stage. */
const CONTAINER_ONLY = new Set([
  "ARG",
  "LABEL",
  "USER",
  "EXPOSE",
  "HEALTHCHECK",
  "CMD",
  "ENTRYPOINT",
  "STOPSIGNAL",
]);

interface BuiltStage {
  /** The stage's filesystem root; container paths map under it. */
  root: string;
  workdir: string;
}

/** Follows one stage: WORKDIR, ENV, COPY (context or --from), RUN (npm commands only). */
async function buildStage(
  stage: Stage,
  base: string,
  built: Map<string, Promise<BuiltStage>>,
  timings: Record<string, number>,
): Promise<BuiltStage> {
  const root = join(base, stage.name);
  let workdir = root;
  const env: Record<string, string> = {};
  const inStage = (containerPath: string) =>
    isAbsolute(containerPath) ? join(root, containerPath) : resolve(workdir, containerPath);
  for (const step of stage.instructions) {
    if (step.keyword === "WORKDIR") {
      workdir = inStage(step.rest);
      await mkdir(workdir, { recursive: true });
    } else if (step.keyword === "ENV") {
      Object.assign(env, envOf({ ...stage, instructions: [step] }));
    } else if (step.keyword === "COPY") {
      const parts = step.rest.split(/\s+/);
      const dest = inStage(parts.at(-1) as string);
      const sources = parts.slice(0, -1);
      const from = step.flags.from;
      const fromRoot = from
        ? (await (built.get(from) ?? Promise.reject(new Error(`no stage ${from}`)))).root
        : ROOT;
      const intoDir = sources.length > 1 || (parts.at(-1) as string).endsWith("/");
      for (const source of sources) {
        const path = from ? join(fromRoot, source) : join(ROOT, source);
        const target = intoDir ? join(dest, source.split("/").filter(Boolean).at(-1) as string) : dest;
        await cp(path, target, { recursive: true });
      }
    } else if (step.keyword === "RUN") {
      for (const command of step.rest.split("&&").map((c) => c.trim())) {
        const [program, ...args] = command.split(/\s+/);
        assert.equal(program, "npm", `this test follows npm RUN steps only: ${command}`);
        // `npm cache clean` only keeps the cache out of the image; here it would empty the machine's cache.
        if (args[0] === "cache") continue;
        // Same command, from the machine's npm cache.
        if (args[0] === "ci") args.push("--prefer-offline");
        const started = Date.now();
        await run("npm", args, workdir, npmEnv(env));
        timings[`${stage.name}: ${command}`] = Date.now() - started;
      }
    } else {
      // The image, USER, EXPOSE, HEALTHCHECK and CMD describe the container, not its files.
      assert.ok(CONTAINER_ONLY.has(step.keyword), `this test does not follow ${step.keyword} yet`);
    }
  }
  return { root, workdir };
}

async function buildImageFiles(
  base: string,
  timings: Record<string, number>,
): Promise<Map<string, BuiltStage>> {
  const built = new Map<string, Promise<BuiltStage>>();
  for (const stage of dockerfile) built.set(stage.name, buildStage(stage, base, built, timings));
  // All at once, so a failing stage cannot leave the others' rejections unhandled.
  const done = await Promise.all([...built].map(async ([name, stage]) => [name, await stage] as const));
  return new Map(done);
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("the image's files, built without Docker", () => {
  let base = "";
  let slack: SlackDouble | undefined;
  let bot: ChildProcess | undefined;
  after(async () => {
    if (bot && bot.exitCode === null && bot.signalCode === null) bot.kill("SIGKILL");
    await slack?.close();
    if (base) await rm(base, { recursive: true, force: true });
  });

  it("the runtime stage runs `node dist/src/main.js` with production dependencies only: /healthz 200, SIGTERM exits 0", {
    timeout: BUILD_TIMEOUT_MS,
  }, async (t) => {
    const timings: Record<string, number> = {};
    const started = Date.now();
    base = await mkdtemp(join(tmpdir(), "image-files-"));
    const stages = await buildImageFiles(base, timings);
    timings.build = Date.now() - started;
    const app = (stages.get(runtime.name) as BuiltStage).workdir;

    // Only what the image holds: no sources to rebuild from, no dev dependencies.
    assert.deepEqual((await readdir(app)).sort(), [
      "dist",
      "node_modules",
      "package-lock.json",
      "package.json",
    ]);
    assert.ok(existsSync(join(app, "dist/src/main.js")));
    for (const dev of ["typescript", "tsx", "@biomejs/biome"]) {
      assert.ok(!existsSync(join(app, "node_modules", dev)), `${dev} is a dev dependency, not in the image`);
    }

    // Started as CMD starts it, with the image's ENV, Slack (against the Web API double) and Teams
    // (emulator mode) both on so both adapters' dependencies load, and the real Redis store.
    slack = await startSlackDouble({ timeScale: 0.05 });
    const port = await freePort();
    const imageEnv = envOf(runtime);
    const [cmd, ...cmdArgs] = execForm(of(runtime, "CMD")[0]?.rest ?? "", "CMD");
    assert.equal(cmd, "node");
    let output = "";
    const env = {
      PATH: process.env.PATH,
      ...imageEnv,
      PORT: String(port),
      AZURE_OPENAI_ENDPOINT: "http://127.0.0.1:9/",
      AZURE_OPENAI_API_KEY: "image-files-test-key",
      AZURE_OPENAI_DEPLOYMENT: "gpt-4o",
      REDIS_URL: `${process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379"}/3`,
      REDIS_KEY_PREFIX: `test:image:${randomUUID()}:`,
      SLACK_BOT_TOKEN: DEFAULT_TEAM.botToken,
      SLACK_SIGNING_SECRET: "image-files-test-secret",
      SLACK_API_URL: slack.url,
      TEAMS_ENABLED: "true",
      SHUTDOWN_TIMEOUT_MS: "500",
      LOG_LEVEL: "info",
    };
    const bootStarted = Date.now();
    const child = spawn(process.execPath, cmdArgs, { cwd: app, env, stdio: ["ignore", "pipe", "pipe"] });
    bot = child;
    child.stdout.on("data", (d) => {
      output += String(d);
    });
    child.stderr.on("data", (d) => {
      output += String(d);
    });
    const exit = new Promise<number | null>((resolveExit) => child.once("exit", (code) => resolveExit(code)));
    const url = `http://127.0.0.1:${port}`;
    await Promise.race([
      until(
        () =>
          fetch(`${url}/healthz`).then(
            (r) => r.status === 200,
            () => false,
          ),
        START_TIMEOUT_MS,
        "GET /healthz",
      ),
      exit.then((code) => {
        throw new Error(`the bot exited (${code}) before answering /healthz:\n${output}`);
      }),
    ]);
    timings.start = Date.now() - bootStarted;
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    assert.equal((await fetch(`${url}/readyz`)).status, 200, `ready with Redis:\n${output}`);
    assert.match(output, /"msg":"bot started"/);
    assert.ok(
      slack.calls.some((c) => c.method === "auth.test"),
      "Slack's client reached the Web API double",
    );

    // The image's own HEALTHCHECK command, run as Docker would run it inside the container.
    const [checkProgram, ...checkArgs] = healthcheckCommand(runtime);
    assert.equal(checkProgram, "node");
    await run(process.execPath, checkArgs, app, { PATH: process.env.PATH, ...imageEnv, PORT: String(port) });

    child.kill("SIGTERM");
    assert.equal(await exit, 0, `a clean exit on SIGTERM:\n${output}`);
    assert.match(output, /"msg":"shutting down"/);
    timings.total = Date.now() - started;
    t.diagnostic(
      `timings (ms): ${Object.entries(timings)
        .map(([k, v]) => `${k} ${v}`)
        .join("; ")}`,
    );
  });
});
