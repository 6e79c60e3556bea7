// Percentiles and the printed table of `npm run bench`.

export interface Row {
  name: string;
  /** Either latency samples summarized as p50/p95/p99, or a free-form figure. */
  p50?: number;
  p95?: number;
  p99?: number;
  n?: number;
  value?: string;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

export function summarize(name: string, samplesMs: number[]): Row {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return {
    name,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    n: sorted.length,
  };
}

export function printTable(title: string, rows: Row[]): void {
  const width = Math.max(...rows.map((r) => r.name.length), 10);
  const columns = ["p50 ms", "p95 ms", "p99 ms"].map((c) => c.padStart(9)).join("  ");
  process.stdout.write(`\n${title}\n`);
  process.stdout.write(`${"".padEnd(width)}  ${columns}  ${"n".padStart(6)}\n`);
  for (const r of rows) {
    if (r.value !== undefined) {
      process.stdout.write(`${r.name.padEnd(width)}  ${r.value}\n`);
    } else {
      const figures = [r.p50, r.p95, r.p99].map((ms) => fmt(ms).padStart(9)).join("  ");
      process.stdout.write(`${r.name.padEnd(width)}  ${figures}  ${String(r.n).padStart(6)}\n`);
    }
  }
}

function fmt(ms: number | undefined): string {
  if (ms === undefined || Number.isNaN(ms)) return "-";
  return ms < 10 ? ms.toFixed(3) : ms.toFixed(1);
}
