/**
 * `npm run bench:peers` (not part of `npm run bench`, not in CI): the ~50-rule bench policy run by two peers —
 * GoRules zen-engine (a JDM decision graph, Rust through N-API) and json-logic-js — beside Precept's generated
 * evaluator, the hand-written function and json-rules-engine, on the same 100,000 seeded requests, on one core.
 *
 * The peers' documents are translated from the compiled policy (bench/peers/zen.ts, bench/peers/json-logic.ts say
 * why and how); each peer makes the whole decision itself (precedence, reasons, attributes), nothing is completed
 * in JavaScript. Before anything is timed, every peer must decide every request as Precept does; what is compared
 * for each request: the outcome, the reasons (rule id and code, in order), the ids of every fired rule (in file
 * order) and the attributes (name → value; a peer's null is "not set"). Then one threshold is changed in each peer's document (the `band-2`
 * rule's `estimatedCost > 10000` becomes `> 9999`) and the same check must find differences, or the check proves nothing.
 * Exits 1 on any difference or an uncaught mutation. Set PEERS_WRITE=DIR to write the two documents out.
 *
 * One core: Precept, the hand-written function, json-logic-js and json-rules-engine run on the one JavaScript
 * thread; zen-engine evaluates on its own threads, so every figure carries the process's CPU time per evaluation
 * (all threads) and `evals_per_cpu_s`, the rate one core would give. On a shared machine that figure is the one
 * to compare: wall-clock rates move with the load (printed first). PEERS_PIN=1 re-runs the script under
 * `taskset -c 0` to force one core.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { compilePolicy, type PolicyHost } from "../dsl/index.js";
import type { CompiledPolicy } from "../dsl/compiled.js";
import { createEvaluator } from "../engine/index.js";
import { createReferenceEvaluator } from "../engine/reference.js";
import type { Decision } from "../engine/types.js";
import { requestGenerator } from "../test/support/request-gen.js";
import { applyJsonLogic, firedRules, registerOperations, toJsonLogic, type JsonLogicDocs } from "./peers/json-logic.js";
import { toJdm, type JdmGraph } from "./peers/zen.js";
import { handWritten, referralPolicySource } from "./referral-policy.js";

if (process.env["PEERS_PIN"] === "1" && !process.env["PEERS_PINNED"] && existsSync("/usr/bin/taskset")) {
  const r = spawnSync("/usr/bin/taskset", ["-c", "0", process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: "inherit",
    env: { ...process.env, PEERS_PINNED: "1" },
  });
  process.exit(r.status ?? 1);
}

const N = Number(process.env["BENCH_REQUESTS"] ?? 100_000);
const JRE_N = Number(process.env["BENCH_JRE_REQUESTS"] ?? 5_000);
const ZEN_IN_FLIGHT = 64;

function emit(figure: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ bench: "peers", figure, value: Math.round(value * 100) / 100, unit, ...extra }));
}

const schema = JSON.parse(readFileSync("policies/ihs-chs/request.schema.json", "utf8")) as object;
const host: PolicyHost = { requestSchema: () => schema, parentSource: () => undefined };
const { compiled, diagnostics } = compilePolicy(referralPolicySource(), host);
if (!compiled) throw new Error(diagnostics.map((d) => `${d.start.line}:${d.start.column} ${d.message}`).join("\n"));
const policy: CompiledPolicy = compiled;
const next = requestGenerator(policy, 42);
const requests = Array.from({ length: N }, next);
const ctx = { decisionDate: "2009-03-31" };
const fast = createEvaluator(policy);

/** What is compared, as one string per request. */
interface Comparable {
  outcome: string;
  reasons: { rule: string; code: string }[];
  fired: readonly string[];
  attributes: Readonly<Record<string, unknown>>;
}
const sortedAttrs = (a: Readonly<Record<string, unknown>>): string => JSON.stringify(Object.keys(a).sort().map((k) => [k, a[k]]));
const key = (d: Comparable): string =>
  `${d.outcome}|${d.reasons.map((r) => `${r.rule}:${r.code}`).join(",")}|${d.fired.join(",")}|${sortedAttrs(d.attributes)}`;
const ofPrecept = (d: Decision): Comparable => ({ outcome: d.outcome, reasons: d.reasons.map((r) => ({ rule: r.rule, code: r.code })), fired: d.fired, attributes: d.attributes });
const expected = requests.map((r) => key(ofPrecept(fast.evaluate(r, ctx))));

