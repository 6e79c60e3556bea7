// A redis-server of a test's own on a free port, so killing and restarting it disturbs no other
// test. Stopped with SIGKILL: a crash, not a clean shutdown.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

const START_WITHIN_MS = 5_000;

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  await once(server, "close");
  assert.ok(address && typeof address === "object");
  return address.port;
}

export interface PrivateRedis {
  port: number;
  url: string;
  /** Kills the server (SIGKILL); its data is gone (no persistence). */
  kill(): Promise<void>;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
}

export async function startPrivateRedis(extraArgs: string[] = []): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    const started = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", ...extraArgs],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let output = "";
    started.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const deadline = Date.now() + START_WITHIN_MS;
    while (!output.includes("Ready to accept connections")) {
      if (started.exitCode !== null || Date.now() > deadline)
        assert.fail(`redis-server did not start: ${output}`);
      await sleep(10);
    }
    started.stdout?.removeAllListeners("data");
    started.stdout?.resume();
    child = started;
  };
  await start();
  const kill = async () => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, "exit");
    running.kill("SIGKILL");
    await exited;
  };
  return { port, url: `redis://127.0.0.1:${port}`, kill, restart: start };
}
