/**
 * The server's HTTP API as the editor uses it (server/routes/*.ts; simulations as DESIGN.md describes them). Every
 * failure becomes an `ApiError` carrying the server's `{ error: { code, message, details } }`, and `inWords` turns
 * it into a sentence for the author.
 */
import type { ProgramManifest } from "../engine/program-manifest.js";
import type { CompiledPolicy, Diagnostic } from "../dsl/index.js";
import type { PolicyTestCase } from "../engine/test-cases.js";
import type { FundControlReport } from "../engine/simulate/fund-control.js";
import type { Decision, RuleTrace } from "../engine/types.js";
import type { AnalysisResult as SolverAnalysis } from "../engine/analysis/analyze.js";
import type { CounterfactualResult } from "../engine/analysis/counterfactual.js";
import type { DiffResult } from "../engine/analysis/diff.js";

export type { SolverAnalysis, CounterfactualResult, DiffResult };
/** One side of an analysis question: a published version, or a draft's text. */
export type PolicySide = { readonly version: string } | { readonly source: string };

export interface Person {
  readonly id: string;
  readonly name?: string;
}

export interface ReviewInfo {
  readonly reviewId?: string;
  readonly note: string;
  readonly submittedBy: Person;
  readonly submittedAt: string;
  readonly approvedBy: Person;
  readonly approvedAt: string;
  readonly selfApproved: boolean;
  readonly retroactive?: { readonly confirmedDecisions: number };
}

export interface WithdrawInfo {
  readonly at: string;
  readonly by: Person;
  readonly reason: string;
}

/** server/publish-review.ts PublishChecks. */
export interface PublishChecks {
  readonly tests: { readonly count: number; readonly from: string | null };
  readonly failing: readonly { readonly name: string; readonly problems: readonly string[] }[];
  readonly retroactive?: { readonly effective: string; readonly today: string; readonly decisions: number };
}

export interface Review {
  readonly id: string;
  readonly program: string;
  readonly version: string;
  readonly note: string;
  readonly retroactive: boolean;
  readonly status: "pending" | "published" | "rejected";
  readonly submittedBy: Person;
  readonly submittedAt: string;
  readonly decidedBy?: Person;
  readonly decidedAt?: string;
  readonly reason?: string;
  readonly testCount: number | null;
  readonly source?: string;
}

export interface VersionSummary {
  readonly version: string;
  readonly effective: string;
  readonly end?: string;
  readonly extends?: string;
  readonly title: string;
  readonly status?: string;
  readonly origin?: string;
  readonly hash: string;
  readonly publishedAt?: string;
  readonly review?: ReviewInfo;
  readonly withdrawn?: WithdrawInfo;
}

export interface ProgramSummary {
  readonly program: string;
  readonly outcomes: readonly string[];
  /** What the server knows of the program beyond its policies (its program.yaml, or one read off the newest version). */
  readonly manifest: ProgramManifest;
  readonly versions: readonly VersionSummary[];
}

export interface VersionDetail extends VersionSummary {
  readonly program: string;
  readonly author?: string;
  readonly change?: string;
  readonly outcomes: readonly string[];
  readonly source: string;
  readonly compiled?: CompiledPolicy;
}

export interface RequestSet {
  readonly id: string;
  readonly program: string;
  readonly count: number;
  readonly from?: string;
  readonly to?: string;
  readonly name?: string;
  readonly invented?: boolean;
}

/** One side of a changed request: a full decision, or its outcome and reason codes. */
export interface ChangedSide {
  readonly outcome: string;
  readonly reasons: readonly (string | { readonly code: string })[];
}

export interface ChangedRequest {
  readonly id?: string;
  readonly date?: string;
  readonly request?: unknown;
  readonly baseline: ChangedSide;
  readonly candidate: ChangedSide;
}