// json-logic-js makes the whole decision in its two documents; null attributes are ones no fired rule set.
registerOperations();
function jsonLogicDecision(docs: JsonLogicDocs, request: unknown): Comparable {
  const { fired, decision } = applyJsonLogic(docs, request);
  const [outcome, rules, codes, ...values] = decision as [string, string[], string[], ...unknown[]];
  const attributes = Object.fromEntries(docs.attributes.map((a, i) => [a, values[i]]).filter(([, v]) => v !== null));
  return { outcome, reasons: rules.map((rule, i) => ({ rule, code: codes[i]! })), fired, attributes };
}

// zen-engine's graph makes the whole decision; null attributes are ones no fired rule set.
interface ZenOut { outcome: string; reasonRules: string[]; reasonCodes: string[]; fired: string[]; attributes?: Record<string, unknown> }
function ofZen(o: ZenOut): Comparable {
  const attributes = Object.fromEntries(Object.entries(o.attributes ?? {}).filter(([, v]) => v !== null));
  return { outcome: o.outcome, reasons: o.reasonRules.map((rule, i) => ({ rule, code: o.reasonCodes[i]! })), fired: o.fired, attributes };
}
// zen-engine is installed by `npm run bench:peers` itself, not kept as a devDependency: npm 11 leaves its platform
// packages out of package-lock.json, and `npm ci` then refuses the lock on every fresh machine.
interface ZenDecision {
  evaluate(context: unknown): Promise<{ result: unknown }>;
}
const ZEN = "@gorules/zen-engine";
const { ZenEngine } = (await import(ZEN)) as { ZenEngine: new () => { createDecision(content: unknown): ZenDecision } };
const engine = new ZenEngine();

async function zenDecisions(decision: ZenDecision, inFlight: number): Promise<ZenOut[]> {
  const out = new Array<ZenOut>(requests.length);
  let nextIndex = 0;
  const lane = async (): Promise<void> => {
    while (nextIndex < requests.length) {
      const i = nextIndex++;
      out[i] = (await decision.evaluate(requests[i])).result as ZenOut;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return out;
}

function differences(got: Comparable[]): { count: number; first?: { request: unknown; precept: string; peer: string } } {
  let count = 0;
  let first: { request: unknown; precept: string; peer: string } | undefined;
  got.forEach((g, i) => {
    const k = key(g);
    if (k === expected[i]) return;
    count++;
    first ??= { request: requests[i], precept: expected[i]!, peer: k };
  });
  return first ? { count, first } : { count };
}

/** The mutation: one threshold of the `band-2` rule (`estimatedCost > 10000`), 10000 → 9999, in the peer's own document. */
const MUTATED_RULE = "band-2";
const THRESHOLD = 10000;
function mutateZen(g: JdmGraph): JdmGraph {
  const copy = structuredClone(g);
  const table = copy.nodes.find((n) => n["id"] === "rules")!["content"] as { rules: Record<string, string>[] };
  const row = table.rules.find((r) => r["_id"] === MUTATED_RULE)!;
  let changed = 0;
  for (const [k, v] of Object.entries(row)) {
    if (!k.startsWith("in:") || !v.includes(`> ${THRESHOLD}`)) continue;
    row[k] = v.replace(`> ${THRESHOLD}`, `> ${THRESHOLD - 1}`);
    changed++;
  }
  if (changed !== 1) throw new Error(`zen mutation changed ${changed} cells`);
  return copy;
}
function mutateJsonLogic(docs: JsonLogicDocs): JsonLogicDocs {
  const copy = structuredClone(docs);
  const entry = (copy.rules as { merge: { if: [unknown, string[], unknown] }[] }).merge.find((m) => m.if[1][0] === MUTATED_RULE)!;
  let changed = 0;
  const walk = (x: unknown): unknown => {
    if (x === THRESHOLD) {
      changed++;
      return THRESHOLD - 1;
    }
    if (Array.isArray(x)) return x.map(walk);
    if (x && typeof x === "object") return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, walk(v)]));
    return x;
  };
  entry.if[0] = walk(entry.if[0]);
  if (changed !== 1) throw new Error(`json-logic mutation changed ${changed} literals`);
  return copy;
}

let failed = false;
function check(peer: string, got: Comparable[], mutated: Comparable[]): void {
  const d = differences(got);
  const m = differences(mutated);
  emit(`${peer}-differences`, d.count, "requests", { requests: N, compared: "outcome, reasons (rule, code), fired rule ids, attributes", ...(d.first ? { first: d.first } : {}) });
  emit(`${peer}-mutation-caught`, m.count, `requests differing after ${MUTATED_RULE}'s > ${THRESHOLD} became > ${THRESHOLD - 1} in the peer document`, { requests: N });
  if (d.count > 0 || m.count === 0) failed = true;
}

