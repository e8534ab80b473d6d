/**
 * `POST /v1/compile?analyze=true` and `POST /v1/analysis/counterfactual` over real HTTP on the shipped policies:
 * the solver's findings beside the compile diagnostics (catalogue codes and help, at the rule's line), what a draft
 * with errors gets, bad input, and the OpenAPI document.
 */
import { readFileSync } from "node:fs";
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogue } from "../../dsl/catalogue.js";
import { call, removeTempDirs, SHIPPED, startTestServer, type TestServer } from "./helpers.js";

const KEYS = { author: "author-key-0001", analyst: "analyst-key-0001", service: "service-key-0001" };
const base = readFileSync("policies/ice-tar/2010.1.policy", "utf8");
// A rule no request can meet: a cost over 10 and under 5.
const impossible = `${base}
rule never-happens
  when service.estimatedCost > 10 and service.estimatedCost < 5
  then deny
  code impossible
  reason "Never"
`;
const lineOf = (text: string, needle: string): number => text.split("\n").findIndex((l) => l.includes(needle)) + 1;

describe("POST /v1/compile?analyze=true", () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ policiesDir: SHIPPED, keys: `author:${KEYS.author},analyst:${KEYS.analyst},service:${KEYS.service}` });
  });
  afterAll(async () => {
    await srv?.stop();
    removeTempDirs();
  });

  it("when a draft has a rule that can never fire, then the finding comes beside the diagnostics at the rule's line, with the catalogue's help", async () => {
    const r = await call(srv.url, "/v1/compile?analyze=true", { body: { program: "ice-tar", source: impossible }, key: KEYS.author });
    expect(r.status).toBe(200);
    expect(r.body.diagnostics.filter((d: { severity: string }) => d.severity === "error")).toEqual([]);
    expect(r.body.compiled.version).toBe("2010.1");
    const findings = r.body.analysis.findings as { code: string; severity: string; rule?: string; help?: string; start: { line: number; column: number }; version: string }[];
    const never = findings.filter((f) => f.code === "analysis-never-fires");
    expect(never.map((f) => [f.rule, f.start.line, f.version])).toEqual([["never-happens", lineOf(impossible, "rule never-happens"), "2010.1"]]);
    expect(never[0]!.severity).toBe("warning");
    expect(never[0]!.help).toBe(catalogue["analysis-never-fires"].help);
    // Every finding is a catalogue code with its help; none is among the compile diagnostics.
    for (const f of findings) expect(f.help, f.code).toBe(catalogue[f.code as keyof typeof catalogue]?.help ?? f.help);
    expect(r.body.diagnostics.some((d: { code: string }) => d.code.startsWith("analysis-"))).toBe(false);
  });

  it("when the shipped text is compiled with analyze, then it has no warnings; without analyze the answer has no analysis", async () => {
    const r = await call(srv.url, "/v1/compile?analyze=true", { body: { source: base }, key: KEYS.author });
    expect(r.status).toBe(200);
    expect(r.body.analysis.findings.filter((f: { severity: string }) => f.severity === "warning")).toEqual([]);
    // Overlaps are notes (precedence decides them); without the pair search there are none.
    const overlap = (fs: { code: string; severity: string }[]) => fs.filter((f) => f.code === "analysis-overlap");
    expect(overlap(r.body.analysis.findings).length).toBeGreaterThan(0);
    expect(overlap(r.body.analysis.findings).every((f) => f.severity === "info")).toBe(true);
    const quick = await call(srv.url, "/v1/analysis/analyze", { body: { program: "ice-tar", source: base, overlaps: false }, key: KEYS.analyst });
    expect(quick.status).toBe(200);
    expect(overlap(quick.body.findings)).toEqual([]);
    const plain = await call(srv.url, "/v1/compile", { body: { source: base }, key: KEYS.author });
    expect(plain.status).toBe(200);
    expect(plain.body).not.toHaveProperty("analysis");
  });

  it("when the draft has errors, then analysis is null and the diagnostics say why; a bad flag is a 400; analysts may not compile", async () => {
    const broken = await call(srv.url, "/v1/compile?analyze=true", { body: { source: base.replace("then pend", "then maybe") }, key: KEYS.author });
    expect(broken.status).toBe(200);
    expect(broken.body.compiled).toBeNull();
    expect(broken.body.analysis).toBeNull();
    expect(broken.body.diagnostics.some((d: { severity: string }) => d.severity === "error")).toBe(true);
    const bad = await call(srv.url, "/v1/compile?analyze=perhaps", { body: { source: base }, key: KEYS.author });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("invalid-query");
    expect((await call(srv.url, "/v1/compile?analyze=true", { body: { source: base }, key: KEYS.analyst })).status).toBe(403);
  });

  it("when a draft's decision is asked what would change it, then the alternatives are proven and change only actionable fields", async () => {
    const request = JSON.parse(readFileSync("policies/ice-tar/examples/urgent-mri.json", "utf8")) as Record<string, unknown>;
    const r = await call(srv.url, "/v1/analysis/counterfactual", { body: { program: "ice-tar", source: base, request, decisionDate: "2010-03-02" }, key: KEYS.analyst });
    expect(r.status).toBe(200);
    expect(r.body.decision.outcome).toBe("pend");
    const approve = (r.body.alternatives as { outcome: string; changes: { field: string; from: unknown; to: unknown }[]; decision: { outcome: string } }[]).find((a) => a.outcome === "approve");
    expect(approve?.changes).toEqual([{ field: "onsiteApproval", from: "none", to: expect.stringMatching(/^(physician|clinical-director)$/) }]);
    expect(approve?.decision.outcome).toBe("approve");
    // The published version answers the same, and nothing was logged.
    const v = await call(srv.url, "/v1/analysis/counterfactual", { body: { program: "ice-tar", version: "2010.1", request, decisionDate: "2010-03-02" }, key: KEYS.author });
    expect(v.body.alternatives.map((a: { outcome: string }) => a.outcome)).toEqual(r.body.alternatives.map((a: { outcome: string }) => a.outcome));
    const log = await call(srv.url, "/v1/decisions?program=ice-tar", { key: KEYS.analyst });
    expect(log.body.items).toEqual([]);
  });

  it("when the counterfactual or analyze body is wrong, then 400 with a JSON pointer", async () => {
    const overlaps = await call(srv.url, "/v1/analysis/analyze", { body: { program: "ice-tar", version: "2010.1", overlaps: "no" }, key: KEYS.author });
    expect([overlaps.status, overlaps.body.error.details.errors[0].path]).toEqual([400, "/overlaps"]);
    const notObject = await call(srv.url, "/v1/analysis/counterfactual", { body: { program: "ice-tar", version: "2010.1", request: [1] }, key: KEYS.author });
    expect(notObject.status).toBe(400);
    expect(notObject.body.error.details.errors[0].path).toBe("/request");
    const badDate = await call(srv.url, "/v1/analysis/counterfactual", { body: { program: "ice-tar", version: "2010.1", request: {}, decisionDate: "March" }, key: KEYS.author });
    expect(badDate.status).toBe(400);
    expect(badDate.body.error.details.errors[0].path).toBe("/decisionDate");
    const invalid = await call(srv.url, "/v1/analysis/counterfactual", { body: { program: "ice-tar", version: "2010.1", request: { tarId: 5 } }, key: KEYS.author });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe("invalid-request");
    expect(invalid.body.error.details.errors.some((e: { path: string }) => e.path === "/request/tarId")).toBe(true);
    expect(JSON.stringify(invalid.body)).not.toMatch(/at .*\.ts:\d+/);
  });

  it("when the OpenAPI document is read, then it describes the analyze flag, the findings and the counterfactual route, and is valid OpenAPI 3.1", async () => {
    const doc = (await call(srv.url, "/openapi.json", { key: KEYS.analyst })).body;
    const compile = doc.paths["/v1/compile"].post;
    expect(compile.parameters.map((p: { name: string }) => p.name)).toContain("analyze");
    const answer = compile.responses["200"].content["application/json"].schema as { $ref: string };
    expect(doc.components.schemas[answer.$ref.split("/").at(-1)!].properties.analysis).toBeDefined();
    expect(doc.paths["/v1/analysis/counterfactual"].post.operationId).toBe("counterfactual");
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
  });
});
