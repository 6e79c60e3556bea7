// The benchmarks run their test doubles in a child process, so the bot's CPU and memory are its
// own. The parent sends a message and waits for the child's answer of a given type.
import { type ChildProcess, fork } from "node:child_process";

export interface DoublesProcess {
  ask<T>(message: object, replyType: string): Promise<T>;
  send(message: object): void;
}

export function forkDoubles(moduleUrl: URL): DoublesProcess {
  const child: ChildProcess = fork(moduleUrl, { execArgv: ["--import", "tsx"] });
  return {
    ask: <T>(message: object, replyType: string) =>
      new Promise<T>((resolve) => {
        const on = (m: { type: string }) => {
          if (m.type !== replyType) return;
          child.off("message", on);
          resolve(m as T);
        };
        child.on("message", on);
        child.send(message);
      }),
    send: (message) => child.send(message),
  };
}
