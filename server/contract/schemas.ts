/**
 * The HTTP contract, written once: every request and response body as a JSON Schema (built with TypeBox, whose
 * schemas are plain JSON Schema objects and whose `Static<>` gives the TypeScript type of each). From here come
 * the routes' body validation (validate.ts), the OpenAPI document (server/openapi.ts) and the editor's client
 * types (editor/api.ts imports them as types only). Bodies built by the engine (compiled policies, diagnostics,
 * simulation reports, analysis results) are documented here by their outline and typed by the engine's own
 * interfaces (`Type.Unsafe`), so the type stays the engine's and the document says what a client can rely on.
 * Objects stay open (no `additionalProperties: false`) unless a stray field would be silently ignored.
 */
import { Type, type TSchema } from "@sinclair/typebox";

export type { Static } from "@sinclair/typebox";
import type { CompiledPolicy } from "../../dsl/compiled.js";
import type { Diagnostic } from "../../dsl/diagnostics.js";
import type { AnalysisResult } from "../../engine/analysis/analyze.js";
import type { DiffResult } from "../../engine/analysis/diff.js";
import { PROGRAM_MANIFEST_SCHEMA } from "../../engine/program-manifest-schema.js";
import type { ProgramManifest } from "../../engine/program-manifest.js";
import type { ChangedRecord } from "../../engine/simulate/aggregate.js";
import type { SimulationReport } from "../../engine/simulate/report.js";
import { TEST_CASE_SCHEMA } from "../../engine/test-case-schema.js";
import type { PolicyTestCase } from "../../engine/test-cases.js";
import type { Decision as EngineDecision, RuleTrace } from "../../engine/types.js";

const Str = (description?: string) => Type.String(description ? { description } : {});
/** Non-blank text: at least one character that is not white space. */
const Text = (description: string, maxLength?: number) =>
  Type.String({ minLength: 1, pattern: "\\S", description, ...(maxLength ? { maxLength } : {}) });
const DateStr = (description?: string) => Type.String({ format: "date", ...(description ? { description } : {}) });
const DateTime = () => Type.String({ format: "date-time" });
/** A date or an ISO date-time with a zone (the decision log's bounds). */
const Instant = (description: string) =>
  Type.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2}))?$", description });
const Counter = Type.Record(Type.String(), Type.Number());
const PersonName = Type.String({ maxLength: 80, description: "who acts, in words (the key decides who it is)" });

// ---------------------------------------------------------------------------------------------------------------
// Shared parts

export const ErrorBody = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) }),
});

export const Person = Type.Object({ id: Str("`key:<12 hex>` or `loopback`"), name: Type.Optional(Type.String()) });

export const ReviewInfo = Type.Object({
  reviewId: Type.Optional(Type.String()),
  note: Type.String(),
  submittedBy: Person,
  submittedAt: DateTime(),
  approvedBy: Person,
  approvedAt: DateTime(),
  selfApproved: Type.Boolean(),
  retroactive: Type.Optional(Type.Object({ confirmedDecisions: Type.Integer() })),
});

export const WithdrawInfo = Type.Object({ at: DateTime(), by: Person, reason: Type.String() });

const Position = Type.Object({ line: Type.Integer(), column: Type.Integer(), offset: Type.Integer() });
export const DiagnosticSchema = Type.Unsafe<Diagnostic>(Type.Object({
  code: Type.String(), severity: Type.Union([Type.Literal("error"), Type.Literal("warning")]), message: Type.String(),
  help: Type.Optional(Type.String()), start: Position, end: Position,
}));

export const ProgramManifestSchema = Type.Unsafe<ProgramManifest>(
  Object.fromEntries(Object.entries(PROGRAM_MANIFEST_SCHEMA).filter(([k]) => k !== "$schema")),
);

export const TestCaseSchema = Type.Unsafe<PolicyTestCase>(TEST_CASE_SCHEMA);
const TestCases = Type.Array(TestCaseSchema, { maxItems: 10_000 });

export const VersionSummary = Type.Object({
  version: Type.String(),
  effective: DateStr(),
  end: Type.Optional(DateStr()),
  extends: Type.Optional(Type.String()),
  title: Type.String(),
  status: Type.String(),
  origin: Type.Union([Type.Literal("shipped"), Type.Literal("api")]),
  hash: Str("hash of the compiled policy"),
  publishedAt: DateTime(),
  review: Type.Optional(ReviewInfo),
  withdrawn: Type.Optional(WithdrawInfo),
});

