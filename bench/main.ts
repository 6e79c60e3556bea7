// `npm run bench -- [core|grounded|slack|teams|replicas]... [--concurrency N] [--tokens N]
// [--token-delay-ms MS] [--ttft-ms MS]`: prints the benchmark tables (all of them when none is
// named); the flags set the Slack and Teams load. Needs Redis on 127.0.0.1:6379 (BENCH_REDIS_URL);
// keys are written under a random prefix in database 5 and removed afterwards.
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { benchCore } from "./core.js";
import { benchGrounded } from "./grounded.js";
import { type LoadSetup, MODEL_DEFAULTS, SLACK_CONCURRENCY, TEAMS_CONCURRENCY } from "./load-setup.js";
import { benchReplicas } from "./replicas.js";
import { benchSlack, slackTitle } from "./slack.js";
import { printTable } from "./stats.js";
import { benchTeams, teamsTitle } from "./teams.js";

const TABLES = ["core", "grounded", "slack", "teams", "replicas"];

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    concurrency: { type: "string" },
    tokens: { type: "string" },
    "token-delay-ms": { type: "string" },
    "ttft-ms": { type: "string" },
  },
});
for (const name of positionals) {
  if (!TABLES.includes(name)) throw new Error(`unknown table ${name}; pick from ${TABLES.join(", ")}`);
}

/** A flag's whole number, or the default. */
function flag(name: keyof typeof values, fallback: number, min: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} takes a whole number ≥ ${min}, got ${raw}`);
  return n;
}
const load = (defaultConcurrency: number): LoadSetup => ({
  concurrency: flag("concurrency", defaultConcurrency, 1),
  tokens: flag("tokens", MODEL_DEFAULTS.tokens, 1),
  tokenDelayMs: flag("token-delay-ms", MODEL_DEFAULTS.tokenDelayMs, 0),
  ttftMs: flag("ttft-ms", MODEL_DEFAULTS.ttftMs, 0),
});

const wanted = new Set(positionals);
const run = (name: string) => wanted.size === 0 || wanted.has(name);

process.stdout.write(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}\n`);
if (run("core")) printTable("Core (engine, store, tokenizer)", await benchCore());
if (run("grounded"))
  printTable("Grounded turns: the bot searches Azure AI Search itself", await benchGrounded());
if (run("slack")) {
  const setup = load(SLACK_CONCURRENCY);
  printTable(slackTitle(setup), await benchSlack(setup));
}
if (run("replicas"))
  printTable(
    "Replicas: 50 mentions in 2 s, 10 threads, 3 workspaces, every delivery retried elsewhere",
    await benchReplicas(),
  );
if (run("teams")) {
  const setup = load(TEAMS_CONCURRENCY);
  printTable(teamsTitle(setup), await benchTeams(setup));
}
process.exit(0);
