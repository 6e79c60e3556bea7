// A newcomer's first run: the repository cloned into a folder with no ../shared beside it (so no
// published specs) must still pass its tests, skipping only the spec checks, and say so. A
// representative subset runs in the clone: the Slack and Azure OpenAI doubles without their docs,
// the spec-only suites (skipped), and the bot answering a Slack mention through the doubles.
// The clone is of the last commit (uncommitted changes are not in it), as CI's clean clone is.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../", import.meta.url));
const SUBSET = [
  "test/doubles-slack/spec-checks.test.ts",
  "test/doubles-slack/web-api-double.test.ts",
  "test/llm/azure-openai-double.test.ts",
  "test/datasources/spec-drift.test.ts",
  "test/adapters/slack/manifest.test.ts",
  "test/adapters/slack/streaming.test.ts",
];

/** Without SPECS_DIR, whatever the outer run was given. */
function envWithoutSpecs(): NodeJS.ProcessEnv {
  const { SPECS_DIR: _specs, NODE_TEST_CONTEXT: _context, ...env } = process.env;
  return env;
}

describe("a fresh clone without ../shared", {
  skip: !existsSync(join(ROOT, ".git")) && "not a git checkout",
}, () => {
  let parent: string;
  let clone: string;

  before(async () => {
    parent = await mkdtemp(join(tmpdir(), "fresh-clone-"));
    clone = join(parent, "repo");
    await run("git", ["clone", "--quiet", "--no-hardlinks", ROOT, clone]);
    // The locked dependencies, as `npm install` would put them (installing again would only cost time).
    await symlink(join(ROOT, "node_modules"), join(clone, "node_modules"), "dir");
  });
  after(() => rm(parent, { recursive: true, force: true }));

  it("says in one line that the spec checks are skipped and how to enable them", async () => {
    const { stdout } = await run(process.execPath, ["--import", "tsx", "scripts/specs-notice.ts"], {
      cwd: clone,
      env: envWithoutSpecs(),
    });
    assert.equal(stdout.trim().split("\n").length, 1, stdout);
    assert.match(stdout, /^spec checks skipped: no published specs at .*shared\/specs; set SPECS_DIR/);
  });

  it("passes the subset, with the spec-only tests skipped and the rest run", async () => {
    const args = ["--import", "tsx", "--test", "--test-concurrency=2", "--test-timeout=60000", ...SUBSET];
    const result = await run(process.execPath, args, {
      cwd: clone,
      env: envWithoutSpecs(),
      maxBuffer: 64 * 1024 * 1024,
    }).catch((err: { stdout?: string; code?: number }) => ({ stdout: err.stdout ?? "", code: err.code }));
    const count = (name: string) => Number(new RegExp(`^ℹ ${name} (\\d+)$`, "m").exec(result.stdout)?.[1]);
    assert.equal(count("fail"), 0, result.stdout.slice(-4000));
    assert.ok(count("skipped") >= 10, `the spec checks were skipped (${count("skipped")})`);
    assert.ok(count("pass") >= 50, `the rest ran (${count("pass")} passed)`);
  });
});