export const Reason = Type.Object({ rule: Type.String(), code: Type.String(), text: Type.String(), citation: Type.String() });

export const RuleTraceSchema = Type.Unsafe<RuleTrace>(Type.Object({
  rule: Type.String(), fired: Type.Boolean(), outcome: Type.Optional(Type.String()), line: Type.Integer(),
  conditions: Type.Array(Type.Object({ condition: Type.String(), result: Type.Boolean(), values: Type.Object({}) })),
}));

/** A decision as the evaluate routes answer it (the program's outcomes are added per program in the document). */
export const DecisionAnswer = Type.Object({
  id: Str("decision id in the decision log"),
  program: Type.String(),
  version: Type.String(),
  hash: Str("hash of the compiled policy that decided"),
  decisionDate: Type.Optional(DateStr()),
  outcome: Type.String(),
  reasons: Type.Array(Reason),
  attributes: Type.Object({}),
  fired: Type.Array(Type.String()),
  explanation: Type.Optional(Type.Array(RuleTraceSchema)),
  counterfactual: Type.Optional(Type.Unknown({ description: "with ?counterfactual=true: the nearest requests with another outcome" })),
});

/** POST /v1/programs/{program}/dry-run: a draft decides one request as the server would; nothing is logged. */
export const DryRunBody = Type.Object({
  source: Text("the draft policy file's text"),
  request: Type.Object({}, { description: "a request of the program (its request schema is the draft's)" }),
  decisionDate: Type.Optional(DateStr("what today() returns; defaults to the server's date")),
  explain: Type.Optional(Type.Boolean({ default: true })),
}, { additionalProperties: false });
export const DryRunAnswer = Type.Object({
  dryRun: Type.Literal(true),
  logged: Type.Literal(false),
  program: Type.String(),
  version: Type.String(),
  hash: Str("hash of the draft's compiled policy"),
  decisionDate: DateStr(),
  outcome: Type.String(),
  reasons: Type.Array(Reason),
  attributes: Type.Object({}),
  fired: Type.Array(Type.String()),
  lookups: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Null()]), { description: "what duplicateOf was told: key -> the earlier request's id, or null" })),
  explanation: Type.Optional(Type.Array(RuleTraceSchema)),
  diagnostics: Type.Array(DiagnosticSchema, { description: "the draft's warnings" }),
});

// ---------------------------------------------------------------------------------------------------------------
// Programs, versions, compile

export const ProgramSummary = Type.Object({
  program: Type.String(),
  outcomes: Type.Array(Type.String()),
  manifest: ProgramManifestSchema,
  versions: Type.Array(VersionSummary),
});
export const ProgramList = Type.Object({ programs: Type.Array(ProgramSummary) });

export const VersionDetail = Type.Intersect([VersionSummary, Type.Object({
  program: Type.String(),
  author: Type.Optional(Type.String()),
  change: Type.Optional(Type.String()),
  outcomes: Type.Array(Type.String()),
  source: Type.String(),
  compiled: Type.Optional(Type.Unsafe<CompiledPolicy>(Type.Object({}, { description: "with ?include=compiled" }))),
})]);

const Consent = {
  retroactive: Type.Optional(Type.Boolean({ description: "the effective date may lie in the past" })),
  confirmRetroactive: Type.Optional(Type.Integer({ minimum: 0, description: "the number of decisions a past effective date moves, as the server counted them" })),
};

export const PublishBody = Type.Object({
  source: Text("the policy file: YAML envelope and DSL"),
  tests: Type.Optional(Type.Unsafe<readonly PolicyTestCase[]>({ ...TestCases, description: "the version's test cases, stored with it" })),
  note: Type.Optional(Type.String({ maxLength: 2000, description: "the change note (default: the envelope's `change`)" })),
  name: Type.Optional(PersonName),
  ...Consent,
});
export const PublishAnswer = Type.Intersect([VersionSummary, Type.Object({ program: Type.String(), diagnostics: Type.Array(DiagnosticSchema) })]);
export const PublishedAnswer = Type.Intersect([VersionSummary, Type.Object({ program: Type.String() })]);

