/**
 * Where the CPU of one HTTP evaluate goes inside our own code (issue 16, "the HTTP path"), measured in-process on
 * the same request per program as bench/http.ts (the first shipped test case of its newest version). Measures
 * only; changes nothing. Each step is timed alone over many repetitions (best of ROUNDS, CPU microseconds per request):
 *
 *   parse-body          server/body.ts parseJson of the request text (JSON.parse + the forbidden-key guard)
 *   validate            the evaluator's ajv request validation
 *   evaluate            the generated evaluator without the explanation
 *   evaluate-explained  the same with the explanation (the difference is the cost of building it)
 *   evaluate-one        server/evaluate.ts evaluateOne as the route calls it (validation, evaluation with the
 *                       explanation, id, record and answer shaping; the duplicate index in memory)
 *   stringify-answer    JSON.stringify of the answer the client receives (res.end(JSON.stringify(…))), with
 *                       and without the explanation, and its size in bytes
 *   stringify-record    JSON.stringify of the decision-log record (what the store writes per decision)
 *   log-line            the per-request pino line (to /dev/null)
 *
 * What is left of a request's server time beyond these is Node's HTTP, Express's routing and the store's insert;
 * bench/http.ts gives the end-to-end rate to set them against. `npm run bench:http-split`.
 */
import { openSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { pino } from "pino";
import { loadPolicyDir } from "../engine/policy-files.js";
import { manifestsIn } from "../engine/program-manifest-files.js";
import { readTestCases } from "../engine/policy-tests.js";
import { createEvaluator, detectsDuplicates } from "../engine/index.js";
import { parseJson } from "../server/body.js";
import { AcceptedIndex } from "../server/duplicates.js";
import { evaluateOne } from "../server/evaluate.js";
import type { Entry } from "../server/registry.js";
import type { Store } from "../server/store/types.js";

const ROUNDS = Number(process.env["ROUNDS"] ?? 5);
const REPS = Number(process.env["REPS"] ?? 20_000);

function emit(program: string, figure: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ bench: "http-split", program, figure, value: Math.round(value * 100) / 100, unit, ...extra }));
}

/**
 * Best of ROUNDS, CPU µs per call (process CPU time, so other processes on a loaded machine count less than in
 * wall time); a sink keeps the results alive so nothing is optimised away.
 */
let sink = 0;
function time(fn: () => unknown): number {
  let best = Infinity;
  for (let k = 0; k < ROUNDS; k++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < REPS; i++) sink ^= fn() === undefined ? 1 : 0;
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / REPS);
  }
  return best;
}

// The in-memory duplicate index never reaches its store here (nothing is shared): an empty stand-in is enough.
const index = new AcceptedIndex({ shared: false } as unknown as Store);
const logger = pino({ level: "info", base: { service: "precept" } }, pino.destination({ dest: openSync("/dev/null", "w"), sync: true }));
const loaded = loadPolicyDir("policies");
const manifests = manifestsIn("policies");

for (const program of readdirSync("policies", { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
  const tests = readdirSync(join("policies", program)).filter((f) => f.endsWith(".tests.yaml")).sort();
  const newest = tests.at(-1);
  if (!newest) continue;
  const version = newest.replace(/\.tests\.yaml$/, "");
  const c = readTestCases(join("policies", program, newest)).find((x) => !x.history?.length);
  const compiled = loaded.find((p) => p.program === program && p.version === version)?.compiled;
  if (!c || !compiled) continue;
  const evaluator = createEvaluator(compiled);
  const entry = { program, version, hash: compiled.hash, compiled, evaluator, usesDuplicates: detectsDuplicates(compiled), title: compiled.title } as unknown as Entry;
  const text = JSON.stringify(c.request);
  const request = parseJson(text);
  const decisionDate = c.decisionDate ?? "2009-03-31";
  const ctx = { decisionDate, findAccepted: (key: string) => index.of(program).find(key) };
  const one = evaluateOne(manifests, entry, request, index, { decisionDate, explain: true, startedAt: performance.now() });
  const plain = evaluateOne(manifests, entry, request, index, { decisionDate, explain: false, startedAt: performance.now() });
  const extra = { version, rules: compiled.rules.length, best_of: ROUNDS, reps: REPS };

  emit(program, "parse-body", time(() => parseJson(text)), "cpu-us", { ...extra, bytes: Buffer.byteLength(text) });
  emit(program, "validate", time(() => evaluator.validate(request)), "cpu-us", extra);
  const bare = time(() => evaluator.evaluate(request, ctx));
  const explained = time(() => evaluator.evaluate(request, { ...ctx, explain: true }));
  emit(program, "evaluate", bare, "cpu-us", extra);
  emit(program, "evaluate-explained", explained, "cpu-us", { ...extra, explanation_us: Math.round((explained - bare) * 100) / 100 });
  emit(program, "evaluate-one", time(() => evaluateOne(manifests, entry, request, index, { decisionDate, explain: true, startedAt: 0 })), "cpu-us", extra);
  emit(program, "evaluate-one-no-explanation", time(() => evaluateOne(manifests, entry, request, index, { decisionDate, explain: false, startedAt: 0 })), "cpu-us", extra);
  emit(program, "stringify-answer", time(() => JSON.stringify(one.answer)), "cpu-us", { ...extra, bytes: Buffer.byteLength(JSON.stringify(one.answer)) });
  emit(program, "stringify-answer-no-explanation", time(() => JSON.stringify(plain.answer)), "cpu-us", { ...extra, bytes: Buffer.byteLength(JSON.stringify(plain.answer)) });
  emit(program, "stringify-record", time(() => JSON.stringify(one.record)), "cpu-us", { ...extra, bytes: Buffer.byteLength(JSON.stringify(one.record)) });
  emit(program, "log-line", time(() => logger.info({ reqId: one.record.id, method: "POST", url: "/v1/x", status: 200, ms: 1.23 }, "request")), "cpu-us", extra);
}
if (sink === 42) console.log("");
