/**
 * Where the first compile of a 1,000-rule policy spends its time in a fresh process (issue 16, "compile cold").
 * Measures only; changes nothing. Runs ROUNDS fresh processes of itself per variant and prints medians as JSON lines:
 *
 *   boot            node + tsx until this file's first line runs
 *   load-library:*  chevrotain, yaml, ajv + ajv-formats, @noble/hashes, one by one (what dsl/ and engine/ import)
 *   load-dsl        dsl/index.js and everything it imports (TypeScript turned to JS by tsx, module bodies run);
 *                   inside it, timed separately: Chevrotain's lexer construction, the parser's performSelfAnalysis
 *                   (grammar recording, resolving, validations, lookahead functions), ajv's compile of the envelope
 *                   schema
 *   load-engine     engine/index.js
 *   first-compile   compilePolicy(1,000 rules), split by a CPU profile into the files its samples fall in
 *   first-evaluator createEvaluator: codegen (source text and `new Function`) and ajv's compile of the request schema
 *   warm-compile    the same compile + evaluator a second time in the same process
 *   ready-since-start, first-evaluator-done-since-start: totals from process start, comparable across variants
 *                   (in the bundled variant the packages load before the first line, inside "boot")
 *
 * Variants: tsx's transform cache warm (the usual case); disabled (TSX_DISABLE_CACHE=1: a first run after a
 * change, or a fresh container); "bundled": this script and our modules bundled by esbuild into one plain .mjs
 * (packages left in node_modules) and run without tsx, i.e. what precompiling our TypeScript would give;
 * "bundled-all": the packages bundled in too (chevrotain's lodash-es is hundreds of small ES modules); and
 * "profiled", which only splits the first compile by file (the profiler slows it: read its shares, not its total).
 * `npm run bench:compile-cold`; ROUNDS=5 by default.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { performance } from "node:perf_hooks";

const ROUNDS = Number(process.env["ROUNDS"] ?? 5);

type Figures = Record<string, number>;

async function probe(): Promise<Figures> {
  const f: Figures = {};
  let mark = performance.now();
  f["boot"] = mark;
  const lap = (name: string): void => {
    const now = performance.now();
    f[name] = (f[name] ?? 0) + now - mark;
    mark = now;
  };

  // `new Function` anywhere (ajv's validators, Precept's evaluator), attributed to the phase that calls it.
  let fnPhase = "other";
  const RealFunction = globalThis.Function;
  globalThis.Function = new Proxy(RealFunction, {
    construct(target, args, newTarget) {
      const t0 = performance.now();
      const fn = Reflect.construct(target, args, newTarget) as object;
      const k = `new-function:${fnPhase}`;
      f[k] = (f[k] ?? 0) + performance.now() - t0;
      return fn;
    },
  });

  const chevrotain = await import("chevrotain");
  lap("load-library:chevrotain");
  await import("yaml");
  lap("load-library:yaml");
  const ajvModule = await import("ajv/dist/2020.js");
  await import("ajv-formats");
  lap("load-library:ajv+ajv-formats");
  await import("@noble/hashes/sha2.js");
  await import("@noble/hashes/utils.js");
  lap("load-library:@noble/hashes");

  // Time Chevrotain's init phases (the hooks its `traceInitPerf` option prints) and every ajv compile.
  const timed = (proto: object, label: string): void => {
    const p = proto as { TRACE_INIT: (desc: string, impl: () => unknown) => unknown };
    const original = p.TRACE_INIT;
    let depth = 0;
    p.TRACE_INIT = function (this: unknown, desc: string, impl: () => unknown) {
      const t0 = performance.now();
      depth++;
      try {
        return original.call(this, desc, impl);
      } finally {
        depth--;
        if (depth <= 1) {
          const k = `${label}:${depth === 0 ? desc : `  ${desc}`}`;
          f[k] = (f[k] ?? 0) + performance.now() - t0;
        }
      }
    };
  };
  timed(chevrotain.CstParser.prototype, "chevrotain-parser");
  timed(chevrotain.Lexer.prototype, "chevrotain-lexer");
  const Ajv = ajvModule.Ajv2020.prototype as unknown as { compile: (s: object) => unknown };
  const compileSchema = Ajv.compile;
  Ajv.compile = function (this: unknown, s: object) {
    const t0 = performance.now();
    const prev = fnPhase;
    fnPhase = "ajv";
    try {
      return compileSchema.call(this, s);
    } finally {
      fnPhase = prev;
      const k = `ajv-compile:${(s as { $id?: string; title?: string }).$id ?? (s as { title?: string }).title ?? "schema"}`;
      f[k] = (f[k] ?? 0) + performance.now() - t0;
    }
  };
  mark = performance.now();

  const { compilePolicy } = await import("../dsl/index.js");
  lap("load-dsl");
  const { createEvaluator } = await import("../engine/index.js");
  const { readFileSync } = await import("node:fs");
  const { referralPolicySource } = await import("./referral-policy.js");
  lap("load-engine");
  f["ready-since-start"] = performance.now();

  const schema = JSON.parse(readFileSync("policies/ihs-chs/request.schema.json", "utf8")) as object;
  const host = { requestSchema: () => schema, parentSource: () => undefined };
  const source = referralPolicySource(1000 - 48);
  const { Session } = await import("node:inspector/promises");
  const session = new Session();
  const profiled = process.env["PROFILE"] === "1";
  if (profiled) {
    session.connect();
    await session.post("Profiler.enable");
    await session.post("Profiler.setSamplingInterval", { interval: 200 });
    await session.post("Profiler.start");
  }
  const t0 = performance.now();
  const { compiled } = compilePolicy(source, host);
  f["first-compile"] = performance.now() - t0;
  if (!compiled) throw new Error("the 1,000-rule policy does not compile");
  if (profiled) profileSplit(f, (await session.post("Profiler.stop")).profile);
  session.disconnect();

  fnPhase = "evaluator";
  const t1 = performance.now();
  createEvaluator(compiled);
  f["first-evaluator"] = performance.now() - t1;
  f["first-evaluator-done-since-start"] = performance.now();
  fnPhase = "other";
  const t2 = performance.now();
  const again = compilePolicy(source, host).compiled!;
  f["warm-compile"] = performance.now() - t2;
  const t3 = performance.now();
  createEvaluator(again);
  f["warm-evaluator"] = performance.now() - t3;
  f["rules"] = compiled.rules.length;
  return f;
}

/** Self time of the first compile's samples by file (packages by name; GC and the like by V8's own label). */
function profileSplit(f: Figures, profile: import("node:inspector").Profiler.Profile): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const dt = profile.timeDeltas ?? [];
  const samples = profile.samples ?? [];
  // The inspector's own `dispatch` (the stop call that hands the profile over) and idle time are not the compile's.
  const notOurs = (i: number): boolean => {
    const { url, functionName } = byId.get(samples[i]!)!.callFrame;
    return !url && (functionName === "dispatch" || functionName === "(idle)");
  };
  let total = 0;
  for (let i = 0; i < samples.length; i++) if (!notOurs(i)) total += dt[i]!;
  for (let i = 0; i < samples.length; i++) {
    if (notOurs(i)) continue;
    const { url, functionName } = byId.get(samples[i]!)!.callFrame;
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    const where = m ? m[1]! : /\/(dsl|engine|bench)\//.test(url) ? url.replace(/^.*?\/(dsl|engine|bench)\//, "$1/") : url ? "node-internal" : functionName || "native";
    const k = `first-compile-profile:${where}`;
    f[k] = (f[k] ?? 0) + (dt[i]! / total) * f["first-compile"]!;
  }
}

