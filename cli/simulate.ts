/**
 * `precept simulate`: replay a request set through a baseline and a candidate version and print what would change.
 *
 *   precept simulate --program ice-tar --baseline 2005.1 --candidate 2010.1
 *       [--set ID|FILE]            a named set (default: the program's shipped history) or an NDJSON/JSON/CSV file
 *       [--format ndjson|json|csv] of --set FILE (default: from its extension)
 *       [--on-error skip|fail]     bad rows of --set FILE: leave them out (listed) or stop (default: fail)
 *       [--candidate FILE.policy]  a draft instead of a published version
 *       [--param name=value]…      candidate parameter overrides; --baseline-param for the baseline
 *       [--review pend,…]          outcomes counted as manual review (default: the program's)
 *       [--fund FILE.json]         ihs-chs fund-control figures (default: the set's); --no-fund to leave it out
 *       [--json out.json]          the full report
 *       [--csv changed.csv]        every changed request, one row each
 *       [--threads N] [--data DIR] [--policies DIR] [--quiet]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, extname, join, resolve } from "node:path";
import cliProgress from "cli-progress";
import { compilePolicy } from "../dsl/index.js";
import { AppError } from "../engine/errors.js";
import { createEvaluator } from "../engine/index.js";
import { loadPolicyDir, nodePolicyHost } from "../engine/policy-files.js";
import { manifestsIn } from "../engine/program-manifest-files.js";
import {
  prepareSimulation, profileFor, RequestSetCatalog, runSimulation, SimulationCancelled, SimulationError,
  type FundControlParams, type ImportFormat, type PolicySource, type SimulationReport,
} from "../engine/simulate/index.js";

const USAGE = `usage: precept simulate --program P --baseline V --candidate V|FILE.policy [--set ID|FILE] [--format ndjson|json|csv]
         [--on-error skip|fail] [--param name=value]… [--baseline-param name=value]… [--review OUTCOME,…]
         [--fund FILE.json | --no-fund] [--json OUT.json] [--csv CHANGED.csv] [--threads N] [--data DIR] [--policies DIR] [--quiet]`;

class Usage extends Error {}

interface Args {
  program?: string;
  baseline?: string;
  candidate?: string;
  set?: string;
  format?: string;
  onError?: string;
  params: Record<string, string>;
  baselineParams: Record<string, string>;
  review?: string[];
  fund?: string;
  noFund: boolean;
  json?: string;
  csv?: string;
  threads?: number;
  data: string;
  policies: string;
  quiet: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { params: {}, baselineParams: {}, noFund: false, data: process.env.PRECEPT_DATA_DIR ?? "data", policies: process.env.PRECEPT_POLICIES_DIR ?? "policies", quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const [name, inline] = flag.includes("=") && flag.startsWith("--") ? [flag.slice(0, flag.indexOf("=")), flag.slice(flag.indexOf("=") + 1)] : [flag, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || (inline === undefined && v.startsWith("--"))) throw new Usage(`${name} needs a value`);
      return v;
    };
    const kv = (into: Record<string, string>): void => {
      const v = value();
      const eq = v.indexOf("=");
      if (eq < 1) throw new Usage(`${name} takes name=value, not \`${v}\``);
      into[v.slice(0, eq)] = v.slice(eq + 1);
    };
    switch (name) {
      case "--program": a.program = value(); break;
      case "--baseline": a.baseline = value(); break;
      case "--candidate": a.candidate = value(); break;
      case "--set": a.set = value(); break;
      case "--format": a.format = value(); break;
      case "--on-error": a.onError = value(); break;
      case "--param": kv(a.params); break;
      case "--baseline-param": kv(a.baselineParams); break;
      case "--review": a.review = value().split(",").map((s) => s.trim()).filter(Boolean); break;
      case "--fund": a.fund = value(); break;
      case "--no-fund": a.noFund = true; break;
      case "--json": a.json = value(); break;
      case "--csv": a.csv = value(); break;
      case "--threads": {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 0) throw new Usage("--threads takes a whole number (0: no worker threads)");
        a.threads = n;
        break;
      }
      case "--data": a.data = value(); break;
      case "--policies": a.policies = value(); break;
      case "--quiet": a.quiet = true; break;
      default:
        throw new Usage(`unknown option \`${flag}\``);
    }
  }
  if (!a.program || !a.baseline || !a.candidate) throw new Usage("--program, --baseline and --candidate are required");
  if (a.onError && a.onError !== "skip" && a.onError !== "fail") throw new Usage("--on-error is skip or fail");
  return a;
}

const fmt = (n: number): string => n.toLocaleString("en-US");
const money = (n: number): string => `$${Math.round(n).toLocaleString("en-US")}`;
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const signed = (n: number, f = fmt): string => (n > 0 ? `+${f(n)}` : n < 0 ? `−${f(-n)}` : "0");

function table(rows: string[][], align: ("l" | "r")[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows.map((r) => r.map((cell, c) => (align[c] === "r" ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join("  ").trimEnd()).join("\n");
}

/** The summary a person reads: outcomes per side, reviews per week, transitions, cost, rules never fired. */
export function summarize(r: SimulationReport): string {
  const b = r.baseline;
  const c = r.candidate;
  const bName = `${b.version}${Object.keys(b.params).length ? "*" : ""}`;
  const cName = `${c.draft ? "draft " : ""}${c.version}${Object.keys(c.params).length ? "*" : ""}`;
  const lines: string[] = [];
  const set = r.requestSet;
  lines.push(`${r.program}: ${bName} → ${cName} on ${set ? `${set.id} (${set.name}${set.invented ? "; invented" : ""})` : "a request set"}`);
  lines.push(`${fmt(r.total)} requests${r.from ? `, ${r.from} … ${r.to}` : ""}${r.invalid.count ? `; ${fmt(r.invalid.count)} invalid requests left out` : ""}`);
  for (const [label, side] of [["baseline", b], ["candidate", c]] as const) {
    if (Object.keys(side.params).length) lines.push(`  * ${label} parameters: ${Object.entries(side.params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ")}`);
  }
  lines.push("");
  const outcomes = [...new Set([...Object.keys(b.counts), ...Object.keys(c.counts)])];
  const rows = [["outcome", bName, "", cName, "", "change"]];
  for (const o of outcomes) {
    const nb = b.counts[o] ?? 0;
    const nc = c.counts[o] ?? 0;
    rows.push([o, fmt(nb), pct(b.shares[o] ?? 0), fmt(nc), pct(c.shares[o] ?? 0), signed(nc - nb)]);
  }
  lines.push(table(rows, ["l", "r", "r", "r", "r", "r"]));
  lines.push("");
  if (r.reviewOutcomes.length) {
    const rv = r.reviews;
    lines.push(`manual review (${r.reviewOutcomes.join(", ")}) per week: ${rv.baseline.perWeek} → ${rv.candidate.perWeek}` +
      `${rv.changeShare !== null ? ` (${signed(Math.round(rv.changeShare * 1000) / 10, (x) => `${x}%`)})` : ""}; ` +
      `total ${fmt(rv.baseline.total)} → ${fmt(rv.candidate.total)}` +
      `${rv.baseline.peak ? `; busiest week ${rv.baseline.peak.n} (${rv.baseline.peak.week}) → ${rv.candidate.peak?.n ?? 0} (${rv.candidate.peak?.week ?? "-"})` : ""}`);
    // Review load by fiscal year: what a staffing plan needs.
    const years = Object.entries(r.byFiscalYear);
    if (years.length > 1) {
      lines.push(`  per week by fiscal year: ${years.map(([fy, y]) => `${fy}${y.from.slice(5) !== "10-01" || y.to.slice(5) !== "09-30" ? ` (${y.from} … ${y.to})` : ""} ${y.baseline.reviewsPerWeek} → ${y.candidate.reviewsPerWeek}`).join(" · ")}`);
    }
  }
  const moves = Object.entries(r.transitions).filter(([k]) => k.split("->")[0] !== k.split("->")[1]).sort((x, y) => y[1] - x[1]);
  lines.push(`changed outcomes: ${fmt(r.changed.total)}${moves.length ? ` (${moves.map(([k, n]) => `${k} ${fmt(n)}`).join(" · ")})` : ""}`);
  if (r.changed.sameOutcomeDifferentReasons) lines.push(`same outcome, other reasons: ${fmt(r.changed.sameOutcomeDifferentReasons)}`);
  if (r.costField) {
    const costRows = [["cost (" + r.costField + ")", bName, cName, "change"]];
    for (const o of outcomes) costRows.push([o, money(b.cost[o] ?? 0), money(c.cost[o] ?? 0), signed(Math.round((c.cost[o] ?? 0) - (b.cost[o] ?? 0)), money)]);
    lines.push("");
    lines.push(table(costRows, ["l", "r", "r", "r"]));
  }
  if (b.amounts && c.amounts) {
    for (const o of Object.keys(b.amounts)) {
      for (const [k, v] of Object.entries(b.amounts[o]!)) lines.push(`${k} (${o}): ${money(v)} → ${money(c.amounts[o]?.[k] ?? 0)}`);
    }
  }
  lines.push("");
  lines.push(`rules never fired: ${bName}: ${r.rulesNeverFired.baseline.join(", ") || "none"}; ${cName}: ${r.rulesNeverFired.candidate.join(", ") || "none"}`);
  if (r.fundControl) {
    lines.push("");
    lines.push("fund control (IHS Circular 91-07, Attachment B):");
    const fr = [["quarter", "funds available", "weekly rate", `obligated ${bName}`, "runs out", `obligated ${cName}`, "runs out", "covers"]];
    for (const q of r.fundControl.quarters) {
      fr.push([
        q.quarter,
        money(q.baseline.totalFundsAvailable) + (q.candidate.totalFundsAvailable !== q.baseline.totalFundsAvailable ? ` / ${money(q.candidate.totalFundsAvailable)}` : ""),
        money(q.baseline.weeklySpendingRate),
        money(q.baseline.obligations),
        q.baseline.runsOut ? `week ${q.baseline.runsOut.week}` : "-",
        money(q.candidate.obligations),
        q.candidate.runsOut ? `week ${q.candidate.runsOut.week}` : "-",
        `level ${q.baseline.highestPriorityCovered}${q.candidate.highestPriorityCovered !== q.baseline.highestPriorityCovered ? ` / ${q.candidate.highestPriorityCovered}` : ""}`,
      ]);
    }
    lines.push(table(fr, ["l", "r", "r", "r", "l", "r", "l", "l"]));
    const s = r.fundControl.summary;
    lines.push(`  ${bName}: ${s.baseline.runsOut ? `runs out in ${s.baseline.runsOut}` : "stays within funds"}; ${cName}: ${s.candidate.runsOut ? `runs out in ${s.candidate.runsOut}` : "stays within funds"}; funds cover priority level ${s.baseline.highestPriorityCovered}${s.candidate.highestPriorityCovered !== s.baseline.highestPriorityCovered ? ` (${bName}) / ${s.candidate.highestPriorityCovered} (${cName})` : ""} in every quarter`);
  }
  if (r.timing) {
    lines.push("");
    lines.push(`${fmt(r.read)} requests through both versions in ${r.timing.seconds.toFixed(2)} s (${r.timing.threads ? `${r.timing.threads} worker threads` : "in process"}, ${fmt(r.timing.requestsPerSecond)} requests/s)`);
  }
  return lines.join("\n");
}

