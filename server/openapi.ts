/**
 * The OpenAPI 3.1 document, generated from the registry: each program's request schema is the `requestSchema`
 * embedded in its compiled policies — the very schema the evaluator validates with — so the document cannot
 * drift from what the server accepts. Evaluate paths are emitted per program (a templated `{program}` path could
 * not name a different body schema per program); the rest are generic.
 */
import { PROGRAM_MANIFEST_SCHEMA } from "../engine/program-manifest-schema.js";
import { Manifests } from "../engine/program-manifest.js";
import { TEST_CASE_SCHEMA, TEST_CASES_SCHEMA } from "../engine/test-case-schema.js";
import type { Registry, Entry } from "./registry.js";
import { analysisOpenApiPaths, findingSchema } from "./routes/analysis.js";
import { simulationOpenApiPaths } from "./routes/simulations.js";

type Schema = Record<string, unknown>;

/** Embeds a standalone JSON Schema under components: root-relative `$ref`s point into its new home. */
export function embedSchema(schema: unknown, home: string, root = true): unknown {
  if (Array.isArray(schema)) return schema.map((s) => embedSchema(s, home, false));
  if (schema === null || typeof schema !== "object") return schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(schema as Schema)) {
    if (root && (k === "$schema" || k === "$id")) continue;
    if (k === "$ref" && typeof v === "string" && v.startsWith("#")) out[k] = `${home}${v.slice(1)}`;
    else out[k] = embedSchema(v, home, false);
  }
  return out;
}

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema): Schema => ({ "application/json": { schema } });
const errorResponses = (...codes: number[]): Record<string, unknown> =>
  Object.fromEntries(codes.map((c) => [String(c), { $ref: `#/components/responses/E${c}` }]));

const ERROR_TEXT: Record<number, string> = {
  400: "malformed JSON, a forbidden key, NUL or a lone surrogate, a non-finite number, nesting past 100 levels (details.path), a request that breaks the schema (details.errors lists each JSON path, at most PRECEPT_MAX_ERRORS, details.more counts the rest), or a malformed, repeated or unknown parameter (details.parameter)",
  401: "missing or unknown API key",
  403: "the key's role may not do this (or: no keys configured and the client is not on loopback)",
  404: "unknown program or version",
  409: "conflict with what is stored (the version is already published; a logged decision's version is not served here)",
  413: "body larger than the configured limit",
  410: "the version was withdrawn (details.reason says why)",
  415: "wrong content type",
  422: "the policy does not compile, exceeds a size or compile budget (`policy-limit`, a `limit/…` diagnostic), cannot be evaluated (`policy-unevaluable`), or publishing is refused (`publish-refused`: details.reasons in words); details.diagnostics",
  503: "the server cannot do this now (the store is away: disk full or database unreachable, nothing was decided; or the compile workers are busy: `compile-busy`, `compile-failed`): try again shortly",
};

