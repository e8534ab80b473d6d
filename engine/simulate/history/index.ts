/**
 * (Node only) The shipped synthetic histories: one descriptor per set under `policies/<program>/history/*.json`
 * (id, generator, seed, parameter overrides, expected count and SHA-256), generated on demand into the data dir
 * and cached there. The generated files are not committed: 110,538 TARs are 37 MB of NDJSON that regenerate
 * byte for byte in about a second and a half from 1 KB of descriptor and the generator code; the descriptor's
 * sha256 (checked by test/simulation/history.test.ts) is what proves the regenerated file is the same one.
 *
 * The generators are not here: each lives beside its program (program.yaml `generator`, e.g. history/generator.ts)
 * and is loaded with a dynamic import, so a new program brings its own history without a change to this folder,
 * which keeps only the registry and the shared helpers (prng.ts, calendar.ts).
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { SetWriter, metaPath, setExists, type SetFileMeta } from "../set-file.js";
import type { ProgramProfile } from "../profile.js";
import { requestDate } from "../profile.js";
import { readManifest } from "../../program-manifest-files.js";
import type { HistoryGenerator } from "./generator.js";

export type { HistoryGenerator } from "./generator.js";
export { defineGenerator } from "./generator.js";

const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));
/** The shared helpers every generator draws on: part of each cache key. */
const COMMON = [here("./prng.ts"), here("./calendar.ts")];

export interface HistoryDescriptor {
  readonly id: string;
  readonly program: string;
  readonly title: string;
  readonly description?: string;
  readonly invented: boolean;
  /** The program manifest's `generator`: a module path relative to the program's folder. */
  readonly generator: string;
  /** That module, resolved. */
  readonly generatorFile: string;
  readonly seed: number;
  /** Overrides of the generator's defaults (merged one level deep). */
  readonly params?: Readonly<Record<string, unknown>>;
  readonly count: number;
  readonly from: string;
  readonly to: string;
  /** SHA-256 of the generated NDJSON: the set is reproducible when regenerating gives these bytes. */
  readonly sha256?: string;
  /** Defaults a simulation of this set uses (e.g. fund control). */
  readonly simulation?: Readonly<Record<string, unknown>>;
  /** The descriptor file. */
  readonly file?: string;
}

/** The generator module a program folder's manifest names, checked to stay inside that folder. */
function generatorFileOf(programDir: string, generator: string, descriptor: string): string {
  const file = resolve(programDir, generator);
  const rel = relative(resolve(programDir), file);
  if (rel.startsWith("..") || rel.startsWith(sep)) throw new Error(`${descriptor}: generator \`${generator}\` is outside its program folder`);
  if (!existsSync(file)) throw new Error(`${descriptor}: generator \`${generator}\` (named by program.yaml) does not exist`);
  return file;
}

/**
 * Every descriptor under `policiesDir/<program>/history/`. Its generator is the module its program's manifest
 * names (program.yaml `generator`); a descriptor may name it too, and then the two must agree.
 */
export function readDescriptors(policiesDir: string): HistoryDescriptor[] {
  const out: HistoryDescriptor[] = [];
  if (!existsSync(policiesDir)) return out;
  for (const program of readdirSync(policiesDir).sort()) {
    const programDir = join(policiesDir, program);
    const dir = join(programDir, "history");
    if (!existsSync(dir) || !statSync(dir).isDirectory()) continue;
    for (const f of readdirSync(dir).filter((x) => x.endsWith(".json")).sort()) {
      const file = join(dir, f);
      const d = JSON.parse(readFileSync(file, "utf8")) as Omit<HistoryDescriptor, "generator" | "generatorFile"> & { generator?: string };
      const named = readManifest(programDir)?.generator;
      if (d.generator !== undefined && named !== undefined && d.generator !== named) {
        throw new Error(`${file}: generator \`${d.generator}\` is not the one ${program}/program.yaml names (\`${named}\`)`);
      }
      const generator = d.generator ?? named;
      if (generator === undefined) throw new Error(`${file}: no generator (program.yaml names none)`);
      out.push({ ...d, generator, generatorFile: generatorFileOf(programDir, generator, file), file });
    }
  }
  return out;
}

const loaded = new Map<string, Promise<HistoryGenerator>>();

