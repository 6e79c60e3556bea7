// Shared start of `npm start` and `npm run chat`: read `.env` when present (real environment
// variables win), validate the configuration, and stop with a readable message when it is unusable.
import { existsSync } from "node:fs";
import { type Config, ConfigError, loadConfig } from "./config.js";

export function loadConfigOrExit(envFile = ".env"): Config {
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  try {
    return loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\nSee README.md ("Configuration") and .env.example.\n`);
    process.exit(1);
  }
}
