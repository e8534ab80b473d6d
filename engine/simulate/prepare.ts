/**
 * (Node only) From what a user asks ("program P, version A against B with a parameter changed, on the shipped
 * history") to a runnable SimulationSpec: versions looked up, a draft compiled, parameter values typed and
 * checked, the request set opened (generated if it is a shipped history not yet cached), fund-control defaults
 * taken from the set's descriptor. Shared by the CLI and the server; errors are AppErrors with a stable code (the server maps it to a status).
 */
import type { CompiledPolicy } from "../../dsl/compiled.js";
import type { Diagnostic } from "../../dsl/diagnostics.js";
import type { FundControlParams } from "./fund-control.js";
import type { ProgramManifest } from "../program-manifest.js";
import { AppError } from "../errors.js";
import { profileFor } from "./profile.js";
import type { OpenSet, RequestSetCatalog } from "./request-sets.js";
import type { SimulationSpec } from "./run.js";

export interface PolicySource {
  /** A published version's compiled policy. */
  version(program: string, version: string): CompiledPolicy | undefined;
  versions(program: string): string[];
  hasProgram(program: string): boolean;
  /** The program's manifest as it applies to this compiled version. */
  manifest(policy: CompiledPolicy): ProgramManifest;
  /** Compiles a draft source of the program (nothing stored). */
  compileDraft(program: string, source: string): { compiled?: CompiledPolicy; diagnostics: readonly Diagnostic[] };
}

export interface SimulationRequest {
  readonly program: string;
  readonly baseline: string;
  readonly candidate: { readonly version: string } | { readonly source: string };
  /** Candidate parameter overrides. */
  readonly params?: Readonly<Record<string, unknown>>;
  readonly baselineParams?: Readonly<Record<string, unknown>>;
  /** A request set id (see RequestSetCatalog); default: the program's first shipped history. */
  readonly requestSet?: string;
  readonly reviewOutcomes?: readonly string[];
  /** Fund-control figures (programs with a priority attribute); default: the set's descriptor's; `false`: none. */
  readonly fundControl?: FundControlParams | false;
  readonly pageSize?: number;
  readonly decisionDate?: string;
}

/** Parameter values as given (JSON) or typed from text (`--param costThreshold=5000`), then checked by the engine. */
export function typedParams(policy: CompiledPolicy, given: Readonly<Record<string, unknown>> | undefined, side: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(given ?? {})) {
    if (!Object.hasOwn(policy.parameters, name)) {
      throw new AppError("unknown-parameter", `${side} ${policy.program} ${policy.version} has no parameter \`${name}\``, {
        parameter: name,
        parameters: Object.keys(policy.parameters),
      });
    }
    const want = typeof policy.parameters[name]!.value;
    let v = raw;
    if (typeof raw === "string" && want === "number" && raw.trim() !== "" && Number.isFinite(Number(raw))) v = Number(raw);
    if (typeof raw === "string" && want === "boolean" && (raw === "true" || raw === "false")) v = raw === "true";
    if (typeof v !== want) {
      throw new AppError("invalid-parameter", `parameter \`${name}\` must be a ${want}`, { parameter: name, expected: want });
    }
    out[name] = v;
  }
  return out;
}

export interface Prepared {
  readonly spec: Omit<SimulationSpec, "changedDir" | "threads">;
  readonly set: OpenSet;
}

/** A request checked and looked up, its request set not opened yet (opening may generate it). */
export interface Resolved {
  readonly spec: Omit<SimulationSpec, "changedDir" | "threads" | "set">;
  readonly setId: string;
  readonly needsGenerating: boolean;
}