function commonComponents(): Schema {
  const diagnosticPos = { type: "object", required: ["line", "column", "offset"], properties: { line: { type: "integer" }, column: { type: "integer" }, offset: { type: "integer" } } };
  return {
    Error: {
      type: "object",
      required: ["error"],
      properties: {
        error: { type: "object", required: ["code", "message"], properties: { code: { type: "string" }, message: { type: "string" }, details: {} } },
      },
    },
    Reason: {
      type: "object",
      required: ["rule", "code", "text", "citation"],
      properties: { rule: { type: "string" }, code: { type: "string" }, text: { type: "string" }, citation: { type: "string" } },
    },
    RuleTrace: {
      type: "object",
      required: ["rule", "fired", "line", "conditions"],
      properties: {
        rule: { type: "string" },
        fired: { type: "boolean" },
        outcome: { type: "string" },
        line: { type: "integer" },
        conditions: {
          type: "array",
          items: { type: "object", required: ["condition", "result", "values"], properties: { condition: { type: "string" }, result: { type: "boolean" }, values: { type: "object" } } },
        },
      },
    },
    Decision: {
      type: "object",
      required: ["id", "program", "version", "hash", "outcome", "reasons", "attributes", "fired"],
      properties: {
        id: { type: "string", description: "decision id in the decision log" },
        program: { type: "string" },
        version: { type: "string" },
        hash: { type: "string", description: "hash of the compiled policy that decided" },
        decisionDate: { type: "string", format: "date" },
        outcome: { type: "string" },
        reasons: { type: "array", items: ref("Reason") },
        attributes: { type: "object" },
        fired: { type: "array", items: { type: "string" } },
        explanation: { type: "array", items: ref("RuleTrace") },
      },
    },
    Diagnostic: {
      type: "object",
      required: ["code", "severity", "message", "start", "end"],
      properties: { code: { type: "string" }, severity: { enum: ["error", "warning"] }, message: { type: "string" }, help: { type: "string" }, start: diagnosticPos, end: diagnosticPos },
    },
    // The manifest schema without its dialect line: OpenAPI 3.1 schemas are 2020-12 already.
    ProgramManifest: Object.fromEntries(Object.entries(PROGRAM_MANIFEST_SCHEMA).filter(([k]) => k !== "$schema")),
    VersionSummary: {
      type: "object",
      required: ["version", "effective", "title", "status", "hash", "publishedAt"],
      properties: {
        version: { type: "string" }, effective: { type: "string", format: "date" }, end: { type: "string", format: "date" },
        extends: { type: "string" }, title: { type: "string" }, status: { type: "string" }, origin: { enum: ["shipped", "api"] },
        hash: { type: "string" }, publishedAt: { type: "string", format: "date-time" },
      },
    },
    SourceBody: {
      type: "object", required: ["source"],
      properties: {
        source: { type: "string", description: "the policy file: YAML envelope and DSL" },
        tests: { ...TEST_CASES_SCHEMA, description: "the version's test cases, stored with it" },
      },
    },
    TestCase: TEST_CASE_SCHEMA,
    DraftMeta: {
      type: "object",
      properties: { program: { type: "string" }, name: { type: "string" }, base: { type: "string" }, revision: { type: "integer" }, updatedAt: { type: "string", format: "date-time" } },
    },
    Tests: {
      type: "object",
      properties: {
        program: { type: "string" }, version: { type: "string" }, origin: { enum: ["shipped", "api", null] },
        updatedAt: { type: ["string", "null"], format: "date-time" }, cases: { type: "array", items: ref("TestCase") },
      },
    },
  };
}

function evaluateOps(program: string, entries: Entry[], components: Schema, dateOfService: string): Record<string, unknown> {
  // One component per distinct request schema; the newest version's is `<program>.Request`.
  const newest = entries.at(-1)!;
  const names = new Map<string, string>();
  const bodyFor = new Map<string, Schema>();
  for (const e of [...entries].reverse()) {
    const text = JSON.stringify(e.compiled.requestSchema);
    let name = names.get(text);
    if (!name) {
      name = e === newest ? `${program}.Request` : `${program}_${e.version}.Request`;
      names.set(text, name);
      components[name] = embedSchema(e.compiled.requestSchema, `#/components/schemas/${name}`);
    }
    bodyFor.set(e.version, ref(name));
  }
  const distinct = [...new Set([...bodyFor.values()].map((r) => r.$ref as string))].map((r) => ({ $ref: r }));
  const anyVersionBody: Schema = distinct.length === 1 ? distinct[0]! : { anyOf: distinct };
  const decisionName = `${program}.Decision`;
  components[decisionName] = { allOf: [ref("Decision"), { properties: { outcome: { enum: newest.compiled.outcomes } } }] };
  const versionParam = { name: "version", in: "path", required: true, schema: { enum: entries.map((e) => e.version) } };
  const queryParams = [
    { name: "explain", in: "query", schema: { type: "boolean" }, description: "include the rule-by-rule explanation" },
    { name: "decisionDate", in: "query", schema: { type: "string", format: "date" }, description: "the date today() returns" },
    { name: "counterfactual", in: "query", schema: { type: "boolean" }, description: "add `counterfactual`: the nearest requests with another outcome, changing only actionable fields" },
  ];
  const tag = [program];
  const sec = { "x-precept-role": "service" };
  return {
    [`/v1/programs/${program}/evaluate`]: {
      post: {
        tags: tag, ...sec, operationId: `evaluate_${program}`,
        summary: `Decide one ${program} request under the version in force on its ${dateOfService}`,
        parameters: queryParams,
        requestBody: { required: true, content: json(anyVersionBody) },
        responses: { 200: { description: "the decision (logged)", content: json(ref(decisionName)) }, ...errorResponses(400, 401, 403, 404, 413, 415, 503) },
      },
    },
    [`/v1/programs/${program}/versions/{version}/evaluate`]: {
      post: {
        tags: tag, ...sec, operationId: `evaluate_${program}_version`,
        summary: `Decide one ${program} request under a named version`,
        parameters: [versionParam, ...queryParams],
        requestBody: { required: true, content: json(anyVersionBody) },
        responses: { 200: { description: "the decision (logged)", content: json(ref(decisionName)) }, ...errorResponses(400, 401, 403, 404, 410, 413, 415, 503) },
      },
    },
    [`/v1/programs/${program}/versions/{version}/evaluate-batch`]: {
      post: {
        tags: tag, ...sec, operationId: `evaluate_batch_${program}`,
        summary: `Decide many ${program} requests; the answer streams one item per request, in order, in the input's format`,
        parameters: [versionParam, ...queryParams],
        requestBody: {
          required: true,
          description: "a JSON array of requests, or NDJSON: one request per line (the schema is that of a line)",
          content: {
            "application/json": { schema: { type: "array", items: anyVersionBody } },
            "application/x-ndjson": { schema: anyVersionBody },
          },
        },
        responses: {
          200: {
            description: "decisions (or, at the position of a bad item, an Error object with details.index); an NDJSON body past the batch limit ends with a payload-too-large Error whose details.index is the number answered and details.line the first line not read",
            content: {
              "application/json": { schema: { type: "array", items: { oneOf: [ref(decisionName), ref("Error")] } } },
              "application/x-ndjson": { schema: { oneOf: [ref(decisionName), ref("Error")] } },
            },
          },
          ...errorResponses(400, 401, 403, 404, 413, 415, 503),
        },
      },
    },
  };
}

