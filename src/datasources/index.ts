// Named "On Your Data" sources: loaded and validated at start (load.ts) against the api-version's
// schema (schema-2024-10-21.ts, validate.ts).
export {
  DATA_SOURCE_ENV,
  DataSourceConfigError,
  type DataSourceDefinition,
  type LoadDataSourcesOptions,
  loadDataSources,
} from "./load.js";
export { SCHEMA_API_VERSION } from "./schema-2024-10-21.js";
export { type ValidationMode, validateDataSourceConfiguration, validationModeFor } from "./validate.js";
