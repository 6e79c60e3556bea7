// `npm run chat`: a terminal conversation on the same engine and store as the chat platforms.
// With REDIS_URL set, the conversation is remembered across restarts.
import { userInfo } from "node:os";
import { createInterface } from "node:readline";
import { createCore } from "../../src/app.js";
import { describeConfig } from "../../src/config.js";
import { createLogger } from "../../src/log.js";
import { loadConfigOrExit } from "../../src/startup.js";
import { encodeThreadKey } from "../../src/store/keys.js";
import { ConsoleSink } from "./console-sink.js";

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  // Logs go to stderr at warn and above so they do not interleave with the conversation.
  const logger = createLogger(process.env.LOG_LEVEL ? config.logLevel : "warn", process.stderr);
  const core = await createCore(config, logger);
  const user = userInfo().username || "local";
  const threadKey = encodeThreadKey({ platform: "console", tenant: "local", channel: user, thread: "main" });
  const info = describeConfig(config);
  process.stdout.write(
    `Chatting with ${String(info.models)} via ${String(info.endpoint)} (${String(info.auth)}; ${core.store.kind} store${
      core.store.kind === "memory" ? ": not remembered after exit" : ""
    }).\nType \`help\` for commands, \`exit\` to leave.\n\n`,
  );

  // The async iterator buffers lines, so piped input is not lost while an answer streams.
  const rl = createInterface({ input: process.stdin, terminal: false });
  let turn = 0;
  const prompt = () => process.stdout.write("you> ");
  try {
    prompt();
    for await (const line of rl) {
      const text = line.trim();
      if (text === "exit" || text === "quit") break;
      if (text !== "") {
        process.stdout.write("bot> ");
        await core.engine.handle(
          {
            id: `console-${Date.now()}-${turn++}`,
            platform: "console",
            threadKey,
            conversationScope: `console:local:${user}`,
            workspaceScope: "console:local",
            userId: user,
            text,
            rights: async () => ({ conversation: true, workspace: true }),
          },
          new ConsoleSink(),
        );
      }
      prompt();
    }
    process.stdout.write("\n");
  } finally {
    rl.close();
    core.dependencies.stop();
    await core.engine.drain(config.shutdownTimeoutMs);
    await core.store.close();
  }
}

await main();
