// Where the published API specs are: $SPECS_DIR, by default ../shared/specs beside the repository.
// CI always has them (.ci/run refuses to start without). A fresh clone may not: then every check
// against them is skipped (the doubles still answer as the services do; a test that only compares
// with the specs is skipped with this reason), and `npm test` says so in one line at the start.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** $SPECS_DIR (default ../shared/specs), relative to the repository root. */
export function specsDir(): string {
  return resolve(REPO_ROOT, process.env.SPECS_DIR ?? "../shared/specs");
}

/** True when the specs folder is there: the doubles validate against it. */
export function specsAvailable(): boolean {
  return existsSync(specsDir());
}

/** A file under the specs folder, e.g. specFile("azure-openai", "2024-10-21", "inference.json"). */
export function specFile(...parts: string[]): string {
  return join(specsDir(), ...parts);
}

/** For node:test's `skip` option: the reason when the specs are absent, else false. */
export function skipWithoutSpecs(): string | false {
  return specsAvailable() ? false : `no published specs at ${specsDir()} (set SPECS_DIR)`;
}
