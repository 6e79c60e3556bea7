// `npm start` and `npm run chat` build first when dist/ is missing or older than the sources.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const marker = "dist/src/main.js";
function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}
const sourcesChanged = () =>
  Math.max(
    newest("src"),
    newest("adapters"),
    // The bundle holds the dependencies too: a changed install rebuilds it.
    ...[
      "package.json",
      "package-lock.json",
      "node_modules/.package-lock.json",
      "tsconfig.json",
      "scripts/build.mjs",
    ]
      .filter((file) => existsSync(file))
      .map((file) => statSync(file).mtimeMs),
  ) > statSync(marker).mtimeMs;

if (!existsSync(marker) || sourcesChanged()) {
  process.stderr.write("Building (esbuild)...\n");
  execFileSync(process.execPath, ["scripts/build.mjs"], { stdio: "inherit" });
}