/** DESIGN.md's minimum; the optional parts are what engine/simulate/report.ts adds. */
export interface SimulationReport {
  readonly total: number;
  readonly baseline: { readonly version?: string; readonly counts: Readonly<Record<string, number>> };
  readonly candidate: { readonly version?: string; readonly counts: Readonly<Record<string, number>> };
  readonly transitions: Readonly<Record<string, number>>;
  readonly reviewsPerWeek?: Readonly<Record<string, { baseline: number; candidate: number }>>;
  readonly reviews?: { readonly baseline: { readonly perWeek: number }; readonly candidate: { readonly perWeek: number }; readonly changeShare?: number | null };
  readonly cost?: unknown;
  /** A first page of changed requests: a list, or `{ total, first }`. */
  readonly changed?: readonly ChangedRequest[] | { readonly total: number; readonly first: readonly ChangedRequest[] };
  readonly rulesNeverFired?: unknown;
  readonly invalid?: { readonly count: number };
  /** Fund control per quarter (programs whose manifest names a priority attribute). */
  readonly fundControl?: FundControlReport;
}

export interface SimulationJob {
  readonly id: string;
  readonly status: "queued" | "running" | "done" | "failed" | "cancelled";
  readonly progress?: number;
  readonly report?: SimulationReport;
  readonly error?: { code?: string; message?: string } | string;
}

/** One entry of the decision log (GET /v1/decisions), as the server keeps it. */
export interface LoggedDecision {
  readonly id: string;
  readonly program: string;
  readonly version: string;
  readonly hash: string;
  readonly outcome: string;
  readonly decidedAt: string;
  readonly request: unknown;
  readonly decision: Omit<Decision, "program" | "version" | "explanation" | "fired"> & { readonly fired?: readonly string[]; readonly decisionDate?: string; readonly lookups?: Readonly<Record<string, string | null>> };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: any,
  ) {
    super(message);
  }
}

const KEY_STORAGE = "precept.apiKey";

export const apiKey = {
  get: (): string => sessionStorage.getItem(KEY_STORAGE) ?? "",
  set: (key: string): void => (key ? sessionStorage.setItem(KEY_STORAGE, key) : sessionStorage.removeItem(KEY_STORAGE)),
};

async function call<T>(method: string, path: string, body?: unknown, key = apiKey.get(), signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (key) headers.authorization = `Bearer ${key}`;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), ...(signal ? { signal } : {}) });
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new ApiError(0, "unreachable", "the server could not be reached");
  }
  const text = await res.text();
  let data: any;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!res.ok) {
    const e = data?.error ?? {};
    throw new ApiError(res.status, e.code ?? `http-${res.status}`, e.message ?? `the server answered ${res.status}`, e.details);
  }
  return data as T;
}

const enc = encodeURIComponent;