function formatOf(file: string, given?: string): ImportFormat {
  if (given) {
    if (given !== "ndjson" && given !== "json" && given !== "csv") throw new Usage("--format is ndjson, json or csv");
    return given;
  }
  const ext = extname(file).toLowerCase();
  if (ext === ".csv") return "csv";
  if (ext === ".json") return "json";
  if (ext === ".ndjson" || ext === ".jsonl") return "ndjson";
  throw new Usage(`cannot tell the format of ${file}: give --format ndjson, json or csv`);
}

export async function simulateCmd(argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof Usage) {
      console.error(`precept simulate: ${e.message}\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  const policiesDir = resolve(args.policies);
  const all = loadPolicyDir(policiesDir);
  const manifests = manifestsIn(policiesDir);
  const draftFile = args.candidate!.endsWith(".policy") ? resolve(args.candidate!) : undefined;
  const compiledOf = (program: string, version: string) => all.find((p) => p.program === program && p.version === version)?.compiled;
  const policySource: PolicySource = {
    version: compiledOf,
    versions: (program) => all.filter((p) => p.program === program && p.compiled).map((p) => p.version),
    hasProgram: (program) => all.some((p) => p.program === program && p.compiled),
    manifest: (policy) => manifests.of(policy),
    compileDraft: (program, source) => {
      // The draft's own folder first (a request schema beside it), then the program's folder for schema and parents.
      const programHost = nodePolicyHost(join(policiesDir, program));
      const draftHost = draftFile ? nodePolicyHost(dirname(draftFile)) : programHost;
      const r = compilePolicy(source, {
        requestSchema: (p, ref) => draftHost.requestSchema(p, ref) ?? programHost.requestSchema(p, ref),
        parentSource: (p, v) => programHost.parentSource(p, v),
      });
      return { ...(r.compiled ? { compiled: r.compiled } : {}), diagnostics: r.diagnostics };
    },
  };
  const profileOf = (program: string) => {
    const p = all.find((x) => x.program === program && x.compiled);
    if (!p) throw new Error(`unknown program ${program}`);
    return profileFor(manifests.of(p.compiled!));
  };
  const catalog = new RequestSetCatalog(resolve(args.data), policiesDir, profileOf);
  const tmp = mkdtempSync(join(tmpdir(), "precept-simulate-"));
  const ac = new AbortController();
  const onSigint = (): void => ac.abort();
  process.once("SIGINT", onSigint);
  const bar = args.quiet
    ? undefined
    : new cliProgress.SingleBar(
        { format: "{task} [{bar}] {percentage}% | {value}/{total} | {duration_formatted}", noTTYOutput: true, notTTYSchedule: 1000, stream: process.stderr, hideCursor: null },
        cliProgress.Presets.shades_classic,
      );
  try {
    if (!policySource.hasProgram(args.program!)) {
      console.error(`precept simulate: no policy of program \`${args.program}\` under ${policiesDir}`);
      return 1;
    }
    // A file given with --set is imported (checked row by row) into a temporary catalog first.
    let setId = args.set;
    let fileCatalog: RequestSetCatalog | undefined;
    if (args.set && !catalog.describe(args.set)) {
      const file = resolve(args.set);
      const format = formatOf(file, args.format);
      const latest = policySource.versions(args.program!).map((v) => compiledOf(args.program!, v)!).sort((x, y) => x.effective.localeCompare(y.effective)).at(-1)!;
      fileCatalog = new RequestSetCatalog(tmp, policiesDir, profileOf);
      const validator = createEvaluator(latest);
      const result = await fileCatalog.import({
        program: args.program!,
        name: file,
        format,
        input: file,
        validate: (r) => validator.validate(r),
        schema: latest.requestSchema,
        onError: (args.onError as "skip" | "fail" | undefined) ?? "fail",
      });
      for (const e of result.errors.slice(0, 20)) {
        console.error(`${args.set}: row ${e.row}${e.line !== undefined ? ` (line ${e.line})` : ""}${e.id ? ` ${e.id}` : ""}: ${e.errors.map((x) => `${x.path} ${x.message}`).join("; ")}`);
      }
      if (result.badRows > 20) console.error(`… and ${result.badRows - 20} more bad rows`);
      if (result.failed) {
        console.error(`precept simulate: ${args.set} was not imported (${result.badRows} bad row${result.badRows === 1 ? "" : "s"}; --on-error skip leaves them out)`);
        return 1;
      }
      if (result.skipped) console.error(`${args.set}: ${result.skipped} bad row${result.skipped === 1 ? "" : "s"} left out, ${result.imported} imported`);
      setId = result.set!.id;
    }
    let fundControl: FundControlParams | false | undefined;
    if (args.noFund) fundControl = false;
    else if (args.fund) fundControl = JSON.parse(readFileSync(args.fund, "utf8")) as FundControlParams;
    let generating = false;
    const prepared = await prepareSimulation(
      {
        program: args.program!,
        baseline: args.baseline!,
        candidate: draftFile ? { source: readFileSync(draftFile, "utf8") } : { version: args.candidate! },
        params: args.params,
        baselineParams: args.baselineParams,
        ...(setId ? { requestSet: setId } : {}),
        ...(args.review ? { reviewOutcomes: args.review } : {}),
        ...(fundControl !== undefined ? { fundControl } : {}),
      },
      {
        policies: policySource,
        catalog: fileCatalog ?? catalog,
        signal: ac.signal,
        onGenerate: (f) => {
          if (!bar) return;
          if (!generating) {
            generating = true;
            bar.start(100, 0, { task: "generating" });
          }
          bar.update(Math.round(f * 100));
        },
      },
    );
    if (generating) bar?.stop();
    bar?.start(prepared.set.meta.count, 0, { task: "simulating" });
    const { report, changed } = await runSimulation(
      { ...prepared.spec, changedDir: join(tmp, "changed"), ...(args.threads !== undefined ? { threads: args.threads } : {}), changedRequests: Boolean(args.json) },
      { signal: ac.signal, onProgress: (_f, done) => bar?.update(done) },
    );
    bar?.stop();
    console.log(summarize(report));
    if (args.json) {
      writeFileSync(args.json, `${JSON.stringify(report, null, 2)}\n`);
      console.log(`report: ${args.json}`);
    }
    if (args.csv) {
      const n = await changed.writeCsv(args.csv);
      console.log(`changed requests: ${args.csv} (${fmt(n)} rows)`);
    }
    return 0;
  } catch (e) {
    bar?.stop();
    if (e instanceof SimulationCancelled) {
      console.error("precept simulate: cancelled");
      return 130;
    }
    if (e instanceof AppError || e instanceof SimulationError) {
      console.error(`precept simulate: ${e.message}`);
      const diags = (e as AppError).details as { diagnostics?: { start: { line: number; column: number }; severity: string; message: string }[] } | undefined;
      for (const d of diags?.diagnostics ?? []) console.error(`${args.candidate}:${d.start.line}:${d.start.column}: ${d.severity}: ${d.message}`);
      return 1;
    }
    if (e instanceof Usage) {
      console.error(`precept simulate: ${e.message}\n${USAGE}`);
      return 2;
    }
    throw e;
  } finally {
    process.removeListener("SIGINT", onSigint);
    rmSync(tmp, { recursive: true, force: true });
  }
}
