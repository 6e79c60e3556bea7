// `npm test` runs this first: one line when the published specs are absent, so a run that skipped
// the spec checks says so (a fresh clone has no ../shared; CI always has it and .ci/run refuses
// to start without it).
import { specsAvailable, specsDir } from "../test/doubles/specs-dir.js";

if (!specsAvailable()) {
  console.log(
    `spec checks skipped: no published specs at ${specsDir()}; set SPECS_DIR to their folder to run them`,
  );
}