export const WithdrawBody = Type.Object({ reason: Text("why the version is withdrawn", 2000), name: Type.Optional(PersonName) });

export const CompileBody = Type.Object({
  program: Type.Optional(Str("the program the draft must be of")),
  source: Text("the policy file: YAML envelope and DSL"),
});
export const CompileAnswer = Type.Object({
  diagnostics: Type.Array(DiagnosticSchema),
  compiled: Type.Union([Type.Unsafe<CompiledPolicy>(Type.Object({})), Type.Null()], { description: "when there is no error" }),
  analysis: Type.Optional(Type.Union([
    Type.Object({ findings: Type.Array(Type.Object({ code: Type.String(), severity: Type.String(), message: Type.String() })), inexact: Type.Optional(Type.Array(Type.Unknown())), stats: Type.Optional(Type.Object({})) }),
    Type.Null(),
  ], { description: "with ?analyze=true: the solver's findings (null when the draft has errors)" })),
});

// ---------------------------------------------------------------------------------------------------------------
// Reviews

export const PublishChecks = Type.Object({
  tests: Type.Object({ count: Type.Integer(), from: Type.Union([Type.String(), Type.Null()]) }),
  failing: Type.Array(Type.Object({ name: Type.String(), problems: Type.Array(Type.String()) })),
  retroactive: Type.Optional(Type.Object({ effective: DateStr(), today: DateStr(), decisions: Type.Integer() })),
});

export const Review = Type.Object({
  id: Type.String(),
  program: Type.String(),
  version: Type.String(),
  note: Type.String(),
  retroactive: Type.Boolean(),
  status: Type.Union([Type.Literal("pending"), Type.Literal("published"), Type.Literal("rejected")]),
  submittedBy: Person,
  submittedAt: DateTime(),
  decidedBy: Type.Optional(Person),
  decidedAt: Type.Optional(DateTime()),
  reason: Type.Optional(Type.String()),
  testCount: Type.Union([Type.Integer(), Type.Null()]),
  source: Type.Optional(Str("when one review is read")),
  tests: Type.Optional(Type.Array(TestCaseSchema)),
});

export const ReviewList = Type.Object({ reviews: Type.Array(Review), selfApproval: Type.Boolean({ description: "no keys configured: the one person at the machine approves their own" }) });
export const ReviewBody = Type.Object({
  source: Text("the policy file"),
  note: Type.Optional(Type.String({ maxLength: 2000, description: "what changes and why (default: the envelope's `change`; one of them is required)" })),
  tests: Type.Optional(Type.Unsafe<readonly PolicyTestCase[]>(TestCases)),
  retroactive: Consent.retroactive,
  name: Type.Optional(PersonName),
});
export const ReviewAnswer = Type.Object({ review: Review, checks: Type.Optional(PublishChecks), selfApproval: Type.Optional(Type.Boolean()) });
export const ApproveBody = Type.Object({ confirmRetroactive: Consent.confirmRetroactive, name: Type.Optional(PersonName) });
export const RejectBody = Type.Object({ reason: Text("why the draft is sent back"), name: Type.Optional(PersonName) });

// ---------------------------------------------------------------------------------------------------------------
// Test cases, drafts

export const Tests = Type.Object({
  program: Type.String(),
  version: Type.String(),
  origin: Type.Union([Type.Literal("shipped"), Type.Literal("api"), Type.Null()]),
  updatedAt: Type.Union([DateTime(), Type.Null()]),
  cases: Type.Array(TestCaseSchema),
});
export const TestsBody = Type.Object({ cases: Type.Unsafe<readonly PolicyTestCase[]>(TestCases) });
export const TestsSaved = Type.Intersect([Tests, Type.Object({
  results: Type.Array(Type.Object({ name: Type.String(), passed: Type.Boolean(), problems: Type.Array(Type.String()) })),
})]);

