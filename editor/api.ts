/**
 * The server's HTTP API as the editor uses it (server/routes/*.ts; simulations as DESIGN.md describes them). Every
 * failure becomes an `AppError` carrying the server's `{ error: { code, message, details } }`, and `inWords` turns
 * it into a sentence for the author.
 */
import { AppError, type ErrorCode } from "../engine/errors.js";
import type { PolicyTestCase } from "../engine/test-cases.js";
import type { Static, TSchema } from "@sinclair/typebox";
import type * as C from "../server/contract/schemas.js";
import type { AnalysisResult as SolverAnalysis } from "../engine/analysis/analyze.js";
import type { CounterfactualResult } from "../engine/analysis/counterfactual.js";
import type { DiffResult } from "../engine/analysis/diff.js";

// The solver's answers keep the engine's own types (the contract describes their outline only).
export type { SolverAnalysis, CounterfactualResult, DiffResult };
/** One side of an analysis question: a published version, or a draft's text. */
export type PolicySide = { readonly version: string } | { readonly source: string };

/*
 * The bodies, as the contract defines them (server/contract/schemas.ts): the same schemas the server validates with
 * and documents in /openapi.json, so these types cannot drift from what it sends. Types only: nothing of the
 * server is bundled.
 */
export type Person = Static<typeof C.Person>;
export type ReviewInfo = Static<typeof C.ReviewInfo>;
export type WithdrawInfo = Static<typeof C.WithdrawInfo>;
export type PublishChecks = Static<typeof C.PublishChecks>;
export type Review = Static<typeof C.Review>;
export type VersionSummary = Static<typeof C.VersionSummary>;
export type ProgramSummary = Static<typeof C.ProgramSummary>;
export type VersionDetail = Static<typeof C.VersionDetail>;
export type RequestSet = Static<typeof C.RequestSet>;
export type ChangedRequest = Static<typeof C.ChangedRequestSchema>;
export type SimulationReport = Static<typeof C.SimulationReportSchema>;
export type SimulationJob = Static<typeof C.SimulationJob>;
export type SimulationBody = Static<typeof C.SimulationBody>;
/** One entry of the decision log (GET /v1/decisions), as the server keeps it. */
export type LoggedDecision = Static<typeof C.LoggedDecision>;
type Body<S extends TSchema> = Static<S>;

/** The project's one error type; here it also carries the HTTP status it arrived with (0: no answer). */
export { AppError };

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
    throw new AppError("unreachable", "the server could not be reached", undefined, 0);
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
    // Every error answer of the server has this body (a proxy's may not: then it is `internal`).
    throw new AppError((e.code ?? "internal") as ErrorCode, e.message ?? `the server answered ${res.status}`, e.details, res.status);
  }
  return data as T;
}

const enc = encodeURIComponent;

