// What Linux says about a process (/proc/<pid>): CPU time used and resident memory, read from outside
// so the process under measurement runs exactly as it would in production.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

let ticksPerSecond: number | undefined;

/** `getconf CLK_TCK`: the unit of utime and stime (normally 100 per second). */
export function clockTicksPerSecond(): number {
  ticksPerSecond ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  return ticksPerSecond;
}

export interface CpuTime {
  /** utime: in user space, all threads (JS, GC helpers, libuv pool). */
  user: number;
  /** stime: in the kernel on the process's behalf (sockets, epoll, memory). */
  system: number;
}

/** utime and stime of `pid` in ms, at clock-tick resolution (10 ms at 100 ticks per second). */
export function cpuTimeMs(pid: number): CpuTime {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) is in parentheses and may hold spaces: count from after it, where
  // field 3 (state) is index 0, so utime (field 14) is index 11 and stime (field 15) index 12.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ms = (ticks: string | undefined) => (Number(ticks) * 1_000) / clockTicksPerSecond();
  return { user: ms(fields[11]), system: ms(fields[12]) };
}

/** VmRSS (resident now) and VmHWM (the peak resident so far) of `pid`, in MiB. */
export function residentMiB(pid: number): { now: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1]);
  return { now: kib("VmRSS") / 1024, peak: kib("VmHWM") / 1024 };
}