export const DraftMeta = Type.Object({
  program: Type.String(), name: Type.String(), base: Type.String(), revision: Type.Integer({ minimum: 1 }), updatedAt: DateTime(),
});
export const DraftList = Type.Object({ drafts: Type.Array(DraftMeta) });
export const Draft = Type.Intersect([DraftMeta, Type.Object({ source: Type.String() })]);
export const DraftBody = Type.Object({
  source: Type.String({ minLength: 1, description: "the draft's text (it need not compile)" }),
  base: Str("the published version the draft starts from"),
  revision: Type.Optional(Type.Integer({ minimum: 0, description: "the revision this save replaces (0 for a new draft)" })),
});

// ---------------------------------------------------------------------------------------------------------------
// Decision log

export const LoggedDecision = Type.Object({
  id: Type.String(),
  program: Type.String(),
  version: Type.String(),
  hash: Type.String(),
  outcome: Type.String(),
  decidedAt: DateTime(),
  latencyMs: Type.Number(),
  request: Type.Unknown({ description: "the request as it was sent" }),
  decision: Type.Unsafe<Omit<EngineDecision, "program" | "version" | "explanation" | "fired"> & {
    readonly fired?: readonly string[]; readonly decisionDate?: string; readonly lookups?: Readonly<Record<string, string | null>>;
  }>(Type.Object({
    outcome: Type.String(), reasons: Type.Array(Type.Object({ code: Type.String() })), attributes: Type.Object({}),
    decisionDate: Type.Optional(DateStr()), lookups: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Null()]))),
  }, { description: "the decision as answered, without the explanation, with what reproduces it" })),
});
export const DecisionPage = Type.Object({ items: Type.Array(LoggedDecision), nextCursor: Type.Optional(Type.String()) });
export const ExplainedDecision = Type.Intersect([LoggedDecision, Type.Object({
  explanation: Type.Optional(Type.Array(RuleTraceSchema)),
  reproduced: Type.Optional(Type.Boolean()),
  differences: Type.Optional(Type.Array(Type.String())),
})]);

// ---------------------------------------------------------------------------------------------------------------
// Request sets and simulations

export const RequestSet = Type.Object({
  id: Type.String(),
  program: Type.String(),
  name: Type.String(),
  count: Type.Integer({ minimum: 0 }),
  from: Type.Optional(DateStr()),
  to: Type.Optional(DateStr()),
  source: Type.Union([Type.Literal("synthetic"), Type.Literal("import"), Type.Literal("decision-log")]),
  invented: Type.Optional(Type.Boolean()),
  description: Type.Optional(Type.String()),
  createdAt: Type.Optional(DateTime()),
});
export const RequestSetList = Type.Array(RequestSet);
const RowIssue = Type.Object({}, { description: "a bad row: its line or index and what is wrong" });
export const RequestSetImported = Type.Object({
  requestSet: RequestSet, imported: Type.Integer(), skipped: Type.Integer(), errors: Type.Array(RowIssue),
});
export const RequestSetSelected = Type.Object({ requestSet: RequestSet });
export const FromLogBody = Type.Object({
  program: Text("the program"),
  name: Type.Optional(Text("the set's name")),
  from: Type.Optional(Instant("decided at or after: a date or a date-time with a zone")),
  to: Type.Optional(Instant("a date (through that day) or a date-time (before it)")),
  version: Type.Optional(Text("decided under this version")),
  outcome: Type.Optional(Text("with this outcome")),
});

/** One side of a comparison: a published version or a draft source. */
const Side = (what: string) => Type.Union([
  Type.Object({ version: Text(`a published version (${what})`) }, { additionalProperties: false }),
  Type.Object({ source: Text(`a draft policy file (${what})`) }, { additionalProperties: false }),
]);

export const SimulationBody = Type.Object({
  program: Text("the program"),
  baseline: Text("the published version compared against"),
  candidate: Side("the candidate"),
  params: Type.Optional(Type.Object({}, { description: "candidate parameter values" })),
  baselineParams: Type.Optional(Type.Object({}, { description: "baseline parameter values" })),
  requestSet: Type.Optional(Text("a request set id (default: the program's shipped history)")),
  reviewOutcomes: Type.Optional(Type.Array(Type.String(), { description: "outcomes counted as reviews (default: the manifest's)" })),
  fundControl: Type.Optional(Type.Union([
    Type.Literal(false),
    Type.Object({ allowance: Type.Unknown() }, { description: "fund-control figures: allowance and the rest of FundControlParams" }),
  ])),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
}, { additionalProperties: false });

