/**
 * (Node only) A worker thread's task bundled into one plain ES module by esbuild (which tsx already brings), so a
 * thread starts in about 0.2 s instead of the second tsx takes to load TypeScript. Built once per process from the
 * current sources into a content-addressed file in the temp folder; bundles of older sources unused for a day are
 * removed. Undefined when esbuild is not there or the build fails: the caller falls back to its tsx entry.
 * Used by the simulation pool (engine/simulate/run.ts), the compile pool (server/compile-pool.ts) and the analysis
 * pool (server/analysis-pool.ts).
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const DAY_MS = 86_400_000;

/**
 * `keep`: packages left out of the bundle and imported from where they are installed (by absolute file URL, since
 * the bundle lives in the temp folder), for those that load files next to their own code (z3-solver's WebAssembly).
 */
export async function bundleWorker(entry: URL, prefix: string, keep: readonly string[] = []): Promise<string | undefined> {
  try {
    const resolveFrom = createRequire(entry);
    const kept = new Set(keep);
    const esbuild = (await import("esbuild" as string)) as {
      build(o: Record<string, unknown>): Promise<{ outputFiles: { text: string }[] }>;
    };
    const r = await esbuild.build({
      entryPoints: [fileURLToPath(entry)],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      write: false,
      logLevel: "silent",
      plugins: [
        {
          name: "keep-installed",
          setup(b: { onResolve(o: { filter: RegExp }, f: (a: { path: string }) => { path: string; external: boolean } | undefined): void }) {
            b.onResolve({ filter: /^[^./]/ }, (a) => (kept.has(a.path) ? { path: pathToFileURL(resolveFrom.resolve(a.path)).href, external: true } : undefined));
          },
        },
      ],
      // Bundled CommonJS dependencies (ajv) call require: give the ES module one.
      banner: { js: "import { createRequire as __preceptRequire } from 'node:module'; const require = __preceptRequire(import.meta.url);" },
    });
    const code = r.outputFiles[0]!.text;
    const file = join(tmpdir(), `${prefix}-${createHash("sha256").update(code).digest("hex").slice(0, 16)}.mjs`);
    if (!existsSync(file)) {
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, code);
      renameSync(tmp, file);
      for (const f of readdirSync(tmpdir())) {
        if (!f.startsWith(`${prefix}-`) || join(tmpdir(), f) === file) continue;
        try {
          if (Date.now() - statSync(join(tmpdir(), f)).mtimeMs > DAY_MS) rmSync(join(tmpdir(), f), { force: true });
        } catch {
          /* another process removed it */
        }
      }
    }
    return pathToFileURL(file).href;
  } catch {
    return undefined;
  }
}

/** This process's flags minus a tsx loader: a bundle needs none, and a tsx entry registers it itself. */
export function execArgvWithoutTsx(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if ((a === "--import" || a === "--loader" || a === "--require" || a === "-r") && /(^|\/)tsx(\/|$)/.test(argv[i + 1] ?? "")) {
      i++;
      continue;
    }
    if (/^--(import|loader|require)=.*tsx/.test(a)) continue;
    out.push(a);
  }
  return out;
}
