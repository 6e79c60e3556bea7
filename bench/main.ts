// `npm run bench [core|grounded|slack|teams|replicas]...`: prints the benchmark tables. Needs Redis on 127.0.0.1:6379
// (BENCH_REDIS_URL); keys are written under a random prefix in database 5 and removed afterwards.
import { cpus } from "node:os";
import { benchCore } from "./core.js";
import { benchGrounded } from "./grounded.js";
import { benchReplicas } from "./replicas.js";
import { benchSlack } from "./slack.js";
import { printTable } from "./stats.js";
import { benchTeams } from "./teams.js";

const wanted = new Set(process.argv.slice(2));
const run = (name: string) => wanted.size === 0 || wanted.has(name);

process.stdout.write(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}\n`);
if (run("core")) printTable("Core (engine, store, tokenizer)", await benchCore());
if (run("grounded"))
  printTable("Grounded turns: the bot searches Azure AI Search itself", await benchGrounded());
if (run("slack"))
  printTable("Slack: 20 concurrent mentions in one workspace, real rate tiers", await benchSlack());
if (run("replicas"))
  printTable(
    "Replicas: 50 mentions in 2 s, 10 threads, 3 workspaces, every delivery retried elsewhere",
    await benchReplicas(),
  );
if (run("teams"))
  printTable("Teams: personal chats and channel mentions, real Teams pacing", await benchTeams());
process.exit(0);