export const ChangedRequestSchema = Type.Unsafe<ChangedRecord>(Type.Object({
  index: Type.Integer(),
  id: Type.Optional(Type.String()),
  date: Type.Optional(Type.String()),
  baseline: Type.Object({ outcome: Type.String(), reasons: Type.Array(Type.String()), fired: Type.Array(Type.String()) }),
  candidate: Type.Object({ outcome: Type.String(), reasons: Type.Array(Type.String()), fired: Type.Array(Type.String()) }),
  rules: Type.Object({ onlyBaseline: Type.Array(Type.String()), onlyCandidate: Type.Array(Type.String()) }),
  request: Type.Optional(Type.Unknown()),
}));

const SideReport = Type.Object({ version: Type.String(), draft: Type.Boolean(), counts: Counter, shares: Counter, cost: Counter });
export const SimulationReportSchema = Type.Unsafe<SimulationReport>(Type.Object({
  program: Type.String(),
  total: Type.Integer(),
  invalid: Type.Object({ count: Type.Integer() }),
  baseline: SideReport,
  candidate: SideReport,
  transitions: Counter,
  reviewOutcomes: Type.Array(Type.String()),
  reviewsPerWeek: Type.Record(Type.String(), Type.Object({ baseline: Type.Number(), candidate: Type.Number() })),
  reviews: Type.Object({ baseline: Type.Object({ perWeek: Type.Number() }), candidate: Type.Object({ perWeek: Type.Number() }), changeShare: Type.Union([Type.Number(), Type.Null()]) }),
  byFiscalYear: Type.Object({}),
  changed: Type.Object({ total: Type.Integer(), pageSize: Type.Integer(), first: Type.Array(ChangedRequestSchema) }),
  rulesNeverFired: Type.Object({ baseline: Type.Array(Type.String()), candidate: Type.Array(Type.String()) }),
  fundControl: Type.Optional(Type.Object({}, { description: "per quarter, programs whose manifest names a priority attribute" })),
}));

export const SimulationJob = Type.Object({
  id: Type.String(),
  status: Type.Union([Type.Literal("queued"), Type.Literal("running"), Type.Literal("done"), Type.Literal("failed"), Type.Literal("cancelled")]),
  progress: Type.Number({ minimum: 0, maximum: 1 }),
  phase: Type.Optional(Type.Union([Type.Literal("generating"), Type.Literal("simulating")])),
  program: Type.Optional(Type.String()),
  baseline: Type.Optional(Type.String()),
  candidate: Type.Optional(Str("the candidate version, or `draft`")),
  requestSet: Type.Optional(Type.String()),
  createdAt: Type.Optional(DateTime()),
  startedAt: Type.Optional(DateTime()),
  finishedAt: Type.Optional(DateTime()),
  startedBy: Type.Optional(Str("the replica that took the request (PRECEPT_REPLICA_ID)")),
  slices: Type.Optional(Type.Object({ total: Type.Integer(), done: Type.Integer() })),
  replicas: Type.Optional(Type.Record(Type.String(), Type.Object({ slices: Type.Integer(), requests: Type.Integer() }), { description: "each replica's share: the slices and requests it finished" })),
  report: Type.Optional(SimulationReportSchema),
  error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) })),
});
export const ChangedPage = Type.Object({
  id: Type.String(),
  total: Type.Integer(),
  offset: Type.Integer(),
  limit: Type.Integer(),
  items: Type.Array(ChangedRequestSchema),
  nextOffset: Type.Optional(Type.Integer()),
});

// ---------------------------------------------------------------------------------------------------------------
// Analysis

