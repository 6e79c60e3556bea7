// `npm run bench`: prints the benchmark tables. Needs Redis on 127.0.0.1:6379 (BENCH_REDIS_URL).
import { cpus } from "node:os";
import { benchCore } from "./core.js";
import { printTable } from "./stats.js";

process.stdout.write(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}\n`);
printTable("Core (engine, store, tokenizer)", await benchCore());
process.exit(0);
