// Reads `.env` from the working directory when there is one; real environment variables win.
import { existsSync } from "node:fs";

export function loadEnvFile(path = ".env"): boolean {
  if (!existsSync(path)) return false;
  process.loadEnvFile(path);
  return true;
}