export const api = {
  programs: () => call<{ programs: ProgramSummary[] }>("GET", "/v1/programs").then((r) => r.programs),
  version: (program: string, version: string, withCompiled = false) =>
    call<VersionDetail>("GET", `/v1/programs/${enc(program)}/versions/${enc(version)}${withCompiled ? "?include=compiled" : ""}`),
  publish: (program: string, source: string, key?: string, tests?: readonly PolicyTestCase[]) =>
    call<VersionSummary & { program: string; diagnostics: Diagnostic[] }>("POST", `/v1/programs/${enc(program)}/versions`, { source, ...(tests ? { tests } : {}) }, key || undefined),
  reviews: (program: string) => call<{ reviews: Review[]; selfApproval: boolean }>("GET", `/v1/programs/${enc(program)}/reviews`),
  review: (program: string, id: string) => call<{ review: Review; checks?: PublishChecks; selfApproval: boolean }>("GET", `/v1/programs/${enc(program)}/reviews/${enc(id)}`),
  submitReview: (program: string, body: { source: string; note: string; tests?: readonly PolicyTestCase[]; retroactive?: boolean; name?: string }, key?: string) =>
    call<{ review: Review; checks: PublishChecks; selfApproval: boolean }>("POST", `/v1/programs/${enc(program)}/reviews`, body, key || undefined),
  approveReview: (program: string, id: string, body: { confirmRetroactive?: number; name?: string }, key?: string) =>
    call<VersionSummary & { program: string }>("POST", `/v1/programs/${enc(program)}/reviews/${enc(id)}/approve`, body, key || undefined),
  rejectReview: (program: string, id: string, body: { reason: string; name?: string }, key?: string) =>
    call<{ review: Review }>("POST", `/v1/programs/${enc(program)}/reviews/${enc(id)}/reject`, body, key || undefined),
  withdraw: (program: string, version: string, body: { reason: string; name?: string }, key?: string) =>
    call<VersionSummary & { program: string }>("POST", `/v1/programs/${enc(program)}/versions/${enc(version)}/withdraw`, body, key || undefined),
  tests: (program: string, version: string) =>
    call<{ cases: PolicyTestCase[]; origin: "shipped" | "api" | null }>("GET", `/v1/programs/${enc(program)}/versions/${enc(version)}/tests`),
  saveTests: (program: string, version: string, cases: readonly PolicyTestCase[], key?: string) =>
    call<{ cases: PolicyTestCase[]; results: { name: string; passed: boolean; problems: string[] }[] }>(
      "PUT", `/v1/programs/${enc(program)}/versions/${enc(version)}/tests`, { cases }, key || undefined),
  decisions: (q: { program: string; outcome?: string; version?: string; from?: string; to?: string; limit?: number; cursor?: string }) => {
    const query = Object.entries(q).filter(([, v]) => v !== undefined && v !== "").map(([k, v]) => `${k}=${enc(String(v))}`).join("&");
    return call<{ items: LoggedDecision[]; nextCursor?: string }>("GET", `/v1/decisions?${query}`);
  },
  decision: (id: string, explain = false) =>
    call<LoggedDecision & { explanation?: RuleTrace[]; reproduced?: boolean; differences?: string[] }>("GET", `/v1/decisions/${enc(id)}${explain ? "?explain=true" : ""}`),
  requestSets: (program: string) =>
    call<RequestSet[] | { requestSets?: RequestSet[]; sets?: RequestSet[] }>("GET", `/v1/request-sets?program=${enc(program)}`).then((r) =>
      Array.isArray(r) ? r : (r.requestSets ?? r.sets ?? []),
    ),
  simulate: (body: { program: string; baseline: string; candidate: { source: string } | { version: string }; params?: Record<string, unknown>; requestSet: string }) =>
    call<SimulationJob>("POST", "/v1/simulations", body),
  simulation: (id: string) => call<SimulationJob>("GET", `/v1/simulations/${enc(id)}`),
  cancelSimulation: (id: string) => call<unknown>("DELETE", `/v1/simulations/${enc(id)}`),
  /** The solver's findings on a draft (server/routes/analysis.ts); `signal` drops a stale run. */
  analyze: (program: string, source: string, overlaps: boolean, signal?: AbortSignal) =>
    call<SolverAnalysis>("POST", "/v1/analysis/analyze", { program, source, overlaps }, undefined, signal),
  /** The verified difference between two versions (old usually published, new the draft). */
  diff: (program: string, old: PolicySide, neu: PolicySide) =>
    call<DiffResult>("POST", "/v1/analysis/diff", { program, old, new: neu, regionsPerTransition: 3 }),
  counterfactual: (program: string, policy: PolicySide, request: unknown, decisionDate?: string) =>
    call<CounterfactualResult>("POST", "/v1/analysis/counterfactual", { program, ...policy, request, ...(decisionDate ? { decisionDate } : {}) }),
  changedPage: (id: string, offset: number, limit = 50) =>
    call<{ total: number; items: ChangedRequest[]; nextOffset?: number }>("GET", `/v1/simulations/${enc(id)}/changed?offset=${offset}&limit=${limit}`),
};

/** A failure in words for the author (the server's own message is already in words). */
export function inWords(e: unknown, doing: string): string {
  if (!(e instanceof ApiError)) return `${doing} failed: ${e instanceof Error ? e.message : String(e)}`;
  switch (e.status) {
    case 0:
      return `${doing} failed: the server could not be reached. Check that it is running.`;
    case 401:
      return `${doing} needs an API key the server accepts (${e.message}). Enter it in “API key” at the top.`;
    case 403:
      return e.code === "loopback-only"
        ? `${doing} failed: the server has no API keys configured and answers only this machine.`
        : `${doing} is not allowed with this key: ${e.message}.`;
    case 501:
      return `${doing} is not offered by this server yet.`;
    default:
      return `${doing} failed: ${e.message}.`;
  }
}
