// Teams scenario, Teams' real pacing (time scale 1): (a) N concurrent personal chats, each streaming
// an answer of T tokens natively (informative, streaming updates, final message); then (b) M
// concurrent mentions answered by post-and-edit, half in threads of one channel (which share the
// channel's rate budget) and half in group chats. The doubles run in a child process
// (bench/teams-doubles.ts) so this process's CPU and memory are the bot's own.
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { startTeams } from "../adapters/teams/teams-app.js";
import { createCore, createHttpServer } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { createLogger } from "../src/log.js";
import { createMetrics } from "../src/metrics.js";
import { DEFAULT_API_KEY } from "../test/doubles/azure-openai.js";
import { forkDoubles } from "./doubles-process.js";
import { BENCH_REDIS_URL, deleteKeys } from "./redis-keys.js";
import { type Row, summarize } from "./stats.js";
import type { TeamsBenchReport, TeamsBenchSetup, TeamsPhase } from "./teams-doubles.js";

/** The bot's Microsoft App ID as the activities name it; authentication is off (no MicrosoftAppId). */
const BOT_APP_ID = "00000000-0000-0000-0000-0000000000b1";

export async function benchTeams(
  personal = 10,
  mentions = 10,
  tokens = 150,
  tokenDelayMs = 15,
): Promise<Row[]> {
  const setup: TeamsBenchSetup = {
    personal,
    mentions,
    tokens,
    tokenDelayMs,
    timeScale: 1,
    botAppId: BOT_APP_ID,
  };
  const child = forkDoubles(new URL("./teams-doubles.ts", import.meta.url));
  const ready = await child.ask<{ connectorUrl: string; llmUrl: string }>({ type: "start", setup }, "ready");

  // Warnings and errors only: what the bot says when something goes wrong (429s, failed calls).
  const logged = new Map<string, number>();
  const logger = createLogger("warn", {
    write(line: string) {
      const { msg = "?" } = JSON.parse(line) as { msg?: string };
      logged.set(msg, (logged.get(msg) ?? 0) + 1);
    },
  });
  const prefix = `bench:teams:${randomUUID()}:`;
  const config = loadConfig({
    AZURE_OPENAI_ENDPOINT: ready.llmUrl,
    AZURE_OPENAI_API_KEY: DEFAULT_API_KEY,
    AZURE_OPENAI_DEPLOYMENT: "gpt-4o",
    REDIS_URL: BENCH_REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    TEAMS_ENABLED: "true",
  });
  if (!config.teams) throw new Error("no Teams config");
  const core = await createCore(config, logger, { metrics: createMetrics() });
  const server = createHttpServer(core, 0);
  startTeams({ core, config: config.teams, server, timeScale: 1 });
  const url = `http://127.0.0.1:${await server.listen()}/api/messages`;
  logged.clear(); // the "authentication is off" warning at start

  const phase = async (name: TeamsPhase, replies: number) => {
    // The garbage of what ran before is collected now, not on this phase's CPU time and heap peak.
    collectGarbage();
    const baseline = process.memoryUsage().heapUsed;
    let peak = baseline;
    const memorySampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }, 10);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const { ackMs } = await child.ask<{ ackMs: number[] }>({ type: "fire", phase: name, url }, "acks");
    await core.engine.idle();
    const wallS = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    clearInterval(memorySampler);
    const { report } = await child.ask<{ report: TeamsBenchReport }>(
      { type: "report", phase: name },
      "report",
    );
    const warnings = [...logged].map(([msg, n]) => `${msg} ×${n}`);
    logged.clear();
    return { ackMs, wallS, cpu, peak, baseline, report, warnings, replies };
  };

  // Cold code (botbuilder's first calls, JIT) is paid here, outside both measured phases.
  await child.ask({ type: "fire", phase: "warmup", url }, "acks");
  await core.engine.idle();
  logged.clear();

  const a = await phase("personal", personal);
  const b = await phase("channel", mentions);

  child.send({ type: "stop" });
  await server.close();
  await core.engine.idle();
  await core.store.close();
  await deleteKeys(prefix);

  const threads = Math.ceil(mentions / 2);
  return [
    { name: `(a) ${personal} personal chats at once, native streaming`, value: "" },
    ...rows(a, "informative, streaming, final", ["informative", "streaming", "final"]),
    {
      name: `(b) ${mentions} mentions at once: ${threads} threads of one channel, ${mentions - threads} group chats`,
      value: "",
    },
    ...rows(b, "post, update", ["typing", "post", "update"]),
  ];

  function rows(p: Awaited<ReturnType<typeof phase>>, label: string, kinds: string[]): Row[] {
    const { report, replies } = p;
    /** "kind accepted/reply (+refused/reply refused)", the expected kinds first. */
    const perReply = (accepted: Record<string, number>, refused: Record<string, number>, n: number) => {
      const seen = [...new Set([...kinds, ...Object.keys(accepted), ...Object.keys(refused)])];
      return seen
        .map((k) => {
          const extra = refused[k] ? ` (+${(refused[k] / n).toFixed(1)} refused)` : "";
          return `${k} ${((accepted[k] ?? 0) / n).toFixed(1)}${extra}`;
        })
        .join(", ");
    };
    const places = Object.keys(report.replies);
    const byPlace = (counts: Record<string, number>) =>
      places.length > 1 ? ` (${places.map((pl) => `${pl} ${counts[pl] ?? 0}`).join(", ")})` : "";
    const total = (counts: Record<string, number>) => Object.values(counts).reduce((x, y) => x + y, 0);
    const placeRows: Row[] =
      places.length > 1
        ? places.map((pl) => ({
            name: `    ${pl}: requests per reply; first text p50`,
            value: `${perReply(report.callsByPlace[pl]?.accepted ?? {}, report.callsByPlace[pl]?.refused ?? {}, report.replies[pl] ?? 1)}; ${median(report.overheadByPlace[pl] ?? []).toFixed(0)} ms`,
          }))
        : [];
    const violations = byKind(report.violations);
    return [
      summarize("  HTTP answer latency of the inbound activity", p.ackMs),
      summarize("  bot overhead to first visible text, beyond the model's first token", report.overheadMs),
      summarize("  whole answer shown, after the model's last token", report.tailMs),
      {
        name: `  accepted requests per reply (${label})`,
        value: perReply(report.callsByKind, report.refusedByKind, replies),
      },
      ...placeRows,
      {
        name: "  429 responses from the Connector",
        value: `${total(report.status429)}${byPlace(report.status429)}`,
      },
      {
        name: "  403 responses from the Connector",
        value: `${total(report.status403)}${byPlace(report.status403)}`,
      },
      ...(report.otherErrors.length
        ? [{ name: "  other error responses", value: countBy(report.otherErrors).join("; ") }]
        : []),
      {
        name: "  final texts exact",
        value: `${report.exactFinals}/${replies}${report.inexact.length ? ` (${report.inexact.join("; ")})` : ""}`,
      },
      {
        name: "  Connector double violations",
        value: violations.length ? `${report.violations.length}: ${violations.join("; ")}` : "0",
      },
      {
        name: "  bot CPU per reply",
        value: `${((p.cpu.user + p.cpu.system) / 1000 / replies).toFixed(1)} ms`,
      },
      {
        name: "  bot memory per concurrent reply",
        value: `${((p.peak - p.baseline) / 1024 / replies).toFixed(0)} KiB (heap)`,
      },
      {
        name: "  wall time",
        value: `${p.wallS.toFixed(1)} s for ${replies} replies of ${tokens} tokens (${tokenDelayMs} ms/token)`,
      },
      { name: "  bot warnings and errors logged", value: p.warnings.length ? p.warnings.join("; ") : "none" },
    ];
  }
}

/** A full garbage collection, also without --expose-gc. */
function collectGarbage(): void {
  if (!global.gc) setFlagsFromString("--expose-gc");
  const gc = global.gc ?? (runInNewContext("gc") as () => void);
  gc();
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((x, y) => x - y);
  return sorted.length ? (sorted[Math.floor((sorted.length - 1) / 2)] as number) : Number.NaN;
}

/** "kind ×n (first detail)" per violation kind, most frequent first. */
function byKind(violations: string[]): string[] {
  const kinds = new Map<string, { n: number; first: string }>();
  for (const v of violations) {
    const [kind = v, ...detail] = v.split(": ");
    const seen = kinds.get(kind);
    if (seen) seen.n++;
    else kinds.set(kind, { n: 1, first: detail.join(": ") });
  }
  return [...kinds]
    .sort((x, y) => y[1].n - x[1].n)
    .map(([kind, { n, first }]) => `${kind} ×${n} (e.g. ${first})`);
}

/** "text ×n" per distinct text, most frequent first. */
function countBy(items: string[]): string[] {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return [...counts].sort((x, y) => y[1] - x[1]).map(([text, n]) => (n > 1 ? `${text} ×${n}` : text));
}
