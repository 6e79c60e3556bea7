// A full garbage collection on demand, also when node was started without --expose-gc.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

export function collectGarbage(): void {
  if (!global.gc) setFlagsFromString("--expose-gc");
  const gc = global.gc ?? (runInNewContext("gc") as () => void);
  gc();
}
