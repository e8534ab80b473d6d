/**
 * The shipped policies served over HTTP: every test case of policies/<program>/<version>.tests.yaml, posted to
 * the server's evaluate endpoint with its decision date, must get the decision it wants — the same check
 * `precept test` makes in-process, here through the API, the registry loaded from the store and the decision log.
 * Cases with `history` post their earlier claims first, so duplicates are found through the real decision log.
 */
import { readdirSync } from "node:fs";
import { Validator } from "@seriousme/openapi-schema-validator";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { duplicateKeySpec } from "../../engine/duplicates.js";
import { compareDecision, readTestCases, type PolicyTestCase } from "../../engine/policy-tests.js";
import { call, SHIPPED, startTestServer, type TestServer } from "./helpers.js";

interface Suite {
  program: string;
  version: string;
  cases: PolicyTestCase[];
}

const suites: Suite[] = [];
for (const program of readdirSync(SHIPPED, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
  for (const f of readdirSync(join(SHIPPED, program)).filter((f) => f.endsWith(".tests.yaml")).sort()) {
    suites.push({ program, version: f.replace(/\.tests\.yaml$/, ""), cases: readTestCases(join(SHIPPED, program, f)) });
  }
}

/** Posts the case's history, then its request; returns the answers (history first). */
async function decide(srv: TestServer, s: Suite, c: PolicyTestCase): Promise<{ status: number; body: any }[]> {
  const q = c.decisionDate ? `?decisionDate=${c.decisionDate}` : "";
  const path = `/v1/programs/${s.program}/versions/${s.version}/evaluate${q}`;
  const out = [];
  for (const body of [...(c.history ?? []), c.request]) out.push(await call(srv.url, path, { body }));
  return out;
}

let shared: TestServer;
beforeAll(async () => {
  shared = await startTestServer({ policiesDir: SHIPPED });
});
afterAll(() => shared?.stop());

it("when the server starts on the shipped policies, then every shipped version is served", async () => {
  const programs = (await call(shared.url, "/v1/programs")).body.programs;
  for (const s of suites) {
    const p = programs.find((x: any) => x.program === s.program);
    expect(p?.versions.map((v: any) => v.version), s.program).toContain(s.version);
  }
});

it("when the shipped programs' OpenAPI document is checked against the OpenAPI 3.1 schema, then it is valid", async () => {
  const result = await new Validator().validate((await call(shared.url, "/openapi.json")).body);
  expect(result.errors ?? []).toEqual([]);
});

describe.each(suites)("$program $version test cases over HTTP", (s) => {
  it("when every case is posted, then each gets the decision it wants", async () => {
    const entry = shared.services.registry.get(s.program, s.version)!;
    const manifest = shared.services.manifests.of(entry.compiled);
    const keyOf = (request: unknown) => duplicateKeySpec(entry.compiled)?.keyOf(request);
    // A policy with duplicate detection remembers accepted claims, and the cases reuse one prisoner: a case whose
    // claims share a key with a claim this server already accepted runs on a fresh server.
    let srv = shared;
    let acceptedHere = new Set<string>();
    const failures: string[] = [];
    try {
      // A case with its own parameter values tests a modelling choice the published version does not make: the
      // API evaluates under the version as published, so those run in the policies suite only.
      for (const c of s.cases.filter((x) => !x.parameters)) {
        const items = [...(c.history ?? []), c.request];
        if (items.some((r) => acceptedHere.has(keyOf(r) ?? "\u0000none"))) {
          if (srv !== shared) await srv.stop();
          srv = await startTestServer({ policiesDir: SHIPPED });
          acceptedHere = new Set();
        }
        const answers = await decide(srv, s, c);
        answers.forEach((a, i) => {
          const key = keyOf(items[i]);
          if (manifest.outcomes.accept.includes(a.body?.outcome) && key !== undefined) acceptedHere.add(key);
        });
        const r = answers.at(-1)!;
        if (answers.some((a) => a.status !== 200)) failures.push(`${c.name}: HTTP ${answers.map((a) => a.status).join(",")} ${JSON.stringify(r.body)}`);
        else for (const p of compareDecision(r.body, c.want)) failures.push(`${c.name}: ${p}`);
      }
    } finally {
      if (srv !== shared) await srv.stop();
    }
    expect(failures).toEqual([]);
  });
});