export const api = {
  programs: () => call<Body<typeof C.ProgramList>>("GET", "/v1/programs").then((r) => r.programs),
  version: (program: string, version: string, withCompiled = false) =>
    call<VersionDetail>("GET", `/v1/programs/${enc(program)}/versions/${enc(version)}${withCompiled ? "?include=compiled" : ""}`),
  publish: (program: string, source: string, key?: string, tests?: readonly PolicyTestCase[]) =>
    call<Body<typeof C.PublishAnswer>>("POST", `/v1/programs/${enc(program)}/versions`, { source, ...(tests ? { tests } : {}) } satisfies Body<typeof C.PublishBody>, key || undefined),
  reviews: (program: string) => call<Body<typeof C.ReviewList>>("GET", `/v1/programs/${enc(program)}/reviews`),
  review: (program: string, id: string) => call<Body<typeof C.ReviewAnswer>>("GET", `/v1/programs/${enc(program)}/reviews/${enc(id)}`),
  submitReview: (program: string, body: Body<typeof C.ReviewBody>, key?: string) =>
    call<Body<typeof C.ReviewAnswer> & { checks: PublishChecks }>("POST", `/v1/programs/${enc(program)}/reviews`, body, key || undefined),
  approveReview: (program: string, id: string, body: Body<typeof C.ApproveBody>, key?: string) =>
    call<Body<typeof C.PublishedAnswer>>("POST", `/v1/programs/${enc(program)}/reviews/${enc(id)}/approve`, body, key || undefined),
  rejectReview: (program: string, id: string, body: Body<typeof C.RejectBody>, key?: string) =>
    call<Body<typeof C.ReviewAnswer>>("POST", `/v1/programs/${enc(program)}/reviews/${enc(id)}/reject`, body, key || undefined),
  withdraw: (program: string, version: string, body: Body<typeof C.WithdrawBody>, key?: string) =>
    call<Body<typeof C.PublishedAnswer>>("POST", `/v1/programs/${enc(program)}/versions/${enc(version)}/withdraw`, body, key || undefined),
  /** The solver's findings on a draft (server/routes/analysis.ts); `signal` drops a stale run. */
  analyze: (program: string, source: string, overlaps: boolean, signal?: AbortSignal) =>
    call<SolverAnalysis>("POST", "/v1/analysis/analyze", { program, source, overlaps }, undefined, signal),
  /** The verified difference between two versions (old usually published, new the draft). */
  diff: (program: string, old: PolicySide, neu: PolicySide) =>
    call<DiffResult>("POST", "/v1/analysis/diff", { program, old, new: neu, regionsPerTransition: 3 }),
  counterfactual: (program: string, policy: PolicySide, request: unknown, decisionDate?: string) =>
    call<CounterfactualResult>("POST", "/v1/analysis/counterfactual", { program, ...policy, request, ...(decisionDate ? { decisionDate } : {}) }),
  /** The decision the server would give under a draft (duplicates from its decision log); nothing is logged. */
  dryRun: (program: string, body: Body<typeof C.DryRunBody>) => call<Body<typeof C.DryRunAnswer>>("POST", `/v1/programs/${enc(program)}/dry-run`, body),
  tests: (program: string, version: string) => call<Body<typeof C.Tests>>("GET", `/v1/programs/${enc(program)}/versions/${enc(version)}/tests`),
  saveTests: (program: string, version: string, cases: readonly PolicyTestCase[], key?: string) =>
    call<Body<typeof C.TestsSaved>>("PUT", `/v1/programs/${enc(program)}/versions/${enc(version)}/tests`, { cases }, key || undefined),
  decisions: (q: { program: string; outcome?: string; version?: string; from?: string; to?: string; limit?: number; cursor?: string }) => {
    const query = Object.entries(q).filter(([, v]) => v !== undefined && v !== "").map(([k, v]) => `${k}=${enc(String(v))}`).join("&");
    return call<Body<typeof C.DecisionPage>>("GET", `/v1/decisions?${query}`);
  },
  decision: (id: string, explain = false) => call<Body<typeof C.ExplainedDecision>>("GET", `/v1/decisions/${enc(id)}${explain ? "?explain=true" : ""}`),
  requestSets: (program: string) => call<Body<typeof C.RequestSetList>>("GET", `/v1/request-sets?program=${enc(program)}`),
  simulate: (body: SimulationBody) => call<SimulationJob>("POST", "/v1/simulations", body),
  simulation: (id: string) => call<SimulationJob>("GET", `/v1/simulations/${enc(id)}`),
  cancelSimulation: (id: string) => call<SimulationJob>("DELETE", `/v1/simulations/${enc(id)}`),
  changedPage: (id: string, offset: number, limit = 50) =>
    call<Body<typeof C.ChangedPage>>("GET", `/v1/simulations/${enc(id)}/changed?offset=${offset}&limit=${limit}`),
};

/** A failure in words for the author (the server's own message is already in words). */
export function inWords(e: unknown, doing: string): string {
  if (!(e instanceof AppError)) return `${doing} failed: ${e instanceof Error ? e.message : String(e)}`;
  switch (e.status) {
    case 0:
      return `${doing} failed: the server could not be reached. Check that it is running.`;
    case 401:
      return `${doing} needs an API key the server accepts (${e.message}). Enter it in “API key” at the top.`;
    case 403:
      return e.code === "loopback-only"
        ? `${doing} failed: the server has no API keys configured and answers only this machine.`
        : `${doing} is not allowed with this key: ${e.message}.`;
    default:
      return `${doing} failed: ${e.message}.`;
  }
}
