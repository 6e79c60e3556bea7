// `npm run build`: what `npm start`, `npm run chat` and the image run. esbuild bundles each entry with
// its dependencies into dist/ (dist/src/main.js, dist/adapters/console/main.js), minified; what an
// entry imports only on demand (one platform's adapter, the search SDK, @azure/identity) stays in
// chunks of its own under dist/chunks/, loaded when used. Why a bundle: V8 keeps the source text of
// every module it loads, and botbuilder's tree alone is megabytes of it; minified and shaken, the
// bot at rest is about 25 MiB smaller (README, Benchmarks). Types are checked by `npm run typecheck`.
import { rm } from "node:fs/promises";
import { build } from "esbuild";

await rm("dist", { recursive: true, force: true });
await build({
  entryPoints: ["src/main.ts", "adapters/console/main.ts"],
  outbase: ".",
  outdir: "dist",
  entryNames: "[dir]/[name]",
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  platform: "node",
  format: "esm",
  target: "node22",
  minify: true,
  // Error classes and functions keep their names: logs and `err.name` read the same as from source.
  keepNames: true,
  // Maps beside the chunks, for `NODE_OPTIONS=--enable-source-maps` (read only with that flag).
  sourcemap: "linked",
  // CommonJS dependencies inside an ES module bundle: `require` of Node's modules, and their own paths.
  banner: {
    js: "import{createRequire as __bundleRequire}from'node:module';const require=__bundleRequire(import.meta.url);",
  },
  define: { __dirname: "import.meta.dirname", __filename: "import.meta.filename" },
  // whatwg-url (under botframework-connector's node-fetch) requires Node's deprecated `punycode`, which
  // warns when its caller is not in node_modules: the npm package of the same code is bundled instead.
  alias: { punycode: "punycode/punycode.js" },
  logLevel: "warning",
});