/** Everything that can be refused at once (synchronous): versions, draft, parameters, request set, outcomes. */
export function resolveSimulation(req: SimulationRequest, deps: { readonly policies: PolicySource; readonly catalog: RequestSetCatalog }): Resolved {
  const { policies, catalog } = deps;
  if (!policies.hasProgram(req.program)) throw new AppError("unknown-program", `unknown program \`${req.program}\``, { program: req.program });
  const lookup = (version: string, side: string): CompiledPolicy => {
    const p = policies.version(req.program, version);
    if (!p) {
      throw new AppError("unknown-version", `${side}: program \`${req.program}\` has no version \`${version}\``, {
        program: req.program,
        version,
        versions: policies.versions(req.program),
      });
    }
    return p;
  };
  const baseline = lookup(req.baseline, "baseline");
  let candidate: CompiledPolicy;
  let draft = false;
  if ("source" in req.candidate) {
    const r = policies.compileDraft(req.program, req.candidate.source);
    if (!r.compiled || r.diagnostics.some((d) => d.severity === "error")) {
      throw new AppError("draft-does-not-compile", "the candidate source does not compile", { diagnostics: r.diagnostics });
    }
    if (r.compiled.program !== req.program) {
      throw new AppError("draft-wrong-program", `the candidate source is a policy of \`${r.compiled.program}\`, not \`${req.program}\``);
    }
    candidate = r.compiled;
    draft = true;
  } else {
    candidate = lookup(req.candidate.version, "candidate");
  }
  const params = typedParams(candidate, req.params, "candidate");
  const baselineParams = typedParams(baseline, req.baselineParams, "baseline");

  const setId = req.requestSet ?? catalog.shipped().find((d) => d.program === req.program)?.id;
  if (!setId) throw new AppError("no-request-set", `no request set given and \`${req.program}\` ships no history`);
  const summary = catalog.describe(setId);
  if (!summary) throw new AppError("unknown-request-set", `no request set \`${setId}\``, { requestSet: setId });
  if (summary.program !== req.program) {
    throw new AppError("request-set-program", `request set \`${setId}\` holds ${summary.program} requests, not ${req.program}`);
  }
  const descriptor = catalog.descriptor(setId);

  const manifest = deps.policies.manifest(baseline);
  const profile = profileFor(manifest);
  for (const o of req.reviewOutcomes ?? []) {
    if (!baseline.outcomes.includes(o) && !candidate.outcomes.includes(o)) {
      throw new AppError("unknown-outcome", `\`${o}\` is not an outcome of ${req.program}`, { outcomes: baseline.outcomes });
    }
  }
  let fundControl: FundControlParams | undefined;
  if (profile.priorityAttribute && req.fundControl !== false) {
    fundControl = req.fundControl ?? (descriptor?.simulation?.fundControl as FundControlParams | undefined);
    if (fundControl && descriptor && !fundControl.from) fundControl = { ...fundControl, from: descriptor.from, to: descriptor.to };
  }
  return {
    setId,
    needsGenerating: descriptor !== undefined && !catalog.isCached(setId),
    spec: {
      manifest,
      baseline: { policy: baseline, params: baselineParams },
      candidate: { policy: candidate, params, draft },
      ...(req.reviewOutcomes ? { profile: { reviewOutcomes: req.reviewOutcomes } } : {}),
      ...(fundControl ? { fundControl } : {}),
      ...(req.pageSize ? { pageSize: req.pageSize } : {}),
      ...(req.decisionDate ? { decisionDate: req.decisionDate } : {}),
    },
  };
}

/** Opens (generating if need be) the resolved request set. */
export async function openResolved(
  r: Resolved,
  catalog: RequestSetCatalog,
  opts: { readonly signal?: AbortSignal; readonly onGenerate?: (f: number) => void } = {},
): Promise<Prepared> {
  const set = await catalog.open(r.setId, { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.onGenerate ? { onProgress: opts.onGenerate } : {}) });
  if (!set) throw new AppError("unknown-request-set", `no request set \`${r.setId}\``, { requestSet: r.setId });
  return { set, spec: { ...r.spec, set: { meta: set.meta, file: set.file } } };
}

export async function prepareSimulation(
  req: SimulationRequest,
  deps: { readonly policies: PolicySource; readonly catalog: RequestSetCatalog; readonly signal?: AbortSignal; readonly onGenerate?: (f: number) => void },
): Promise<Prepared> {
  return openResolved(resolveSimulation(req, deps), deps.catalog, deps);
}