if (process.argv.includes("--probe")) {
  const f = await probe();
  process.stdout.write(JSON.stringify(f));
} else {
  const { loadavg } = await import("node:os");
  console.log(JSON.stringify({ bench: "compile-cold", figure: "load-average-1min", value: loadavg()[0], unit: "runnable processes" }));
  const { build } = await import("esbuild");
  mkdirSync("artifacts", { recursive: true });
  const bundle = "artifacts/compile-cold.bundle.mjs";
  const bundleAll = "artifacts/compile-cold.bundle-all.mjs";
  const common: import("esbuild").BuildOptions = { entryPoints: [process.argv[1]!], bundle: true, platform: "node", format: "esm", logLevel: "warning" };
  await build({ ...common, packages: "external", outfile: bundle });
  // Packages too; `require` is provided for the CommonJS ones (ajv) inside an ES module.
  await build({ ...common, external: ["esbuild"], outfile: bundleAll, banner: { js: 'import { createRequire as __cr } from "node:module"; const require = __cr(import.meta.url);' } });
  for (const variant of ["tsx-cache-warm", "tsx-cache-disabled", "bundled", "bundled-all", "profiled"] as const) {
    const env = { ...process.env, ...(variant === "tsx-cache-disabled" ? { TSX_DISABLE_CACHE: "1" } : {}), ...(variant === "profiled" ? { PROFILE: "1" } : {}) };
    const args = variant === "bundled" ? [bundle, "--probe"] : variant === "bundled-all" ? [bundleAll, "--probe"] : ["--import", "tsx", process.argv[1]!, "--probe"];
    spawnSync(process.execPath, args, { env }); // fills tsx's cache (and the OS's file cache)
    const runs: Figures[] = [];
    for (let k = 0; k < ROUNDS; k++) {
      const r = spawnSync(process.execPath, args, { env, encoding: "utf8" });
      if (r.status !== 0) throw new Error(r.stderr);
      runs.push(JSON.parse(r.stdout) as Figures);
    }
    const keys = [...new Set(runs.flatMap((r) => Object.keys(r)))];
    for (const k of keys) {
      const values = runs.map((r) => r[k] ?? 0).sort((a, b) => a - b);
      const median = values[Math.floor(values.length / 2)]!;
      if (k !== "rules" && median < 0.5) continue;
      console.log(JSON.stringify({ bench: "compile-cold", variant, figure: k, value: Math.round(median * 10) / 10, unit: k === "rules" ? "rules" : "ms", median_of: ROUNDS }));
    }
  }
}