export function buildOpenApi(registry: Registry, manifests: Manifests = new Manifests()): object {
  const components = commonComponents();
  const programPaths: Record<string, unknown> = {};
  for (const program of registry.programNames()) {
    const versions = registry.versions(program);
    const newest = versions.at(-1);
    const field = (manifests.get(program) ?? (newest ? manifests.of(newest.compiled) : undefined))?.dateOfService ?? "dateOfService";
    Object.assign(programPaths, evaluateOps(program, versions, components, field));
  }
  const sec = (role: string): Schema => ({ "x-precept-role": role });
  return {
    openapi: "3.1.0",
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    info: { title: "Precept", version: "1", description: "Coverage policy as code: evaluate requests under versioned policies, publish versions, read the decision log." },
    security: [{ bearer: [] }, { apiKey: [] }],
    tags: registry.programNames().map((name) => ({ name })),
    paths: {
      ...simulationOpenApiPaths(),
      ...analysisOpenApiPaths(),
      "/health": { get: { security: [], operationId: "health", responses: { 200: { description: "alive" } } } },
      "/ready": { get: { security: [], operationId: "ready", responses: { 200: { description: "ready" }, 503: { description: "not ready" } } } },
      "/openapi.json": { get: { security: [], operationId: "openapi", responses: { 200: { description: "this document" } } } },
      "/v1/programs": {
        get: {
          operationId: "listPrograms", summary: "Programs with their versions",
          responses: {
            200: {
              description: "programs",
              content: json({ type: "object", properties: { programs: { type: "array", items: { type: "object", properties: { program: { type: "string" }, outcomes: { type: "array", items: { type: "string" } }, manifest: ref("ProgramManifest"), versions: { type: "array", items: ref("VersionSummary") } } } } } }),
            },
            ...errorResponses(401, 403),
          },
        },
      },
      "/v1/programs/{program}/versions/{version}": {
        get: {
          operationId: "getVersion", summary: "A version's source, metadata and compiled hash",
          parameters: [
            { name: "program", in: "path", required: true, schema: { type: "string" } },
            { name: "version", in: "path", required: true, schema: { type: "string" } },
            { name: "include", in: "query", schema: { enum: ["compiled"] } },
          ],
          responses: { 200: { description: "the version", content: json({ allOf: [ref("VersionSummary"), { type: "object", properties: { program: { type: "string" }, source: { type: "string" }, compiled: { type: "object" } } }] }) }, ...errorResponses(401, 403, 404) },
        },
      },
      "/v1/programs/{program}/versions": {
        post: {
          ...sec("author"), operationId: "publishVersion", summary: "Publish a version; its id and dates come from the source's envelope",
          parameters: [{ name: "program", in: "path", required: true, schema: { type: "string" } }],
          requestBody: { required: true, content: json(ref("SourceBody")) },
          responses: { 201: { description: "published", content: json(ref("VersionSummary")) }, ...errorResponses(400, 401, 403, 409, 413, 415, 422, 503) },
        },
      },
      "/v1/programs/{program}/reviews": {
        parameters: [{ name: "program", in: "path", required: true, schema: { type: "string" } }],
        get: {
          operationId: "listReviews", summary: "Drafts submitted for review, newest first (selfApproval: no keys configured)",
          responses: { 200: { description: "reviews", content: json({ type: "object", properties: { reviews: { type: "array" }, selfApproval: { type: "boolean" } } }) }, ...errorResponses(401, 403, 404) },
        },
        post: {
          ...sec("author"), operationId: "submitReview", summary: "Submit a draft for review; a second author approves it (server/publish-review.ts)",
          requestBody: { required: true, content: json({ type: "object", required: ["source", "note"], properties: { source: { type: "string" }, note: { type: "string" }, tests: { type: "array" }, retroactive: { type: "boolean" }, name: { type: "string" } } }) },
          responses: { 201: { description: "submitted, with the checks (failing test cases, a past effective date and the decisions it would move)", content: json({ type: "object" }) }, ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422) },
        },
      },
      "/v1/programs/{program}/reviews/{id}": {
        parameters: [{ name: "program", in: "path", required: true, schema: { type: "string" } }, { name: "id", in: "path", required: true, schema: { type: "string" } }],
        get: { operationId: "getReview", summary: "A review with its source and the checks run again now", responses: { 200: { description: "the review", content: json({ type: "object" }) }, ...errorResponses(401, 403, 404) } },
      },
      "/v1/programs/{program}/reviews/{id}/approve": {
        parameters: [{ name: "program", in: "path", required: true, schema: { type: "string" } }, { name: "id", in: "path", required: true, schema: { type: "string" } }],
        post: {
          ...sec("author"), operationId: "approveReview", summary: "Approve (another author's key) and publish; a past date needs confirmRetroactive = the affected decisions",
          requestBody: { required: false, content: json({ type: "object", properties: { confirmRetroactive: { type: "integer", minimum: 0 }, name: { type: "string" } } }) },
          responses: { 201: { description: "published", content: json(ref("VersionSummary")) }, ...errorResponses(400, 401, 403, 404, 409, 422) },
        },
      },
      "/v1/programs/{program}/reviews/{id}/reject": {
        parameters: [{ name: "program", in: "path", required: true, schema: { type: "string" } }, { name: "id", in: "path", required: true, schema: { type: "string" } }],
        post: {
          ...sec("author"), operationId: "rejectReview", summary: "Send a draft back to its author, with the reason",
          requestBody: { required: true, content: json({ type: "object", required: ["reason"], properties: { reason: { type: "string" }, name: { type: "string" } } }) },
          responses: { 200: { description: "rejected", content: json({ type: "object" }) }, ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      "/v1/programs/{program}/versions/{version}/withdraw": {
        parameters: [{ name: "program", in: "path", required: true, schema: { type: "string" } }, { name: "version", in: "path", required: true, schema: { type: "string" } }],
        post: {
          ...sec("author"), operationId: "withdrawVersion", summary: "Withdraw a version: still readable and explainable, never in force, evaluating under it answers 410",
          requestBody: { required: true, content: json({ type: "object", required: ["reason"], properties: { reason: { type: "string" }, name: { type: "string" } } }) },
          responses: { 200: { description: "withdrawn", content: json(ref("VersionSummary")) }, ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      "/v1/programs/{program}/versions/{version}/tests": {
        parameters: [
          { name: "program", in: "path", required: true, schema: { type: "string" } },
          { name: "version", in: "path", required: true, schema: { type: "string" } },
        ],
        get: {
          operationId: "getTests", summary: "A version's test cases (empty when it has none)",
          responses: { 200: { description: "the cases", content: json(ref("Tests")) }, ...errorResponses(401, 403, 404) },
        },
        put: {
          ...sec("author"), operationId: "saveTests", summary: "Replace a version's test cases; answers how each runs under the version",
          requestBody: { required: true, content: json({ type: "object", required: ["cases"], properties: { cases: { type: "array", items: ref("TestCase") } } }) },
          responses: {
            200: {
              description: "saved",
              content: json({ allOf: [ref("Tests"), { type: "object", properties: { results: { type: "array", items: { type: "object", properties: { name: { type: "string" }, passed: { type: "boolean" }, problems: { type: "array", items: { type: "string" } } } } } } }] }),
            },
            ...errorResponses(400, 401, 403, 404, 413, 415, 422),
          },
        },
      },
      "/v1/compile": {
        post: {
          ...sec("author"), operationId: "compile", summary: "Compile a draft; nothing is stored",
          parameters: [{ name: "analyze", in: "query", schema: { type: "boolean", default: false }, description: "also run the solver's analysis (rules that never fire or never decide, constant conditions, overlaps, gaps): about 1–2 s" }],
          requestBody: { required: true, content: json({ type: "object", required: ["source"], properties: { program: { type: "string" }, source: { type: "string" } } }) },
          responses: { 200: { description: "diagnostics and, when there is no error, the compiled policy; with `analyze=true`, the findings (null when the draft has errors)", content: json({ type: "object", properties: {
            diagnostics: { type: "array", items: ref("Diagnostic") }, compiled: { type: ["object", "null"] },
            analysis: { oneOf: [{ type: "null" }, { type: "object", properties: { findings: { type: "array", items: findingSchema }, inexact: { type: "array", items: { type: "string" } }, stats: { type: "object" } } }] },
          } }) }, ...errorResponses(400, 401, 403, 413, 415, 422, 503) },
        },
      },
      "/v1/decisions": {
        get: {
          ...sec("analyst"), operationId: "listDecisions", summary: "The decision log, newest first",
          parameters: [
            ...["program", "version", "outcome"].map((name) => ({ name, in: "query", schema: { type: "string" } })),
            { name: "from", in: "query", schema: { type: "string" }, description: "date or date-time, inclusive" },
            { name: "to", in: "query", schema: { type: "string" }, description: "a date (through that day) or a date-time (exclusive)" },
            { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 1000, default: 100 } },
            { name: "cursor", in: "query", schema: { type: "string" } },
          ],
          responses: { 200: { description: "a page", content: json({ type: "object", properties: { items: { type: "array" }, nextCursor: { type: "string" } } }) }, ...errorResponses(400, 401, 403) },
        },
      },
      "/v1/drafts": {
        get: {
          operationId: "listDrafts", summary: "A program's shared drafts, newest first",
          parameters: [{ name: "program", in: "query", required: true, schema: { type: "string" } }],
          responses: { 200: { description: "drafts (without their source)", content: json({ type: "object", properties: { drafts: { type: "array", items: ref("DraftMeta") } } }) }, ...errorResponses(400, 401, 403, 404) },
        },
      },
      "/v1/drafts/{program}/{name}": {
        parameters: [
          { name: "program", in: "path", required: true, schema: { type: "string" } },
          { name: "name", in: "path", required: true, schema: { type: "string", pattern: "^[A-Za-z0-9._-]{1,64}(\\+new)?$" }, description: "the version the draft changes, or `<version>+new` for a new version extending it" },
        ],
        get: {
          operationId: "getDraft", summary: "A shared draft with its source",
          responses: { 200: { description: "the draft", content: json({ allOf: [ref("DraftMeta"), { type: "object", properties: { source: { type: "string" } } }] }) }, ...errorResponses(400, 401, 403, 404) },
        },
        put: {
          ...sec("author"), operationId: "saveDraft", summary: "Share a draft; with `revision`, only over that revision (409 draft-changed otherwise)",
          requestBody: { required: true, content: json({ type: "object", required: ["source", "base"], properties: { source: { type: "string" }, base: { type: "string" }, revision: { type: "integer", minimum: 0 } } }) },
          responses: { 200: { description: "saved", content: json(ref("DraftMeta")) }, ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
        },
        delete: {
          ...sec("author"), operationId: "deleteDraft", summary: "Delete a shared draft",
          responses: { 204: { description: "deleted" }, ...errorResponses(400, 401, 403, 404) },
        },
      },
      "/v1/decisions/{id}": {
        get: {
          ...sec("analyst"), operationId: "getDecision", summary: "One logged decision; with explain=true, explained again under its version, date and duplicate lookups",
          parameters: [
            { name: "id", in: "path", required: true, schema: { type: "string" } },
            { name: "explain", in: "query", schema: { type: "boolean", default: false } },
          ],
          responses: {
            200: { description: "the decision (with `explanation`, `reproduced` and any `differences` when explained)", content: json({ type: "object" }) },
            ...errorResponses(400, 401, 403, 404, 409),
          },
        },
      },
      ...programPaths,
    },
    components: {
      schemas: components,
      responses: Object.fromEntries(Object.entries(ERROR_TEXT).map(([code, text]) => [`E${code}`, { description: text, content: json(ref("Error")) }])),
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "API key as a bearer token" },
        apiKey: { type: "apiKey", in: "header", name: "x-api-key" },
      },
    },
  };
}
