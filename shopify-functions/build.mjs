// Bundle each function as `shopify app function build` does before it compiles to WebAssembly:
// an entry per target imports the target's export from the extension's src/index.js ("user-function")
// and hands it to @shopify/shopify_function's `run`, and esbuild bundles that to dist/function.js.
// The last step of the real build, Javy compiling dist/function.js to dist/function.wasm, needs the
// Javy binary that Shopify CLI downloads from GitHub at build time; it is not on a package registry,
// so it runs in `shopify app deploy`, not here.
//
// `node build.mjs` bundles both; `node build.mjs --run <extension> <input.json>` then runs the bundle
// with a stand-in for the ShopifyFunction I/O object and prints the output.
import { build } from "esbuild";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = dirname(fileURLToPath(import.meta.url));
export const EXTENSIONS = ["checkout-validation", "payment-customization"];

/** The `export` names of the extension's targets, from its shopify.extension.toml. */
export function targetExports(extension) {
  const toml = readFileSync(join(ROOT, extension, "shopify.extension.toml"), "utf8");
  return [...toml.matchAll(/^\s*export\s*=\s*"([^"]+)"/gm)].map((m) => m[1]);
}

const camel = (name) => name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());

export async function bundle(extension) {
  const exports = targetExports(extension).map(camel);
  const entry = [
    'import __runFunction from "@shopify/shopify_function/run";',
    ...exports.map((name) => `import { ${name} as __${name} } from "user-function";`),
    ...exports.map((name) => `export function ${name}() { return __runFunction(__${name}); }`),
  ].join("\n");
  const outfile = join(ROOT, extension, "dist", "function.js");
  mkdirSync(dirname(outfile), { recursive: true });
  await build({
    stdin: { contents: entry, resolveDir: join(ROOT, extension), loader: "js" },
    bundle: true,
    format: "esm",
    target: "es2022",
    alias: { "user-function": join(ROOT, extension, "src", "index.js") },
    outfile,
    logLevel: "error",
  });
  return { outfile, exports };
}

async function runBundled(extension, inputPath) {
  const { outfile, exports } = await bundle(extension);
  const input = JSON.parse(readFileSync(inputPath, "utf8"));
  let output = null;
  globalThis.ShopifyFunction = { readInput: () => input, writeOutput: (value) => (output = value) };
  const module = await import(pathToFileURL(outfile).href);
  module[exports[0]]();
  return output;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === "--run") {
    const output = await runBundled(process.argv[3], process.argv[4]);
    process.stdout.write(JSON.stringify(output));
  } else {
    for (const extension of EXTENSIONS) {
      const { outfile } = await bundle(extension);
      writeFileSync(1, `${outfile}\n`);
    }
  }
}
