/**
 * Engine figures, one JSON line each: compile time of a 1,000-rule policy (evaluator included); evaluations per
 * second on one core of the generated evaluator, of json-rules-engine and of a hand-written function of the same
 * ~50-rule policy over 100,000 seeded requests (fast and hand-written timed in turn); the cost of the full
 * explanation; and the generated evaluator on the 1,000-rule policy, beside its ~50-rule rate.
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { compilePolicy, type PolicyHost } from "../dsl/index.js";
import { createEvaluator } from "../engine/index.js";
import { createReferenceEvaluator } from "../engine/reference.js";
import { requestGenerator } from "../test/support/request-gen.js";
import { handWritten, referralPolicySource } from "./referral-policy.js";

const schema = JSON.parse(readFileSync("policies/ihs-chs/request.schema.json", "utf8")) as object;
const host: PolicyHost = { requestSchema: () => schema, parentSource: () => undefined };
const N = Number(process.env["BENCH_REQUESTS"] ?? 100_000);
const JRE_N = Number(process.env["BENCH_JRE_REQUESTS"] ?? 5_000);

function emit(figure: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ bench: "engine", figure, value: Math.round(value * 100) / 100, unit, ...extra }));
}

function compileOnce(source: string): { ms: number; rules: number } {
  const t0 = performance.now();
  const { compiled, diagnostics } = compilePolicy(source, host);
  if (!compiled) throw new Error(diagnostics.map((d) => `${d.start.line}:${d.start.column} ${d.message}`).join("\n"));
  createEvaluator(compiled);
  return { ms: performance.now() - t0, rules: compiled.rules.length };
}

// 1. Compile time of a generated 1,000-rule policy, evaluator included.
const big = referralPolicySource(1000 - 48);
const cold = compileOnce(big);
const warm = Array.from({ length: 5 }, () => compileOnce(big).ms).sort((a, b) => a - b);
emit("compile-1000-rules-cold", cold.ms, "ms", { rules: cold.rules });
emit("compile-1000-rules-warm-median", warm[2]!, "ms", { rules: cold.rules });

// 2. Throughput on the ~50-rule policy.
const { compiled } = compilePolicy(referralPolicySource(), host);
if (!compiled) throw new Error("bench policy does not compile");
const next = requestGenerator(compiled, 42);
const requests = Array.from({ length: N }, next);
const ctx = { decisionDate: "2009-03-31" };
const fast = createEvaluator(compiled);

// The hand-written function must decide exactly as the policy does, or the comparison is meaningless.
let mismatches = 0;
for (const r of requests) {
  const a = fast.evaluate(r, ctx);
  const b = handWritten(r as never);
  if (a.outcome !== b.outcome || a.reasons.map((x) => x.code).join() !== b.reasons.join() || JSON.stringify(a.attributes) !== JSON.stringify(b.attributes)) mismatches++;
}
emit("hand-written-mismatches", mismatches, "requests", { requests: N });

/** Evaluations per second over `over`, best of `rounds`. */
function measure(fn: (r: unknown) => unknown, over: readonly unknown[], rounds: number): number {
  let best = 0;
  for (let k = 0; k < rounds; k++) {
    const t0 = performance.now();
    for (const r of over) fn(r);
    best = Math.max(best, over.length / ((performance.now() - t0) / 1000));
  }
  return best;
}

function rate(label: string, fn: (r: unknown) => unknown, over: readonly unknown[] = requests, rules = compiled!.rules.length, rounds = 3): number {
  const best = measure(fn, over, rounds);
  emit(label, best, "evaluations/s", { rules, requests: over.length, best_of: rounds });
  return best;
}

// The two are timed in turn, round by round, so a loaded machine slows both alike.
let fastRate = 0;
let handRate = 0;
for (let k = 0; k < 3; k++) {
  fastRate = Math.max(fastRate, measure((r) => fast.evaluate(r, ctx), requests, 1));
  handRate = Math.max(handRate, measure((r) => handWritten(r as never), requests, 1));
}
emit("fast-evaluator", fastRate, "evaluations/s", { rules: compiled.rules.length, requests: requests.length, best_of: 3 });
emit("hand-written", handRate, "evaluations/s", { rules: compiled.rules.length, requests: requests.length, best_of: 3 });
emit("fast-over-hand-written", fastRate / handRate, "x the hand-written function's rate (goal >= 1.0)");
rate("fast-evaluator-with-explanation", (r) => fast.evaluate(r, { ...ctx, explain: true }));

// 3. Throughput at 1,000 rules: with rules indexed by their guards, the cost follows the rules a request can meet.
const bigCompiled = compilePolicy(big, host).compiled!;
const bigFast = createEvaluator(bigCompiled);
const bigRequests = Array.from({ length: N }, requestGenerator(bigCompiled, 42));
const bigRate = rate("fast-evaluator-1000-rules", (r) => bigFast.evaluate(r, ctx), bigRequests, bigCompiled.rules.length);
emit("fast-1000-over-50-rules", bigRate / fastRate, "x the ~50-rule rate (goal >= 0.25, and >= 50,000 evaluations/s)");

const reference = createReferenceEvaluator(compiled);
const sample = requests.slice(0, JRE_N);
const t0 = performance.now();
for (const r of sample) await reference.evaluate(r, ctx);
emit("json-rules-engine", sample.length / ((performance.now() - t0) / 1000), "evaluations/s", { rules: compiled.rules.length, requests: sample.length });
