/**
 * (Node only) The shipped synthetic histories: one descriptor per set under `policies/<program>/history/*.json`
 * (id, generator, seed, parameter overrides, expected count and SHA-256), generated on demand into the data dir
 * and cached there. The generated files are not committed: 110,538 TARs are 37 MB of NDJSON that regenerate
 * byte for byte in about a second and a half from 1 KB of descriptor and the generator code; the descriptor's
 * sha256 (checked by test/simulation/history.test.ts) is what proves the regenerated file is the same one.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SetWriter, metaPath, setExists, type SetFileMeta } from "../set-file.js";
import type { ProgramProfile } from "../profile.js";
import { requestDate } from "../profile.js";
import { readManifest } from "../../program-manifest-files.js";
import { generateIceTar, ICE_TAR_DEFAULTS } from "./ice-tar.js";
import { generateIhsChs, IHS_CHS_DEFAULTS } from "./ihs-chs.js";
import { generateUsmsClaims, USMS_CLAIM_DEFAULTS } from "./usms-claim.js";

type Gen = (params: any, seed: number) => Iterable<Record<string, unknown>>;

interface GeneratorSpec {
  readonly defaults: object;
  readonly generate: Gen;
  /** Source files whose text is part of the cache key (a code change regenerates). */
  readonly sources: readonly string[];
}

const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));
const COMMON = [here("../prng.ts"), here("./calendar.ts")];

export const GENERATORS: Readonly<Record<string, GeneratorSpec>> = {
  "ice-tar-tars": { defaults: ICE_TAR_DEFAULTS, generate: (p, s) => generateIceTar(p, s), sources: [here("./ice-tar.ts"), ...COMMON] },
  "ihs-chs-referrals": { defaults: IHS_CHS_DEFAULTS, generate: (p, s) => generateIhsChs(p, s), sources: [here("./ihs-chs.ts"), ...COMMON] },
  "usms-claims": { defaults: USMS_CLAIM_DEFAULTS, generate: (p, s) => generateUsmsClaims(p, s), sources: [here("./usms-claim.ts"), ...COMMON] },
};

export interface HistoryDescriptor {
  readonly id: string;
  readonly program: string;
  readonly title: string;
  readonly description?: string;
  readonly invented: boolean;
  readonly generator: string;
  readonly seed: number;
  /** Overrides of the generator's defaults (merged one level deep). */
  readonly params?: Readonly<Record<string, unknown>>;
  readonly count: number;
  readonly from: string;
  readonly to: string;
  /** SHA-256 of the generated NDJSON: the set is reproducible when regenerating gives these bytes. */
  readonly sha256?: string;
  /** Defaults a simulation of this set uses (e.g. ihs-chs fund control). */
  readonly simulation?: Readonly<Record<string, unknown>>;
  /** The descriptor file. */
  readonly file?: string;
}

/**
 * Every descriptor under `policiesDir/<program>/history/`. Its generator is the one its program's manifest names
 * (program.yaml `generator`); a descriptor may name it too, and then the two must agree.
 */
export function readDescriptors(policiesDir: string): HistoryDescriptor[] {
  const out: HistoryDescriptor[] = [];
  if (!existsSync(policiesDir)) return out;
  for (const program of readdirSync(policiesDir).sort()) {
    const dir = join(policiesDir, program, "history");
    if (!existsSync(dir) || !statSync(dir).isDirectory()) continue;
    for (const f of readdirSync(dir).filter((x) => x.endsWith(".json")).sort()) {
      const file = join(dir, f);
      const d = JSON.parse(readFileSync(file, "utf8")) as Omit<HistoryDescriptor, "generator"> & { generator?: string };
      const named = readManifest(join(policiesDir, program))?.generator;
      if (d.generator !== undefined && named !== undefined && d.generator !== named) {
        throw new Error(`${file}: generator \`${d.generator}\` is not the one ${program}/program.yaml names (\`${named}\`)`);
      }
      const generator = d.generator ?? named;
      if (generator === undefined) throw new Error(`${file}: no generator (program.yaml names none)`);
      if (!GENERATORS[generator]) throw new Error(`${file}: unknown generator \`${generator}\``);
      out.push({ ...d, generator, file });
    }
  }
  return out;
}

/** The generator's parameters for a descriptor: defaults, then the descriptor's overrides (one level deep). */
export function descriptorParams(d: Pick<HistoryDescriptor, "generator" | "params">): Record<string, unknown> {
  const spec = GENERATORS[d.generator]!;
  const out: Record<string, unknown> = { ...(spec.defaults as Record<string, unknown>) };
  for (const [k, v] of Object.entries(d.params ?? {})) {
    const base = out[k];
    out[k] = v && typeof v === "object" && !Array.isArray(v) && base && typeof base === "object" && !Array.isArray(base) ? { ...base, ...v } : v;
  }
  return out;
}

/** The requests of a descriptor, in order. */
export function generateRequests(d: Pick<HistoryDescriptor, "generator" | "params" | "seed">): Iterable<Record<string, unknown>> {
  return GENERATORS[d.generator]!.generate(descriptorParams(d), d.seed);
}

/** Cache key: generator, seed, parameters and the generators' source text. */
export function cacheKey(d: HistoryDescriptor): string {
  const spec = GENERATORS[d.generator]!;
  const h = createHash("sha256").update(JSON.stringify([d.generator, d.seed, descriptorParams(d)]));
  for (const f of spec.sources) h.update(existsSync(f) ? readFileSync(f) : f);
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
    for (const r of generateRequests(d)) {
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
