/**
 * The analysis worker's task (run by analysis-pool.ts on a piscina thread): a diff, an analysis or a
 * counterfactual, each on its own thread's z3 context, so the solver never runs on the server's event loop.
 */
import type { MessagePort } from "node:worker_threads";
import type { CompiledPolicy } from "../dsl/compiled.js";
import { analyzePolicy, type AnalysisResult, type AnalyzeOptions } from "../engine/analysis/analyze.js";
import { counterfactuals, type CounterfactualOptions, type CounterfactualResult } from "../engine/analysis/counterfactual.js";
import { diffPolicies, type DiffOptions, type DiffResult } from "../engine/analysis/diff.js";

export type AnalysisTask =
  | { readonly kind: "diff"; readonly old: CompiledPolicy; readonly new: CompiledPolicy; readonly opts: DiffOptions }
  | { readonly kind: "analyze"; readonly policy: CompiledPolicy; readonly opts: AnalyzeOptions }
  | { readonly kind: "counterfactual"; readonly policy: CompiledPolicy; readonly request: Record<string, unknown>; readonly opts: CounterfactualOptions };

export type AnalysisTaskResult =
  | { readonly kind: "diff"; readonly result: DiffResult }
  | { readonly kind: "analyze"; readonly result: AnalysisResult }
  | { readonly kind: "counterfactual"; readonly result: CounterfactualResult };

export default async function task(t: AnalysisTask & { readonly port?: MessagePort }): Promise<AnalysisTaskResult> {
  // Tells the pool the task has a thread: its time budget starts now.
  t.port?.postMessage({ kind: "started" });
  t.port?.close();
  switch (t.kind) {
    case "diff":
      return { kind: "diff", result: await diffPolicies(t.old, t.new, t.opts) };
    case "analyze":
      return { kind: "analyze", result: await analyzePolicy(t.policy, t.opts) };
    case "counterfactual":
      return { kind: "counterfactual", result: await counterfactuals(t.policy, t.request, t.opts) };
  }
}