/** The generator module (loaded once per process), checked to export what a generator must. */
export function loadGenerator(file: string): Promise<HistoryGenerator> {
  let p = loaded.get(file);
  if (!p) {
    p = import(pathToFileURL(file).href).then((m: { default?: Partial<HistoryGenerator> }) => {
      const g = m.default;
      if (!g || typeof g.generate !== "function" || !g.defaults || typeof g.defaults !== "object") {
        throw new Error(`${file}: a history generator's default export is defineGenerator({ defaults, generate })`);
      }
      return g as HistoryGenerator;
    });
    p.catch(() => loaded.delete(file));
    loaded.set(file, p);
  }
  return p;
}

/** The generator's parameters for a descriptor: defaults, then the descriptor's overrides (one level deep). */
export async function descriptorParams(d: Pick<HistoryDescriptor, "generatorFile" | "params">): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = { ...((await loadGenerator(d.generatorFile)).defaults as Record<string, unknown>) };
  for (const [k, v] of Object.entries(d.params ?? {})) {
    const base = out[k];
    out[k] = v && typeof v === "object" && !Array.isArray(v) && base && typeof base === "object" && !Array.isArray(base) ? { ...base, ...v } : v;
  }
  return out;
}

/** The requests of a descriptor, in order. */
export async function generateRequests(d: Pick<HistoryDescriptor, "generatorFile" | "params" | "seed">): Promise<Iterable<Record<string, unknown>>> {
  const g = await loadGenerator(d.generatorFile);
  return g.generate(await descriptorParams(d), d.seed);
}

/** A generator's source files: the modules in its folder (it may split itself up) and the shared helpers. */
function sourcesOf(generatorFile: string): string[] {
  const dir = dirname(generatorFile);
  const own = readdirSync(dir).filter((f) => /\.(ts|mts|js|mjs)$/.test(f)).sort().map((f) => join(dir, f));
  return [...own, ...COMMON];
}

/**
 * Cache key: generator, seed, the descriptor's overrides and the generators' source text (which holds the
 * defaults), so a change to any of them regenerates. Synchronous: it reads files, it does not load the module.
 */
export function cacheKey(d: HistoryDescriptor): string {
  const h = createHash("sha256").update(JSON.stringify([d.generator, d.seed, d.params ?? {}]));
  for (const f of sourcesOf(d.generatorFile)) h.update(readFileSync(f));
  return h.digest("hex").slice(0, 12);
}

/** Older generations of a set (another seed, parameters or generator code) are of no more use. */
function pruneOlder(cacheDir: string, setId: string, keep: string): void {
  for (const f of readdirSync(cacheDir)) {
    if (f.startsWith(`${setId}.`) && !f.startsWith(`${keep}.`)) rmSync(join(cacheDir, f), { force: true });
  }
}

export interface MaterializeOptions {
  readonly onProgress?: (fraction: number) => void;
  readonly signal?: AbortSignal;
}

/**
 * The set's file in `cacheDir`, generated unless an up-to-date copy is there. Yields to the event loop every few
 * thousand requests so that a server stays responsive while it generates.
 */
export async function materialize(d: HistoryDescriptor, cacheDir: string, profile: ProgramProfile, opts: MaterializeOptions = {}): Promise<SetFileMeta> {
  const id = `${d.id}.${cacheKey(d)}`;
  const mp = metaPath(cacheDir, id);
  if (existsSync(mp)) {
    try {
      const meta = JSON.parse(readFileSync(mp, "utf8")) as SetFileMeta;
      if (setExists(cacheDir, meta)) {
        pruneOlder(cacheDir, d.id, id);
        return meta;
      }
    } catch {
      /* regenerate */
    }
  }
  const writer = new SetWriter(cacheDir, id);
  try {
    let n = 0;
    for (const r of await generateRequests(d)) {
      writer.add(JSON.stringify(r), requestDate(profile, r));
      if (++n % 5000 === 0) {
        if (opts.signal?.aborted) throw new Error("cancelled");
        opts.onProgress?.(Math.min(1, n / d.count));
        await new Promise<void>((r2) => setImmediate(r2));
      }
    }
    const meta = writer.commit({
      program: d.program,
      name: d.title,
      ...(d.description ? { description: d.description } : {}),
      source: "synthetic",
      invented: d.invented,
      extra: { descriptor: d.id, generator: d.generator, seed: d.seed, cacheKey: cacheKey(d) },
    });
    opts.onProgress?.(1);
    pruneOlder(cacheDir, d.id, id);
    return meta;
  } catch (e) {
    writer.abort();
    throw e;
  }
}