/** A time budget below the server's (PRECEPT_ANALYSIS_TIMEOUT_MS); past it the answer is `unknown`, "time limit". */
const TimeLimit = Type.Integer({ minimum: 1, description: "milliseconds, at most the server's analysis budget" });
export const DiffBody = Type.Object({
  program: Text("the program"),
  old: Side("the old side"),
  new: Side("the new side"),
  regionsPerTransition: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
  timeLimitMs: Type.Optional(TimeLimit),
});
const Overlaps = Type.Boolean({ default: true, description: "false skips the quadratic search for overlapping rules" });
export const AnalyzeBody = Type.Union([
  Type.Object({ program: Text("the program"), version: Text("a published version"), overlaps: Type.Optional(Overlaps), timeLimitMs: Type.Optional(TimeLimit) }),
  Type.Object({ program: Text("the program"), source: Text("a draft policy file"), overlaps: Type.Optional(Overlaps), timeLimitMs: Type.Optional(TimeLimit) }),
]);
const CounterfactualFields = {
  request: Type.Object({}, { description: "the request whose decision is to change" }),
  decisionDate: Type.Optional(DateStr("what today() returns")),
  timeLimitMs: Type.Optional(TimeLimit),
};
export const CounterfactualBody = Type.Union([
  Type.Object({ program: Text("the program"), version: Text("a published version"), ...CounterfactualFields }),
  Type.Object({ program: Text("the program"), source: Text("a draft policy file"), ...CounterfactualFields }),
]);
export const CounterfactualAnswer = Type.Object({
  decision: Type.Object({ outcome: Type.String(), reasons: Type.Array(Type.String()), attributes: Type.Object({}) }),
  actionable: Type.Array(Type.String()),
  alternatives: Type.Array(Type.Object({ outcome: Type.String(), changes: Type.Array(Type.Object({ field: Type.String(), from: Type.Unknown(), to: Type.Unknown() })) })),
  unreachable: Type.Array(Type.Unknown()),
  unknown: Type.Optional(Type.Array(Type.String())),
  stats: Type.Optional(Type.Object({})),
});
const Region = Type.Object({ where: Str("the region in words"), example: Type.Optional(Type.Object({})) });
export const DiffAnswer = Type.Unsafe<DiffResult>(Type.Object({
  verdict: Type.Union([Type.Literal("equivalent"), Type.Literal("different"), Type.Literal("unknown")]),
  transitions: Type.Array(Type.Object({ from: Type.String(), to: Type.String(), regions: Type.Array(Region) })),
  reasons: Type.Array(Type.Object({})),
  attributes: Type.Array(Type.Object({})),
  unknown: Type.Array(Type.String()),
  stats: Type.Optional(Type.Object({})),
}));
export const AnalyzeAnswer = Type.Unsafe<AnalysisResult>(Type.Object({
  findings: Type.Array(Type.Object({
    code: Type.String(), severity: Type.Union([Type.Literal("error"), Type.Literal("warning"), Type.Literal("info")]), message: Type.String(),
  })),
}));

// ---------------------------------------------------------------------------------------------------------------
// Health

export const Health = Type.Object({ status: Type.Literal("ok") });
export const Ready = Type.Object({
  status: Type.Union([Type.Literal("ready"), Type.Literal("not-ready")]),
  checks: Type.Record(Type.String(), Type.String()),
  store: Type.String(),
  programs: Type.Integer(),
  versions: Type.Integer(),
});

/** Every named body, as the OpenAPI document's components (`#/components/schemas/<name>`). */
export const CONTRACT_SCHEMAS: Readonly<Record<string, TSchema>> = {
  Error: ErrorBody, Person, ReviewInfo, WithdrawInfo, Diagnostic: DiagnosticSchema, ProgramManifest: ProgramManifestSchema,
  TestCase: TestCaseSchema, VersionSummary, Reason, RuleTrace: RuleTraceSchema, Decision: DecisionAnswer, DryRunBody, DryRunAnswer,
  ProgramList, VersionDetail, PublishBody, PublishAnswer, PublishedAnswer, WithdrawBody, CompileBody, CompileAnswer,
  PublishChecks, Review, ReviewList, ReviewBody, ReviewAnswer, ApproveBody, RejectBody,
  Tests, TestsBody, TestsSaved, DraftMeta, DraftList, Draft, DraftBody,
  LoggedDecision, DecisionPage, ExplainedDecision,
  RequestSet, RequestSetList, RequestSetImported, RequestSetSelected, FromLogBody,
  SimulationBody, ChangedRequest: ChangedRequestSchema, SimulationReport: SimulationReportSchema, SimulationJob, ChangedPage,
  DiffBody, AnalyzeBody, DiffAnswer, AnalyzeAnswer, CounterfactualBody, CounterfactualAnswer, Health, Ready,
};