const jdm = toJdm(policy);
const logicDoc = toJsonLogic(policy);
if (process.env["PEERS_WRITE"]) {
  const dir = process.env["PEERS_WRITE"];
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/bench-policy.jdm.json`, `${JSON.stringify(jdm, null, 2)}\n`);
  writeFileSync(`${dir}/bench-policy.json-logic.json`, `${JSON.stringify(logicDoc, null, 2)}\n`);
}
const zen = engine.createDecision(jdm);
const mutatedLogic = mutateJsonLogic(logicDoc);
check("json-logic", requests.map((r) => jsonLogicDecision(logicDoc, r)), requests.map((r) => jsonLogicDecision(mutatedLogic, r)));
check("zen", (await zenDecisions(zen, ZEN_IN_FLIGHT)).map(ofZen), (await zenDecisions(engine.createDecision(mutateZen(jdm)), ZEN_IN_FLIGHT)).map(ofZen));
if (failed) {
  console.error("a peer does not decide as Precept does (or the check missed a changed threshold): its timing would mean nothing");
  process.exit(1);
}

const cpuFigures = (us: number): Record<string, number> => ({ cpu_us_per_eval: Math.round(us * 100) / 100, evals_per_cpu_s: Math.round(1e6 / us) });

/** Best of `rounds`, with CPU time (all threads of the process) per evaluation. */
/** CPU microseconds per evaluation of each timed figure, for the ratios at the end. */
const cpuOf: Record<string, number> = {};

async function rate(label: string, fn: (r: unknown) => unknown, n = requests.length, rounds = 3, extra: Record<string, unknown> = {}): Promise<void> {
  const sample = requests.slice(0, n);
  let best = 0;
  let cpu = 0;
  for (let k = 0; k < rounds; k++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (const r of sample) fn(r);
    const s = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    if (sample.length / s > best) {
      best = sample.length / s;
      cpu = (c.user + c.system) / sample.length;
    }
  }
  cpuOf[label] = cpu;
  emit(label, best, "evaluations/s", { rules: policy.rules.length, requests: sample.length, best_of: rounds, ...cpuFigures(cpu), ...extra });
}

async function rateAsync(label: string, run: () => Promise<unknown>, n: number, extra: Record<string, unknown>): Promise<void> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await run();
  const s = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  cpuOf[label] = (c.user + c.system) / n;
  emit(label, n / s, "evaluations/s", { rules: policy.rules.length, requests: n, ...cpuFigures((c.user + c.system) / n), ...extra });
}

emit("load-average-1min", loadavg()[0]!, "runnable processes", { cores: availableParallelism(), pinned: process.env["PEERS_PINNED"] === "1" });
await rate("fast-evaluator", (r) => fast.evaluate(r, ctx));
await rate("hand-written", (r) => handWritten(r as never));
await rate("json-logic-js", (r) => applyJsonLogic(logicDoc, r), requests.length, 3, { note: "both documents: fired rules, then the decision" });
await rate("json-logic-js-rules-only", (r) => firedRules(logicDoc, r), requests.length, 3, { note: "the rules document alone" });
await rateAsync("zen-engine-one-at-a-time", () => zenDecisions(zen, 1), N, { in_flight: 1 });
// The binding's own cost per call: a graph of one constant expression node (the request still crosses N-API).
const floor = engine.createDecision({
  nodes: [{ id: "i", type: "inputNode", name: "i" }, { id: "x", type: "expressionNode", name: "x", content: { expressions: [{ id: "a", key: "a", value: "1" }] } }, { id: "o", type: "outputNode", name: "o" }],
  edges: [{ id: "e1", type: "edge", sourceId: "i", targetId: "x" }, { id: "e2", type: "edge", sourceId: "x", targetId: "o" }],
});
await rateAsync("zen-engine-call-floor", async () => {
  for (const r of requests) await floor.evaluate(r);
}, N, { in_flight: 1, note: "one constant expression node: the Node binding's cost per evaluation" });
await rateAsync(`zen-engine-${ZEN_IN_FLIGHT}-in-flight`, () => zenDecisions(zen, ZEN_IN_FLIGHT), N, { in_flight: ZEN_IN_FLIGHT });
const reference = createReferenceEvaluator(policy);
const sample = requests.slice(0, JRE_N);
await rateAsync("json-rules-engine", async () => {
  for (const r of sample) await reference.evaluate(r, ctx);
}, sample.length, {});
for (const peer of ["hand-written", "json-logic-js", "zen-engine-one-at-a-time", `zen-engine-${ZEN_IN_FLIGHT}-in-flight`, "json-rules-engine"]) {
  emit(`fast-evaluator-vs-${peer}`, cpuOf[peer]! / cpuOf["fast-evaluator"]!, `x less CPU per evaluation than ${peer}`);
}
