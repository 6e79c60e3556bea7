// `npm run build`: what `npm start`, `npm run chat` and the image run. esbuild bundles each entry with
// its dependencies into dist/ (dist/src/main.js, dist/adapters/console/main.js), minified; what an
// entry imports only on demand (one platform's adapter, the search SDK, @azure/identity) stays in
// chunks of its own under dist/chunks/, loaded when used. Why a bundle: V8 keeps the source text of
// every module it loads; minified and shaken, the bot is 3-5 MiB smaller than as tsc's output
// (README, Benchmarks). Types are checked by `npm run typecheck`.
//
// Not bundlable as they are, so not used: pino transports (they start a worker from a file next to
// the package), anything that reads files next to its own module. The tokenizer's rank file is read
// from node_modules at run time (src/engine/tokens.ts), which is why the image keeps them.
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const outdir = join(root, "dist");

const result = await build({
  absWorkingDir: root,
  entryPoints: ["src/main.ts", "adapters/console/main.ts"],
  outbase: ".",
  outdir,
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
  // Maps beside the chunks, for `NODE_OPTIONS=--enable-source-maps` (read only with that flag). They
  // hold positions only: no source text goes into dist/ or the image.
  sourcemap: "linked",
  sourcesContent: false,
  // CommonJS dependencies inside an ES module bundle: `require` of Node's modules, and their own paths.
  banner: {
    js: "import{createRequire as __bundleRequire}from'node:module';const require=__bundleRequire(import.meta.url);",
  },
  define: { __dirname: "import.meta.dirname", __filename: "import.meta.filename" },
  // whatwg-url (under botframework-connector's node-fetch) requires Node's deprecated `punycode`, which
  // warns when its caller is not in node_modules: the npm package of the same code is bundled instead.
  alias: { punycode: "punycode/punycode.js" },
  metafile: true,
  logLevel: "warning",
});

// dist/ is written in place, not emptied first: a bot started from the previous build keeps what it
// loaded. Files this build did not write (chunks of earlier builds, tsc's output) are removed.
const written = new Set(Object.keys(result.metafile.outputs).map((path) => join(root, path)));
const entries = await readdir(outdir, { recursive: true, withFileTypes: true });
for (const entry of entries) {
  const path = join(entry.parentPath, entry.name);
  if (entry.isFile() && !written.has(path)) await rm(path);
}
// Deepest folders first, so a folder left with only empty folders goes too.
const folders = entries.filter((e) => e.isDirectory()).map((e) => join(e.parentPath, e.name));
for (const folder of folders.sort((a, b) => b.length - a.length)) {
  if ((await readdir(folder)).length === 0) await rm(folder, { recursive: true });
}
