/**
 * Program manifests (issue 13, item 2): no program name in engine, server or editor code; program.yaml checked
 * against its schema with line and column; and a fourth program, a folder under test/fixtures/programs, that is
 * checked, evaluated over HTTP on a started server, has its test cases run, and is simulated, with no code change.
 * It also brings its own synthetic history (history/generator.ts, named by its program.yaml), which the server
 * lists and simulates like a shipped one. (The editor loading it is test/editor/fourth-program.test.ts.)
 *
 * The fixture is built so that a host guessing instead of reading its manifest goes wrong: the request id is not
 * the schema's first required field, the date of service is `deliveryDate`, the accepting outcome `grant` is not
 * the last listed (`not-needed` is), and the review outcome `hold` is not named like one.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadPolicyDir } from "../engine/policy-files.js";
import { readTestCases, runTestCases, testsFileFor } from "../engine/policy-tests.js";
import { ManifestError, readManifest } from "../engine/program-manifest-files.js";
import { derivedManifest } from "../engine/program-manifest.js";
import { generateRequests, readDescriptors } from "../engine/simulate/history/index.js";
import { call, eventually, startTestServer, type TestServer } from "./server/helpers.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const FIXTURE_PROGRAMS = join(ROOT, "test/fixtures/programs");
const FOURTH = join(FIXTURE_PROGRAMS, "dme-rental");
const PROGRAM_NAMES = /ice-tar|ihs-chs|usms-claim/;

/** Source files under a folder (built output and dependencies left out). */
function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "dist") continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (/\.(ts|mts|mjs|js|html|css|json)$/.test(name)) out.push(p);
  }
  return out;
}

describe("no program name in engine, server or editor code", () => {
  // No exception: the seed-calibrated history generators live beside their programs (policies/<program>/history).
  it("when engine/, server/ and editor/ are searched for ice-tar, ihs-chs and usms-claim, then nothing is found", () => {
    const hits: string[] = [];
    for (const top of ["engine", "server", "editor"]) {
      for (const file of sources(join(ROOT, top))) {
        readFileSync(file, "utf8").split("\n").forEach((line, i) => {
          if (PROGRAM_NAMES.test(line)) hits.push(`${file.slice(ROOT.length)}:${i + 1}: ${line.trim()}`);
        });
      }
    }
    expect(hits).toEqual([]);
  });

  it("the search finds a name where there is one (it would catch a new table)", () => {
    const dir = mkdtempSync(join(tmpdir(), "precept-grep-"));
    try {
      writeFileSync(join(dir, "table.ts"), 'const KNOWN = { "ihs-chs": {} };\n');
      expect(sources(dir).filter((f) => PROGRAM_NAMES.test(readFileSync(f, "utf8")))).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("program.yaml against its schema", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "precept-manifest-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const write = (program: string, text: string): string => {
    const p = join(dir, program);
    cpSync(FOURTH, p, { recursive: true });
    writeFileSync(join(p, "program.yaml"), text);
    return p;
  };
  const problems = (p: string): string[] => {
    try {
      readManifest(p);
      return [];
    } catch (e) {
      if (!(e instanceof ManifestError)) throw e;
      return e.problems.map((x) => `${x.line}:${x.column} ${x.message}`);
    }
  };

  it("when every shipped program is read, then each has a manifest naming its own folder", () => {
    for (const program of ["ice-tar", "ihs-chs", "usms-claim"]) expect(readManifest(join(ROOT, "policies", program))?.program).toBe(program);
  });

  it("when a field is unknown, a path is malformed or a required field is missing, then each is reported at its line and column", () => {
    const p = write("dme-rental", ["program: dme-rental", "requestId: orderNo", "dateOfService: 12", "dateFields: [orderedAt, 'not a path']", "outcomes: { accept: [grant], review: [] }", "actionable: []", "acceptLast: true", ""].join("\n"));
    expect(problems(p)).toEqual([
      "1:1 / has unknown field `acceptLast`",
      "3:16 /dateOfService must be string",
      "4:25 /dateFields/1 must match pattern \"^[A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z_$][A-Za-z0-9_$]*)*$\"",
    ]);
    const q = write("dme-rental", "program: dme-rental\nrequestId: orderNo\n");
    expect(problems(q).map((x) => x.replace(/^\S+ /, ""))).toEqual(expect.arrayContaining(["/ must have required property 'dateOfService'", "/ must have required property 'outcomes'"]));
  });

  it("when program.yaml is not YAML, or names another program than its folder, then it is refused with its position", () => {
    expect(problems(write("dme-rental", "program: [dme-rental\n"))[0]).toMatch(/^\d+:\d+ /);
    const text = readFileSync(join(FOURTH, "program.yaml"), "utf8").replace("program: dme-rental", "program: other-program");
    expect(problems(write("dme-rental", text))).toEqual(["5:10 program `other-program` is in the folder `dme-rental`"]);
  });

  it("when the manifest names an outcome its policy lacks, then `precept check` fails on program.yaml with its position", () => {
    const p = write("dme-rental", readFileSync(join(FOURTH, "program.yaml"), "utf8").replace("accept: [grant]", "accept: [granted]"));
    let out = "";
    let code = 0;
    try {
      execFileSync(process.execPath, ["--import", "tsx", join(ROOT, "cli/main.ts"), "check", p], { cwd: ROOT, encoding: "utf8", stdio: "pipe" });
    } catch (e) {
      out = String((e as { stdout: string }).stdout);
      code = (e as { status: number }).status;
    }
    expect(code).toBe(1);
    expect(out).toMatch(/program\.yaml:1:1: error: outcomes\.accept names `granted`, which dme-rental 2024\.1 does not have/);
  });

  it("when the manifest names a request path the schema lacks, or another duplicate key than the policy's, then the check says so", () => {
    const text = readFileSync(join(FOURTH, "program.yaml"), "utf8")
      .replace("actionable: [prescriptionId, item.code]", "actionable: [prescriptionId, item.colour]")
      .replace("duplicateKey: [patient.id, item.code]", "duplicateKey: [patient.id]");
    const p = write("dme-rental", text);
    const [file] = loadPolicyDir(dir).filter((f) => f.file.startsWith(p));
    expect(file!.manifestProblems.map((m) => m.message)).toEqual([
      "actionable[1] is `item.colour`, which the dme-rental 2024.1 request schema does not have",
      "duplicateKey is [patient.id], but dme-rental 2024.1 calls duplicateOf(patient.id, item.code)",
    ]);
  });
});

describe("a fourth program from a folder, with no code change", () => {
  let server: TestServer;
  const ANALYST = "analyst-key-0123456789";
  const SERVICE = "service-key-0123456789";
  const AUTHOR = "author-key-0123456789";

  beforeAll(async () => {
    server = await startTestServer({ policiesDir: FIXTURE_PROGRAMS, keys: `analyst:${ANALYST},service:${SERVICE},author:${AUTHOR}` });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it("when it is checked, then it has no problems, and its test cases pass only with its manifest", () => {
    const [file] = loadPolicyDir(FIXTURE_PROGRAMS).filter((p) => p.program === "dme-rental");
    expect(file?.diagnostics).toEqual([]);
    expect(file?.manifestProblems).toEqual([]);
    const cases = readTestCases(testsFileFor(file!.file));
    expect(runTestCases(file!.compiled!, file!.manifest!, cases).filter((r) => !r.passed)).toEqual([]);
    // The guess ("the last outcome accepts", "the first required field is the id") gets the duplicate cases wrong.
    expect(runTestCases(file!.compiled!, derivedManifest(file!.compiled!), cases).filter((r) => !r.passed).map((r) => r.name)).toEqual([
      "the same item again after a grant is a duplicate of the granted order (its orderNo, not its patient)",
      "an earlier order that was not needed (the weakest outcome) is no original",
    ]);
  });

  it("when the programs are listed, then it is there with its manifest", async () => {
    const r = await call(server.url, "/v1/programs", { key: ANALYST });
    expect(r.status).toBe(200);
    const p = r.body.programs.find((x: { program: string }) => x.program === "dme-rental");
    expect(p.manifest).toMatchObject({ requestId: "orderNo", dateOfService: "deliveryDate", outcomes: { accept: ["grant"], review: ["hold"] } });
    expect(p.versions.map((v: { version: string }) => v.version)).toEqual(["2024.1"]);
    const doc = await call(server.url, "/openapi.json");
    expect(doc.body.paths["/v1/programs/dme-rental/evaluate"].post.summary).toMatch(/in force on its deliveryDate$/);
  });

  it("when requests are evaluated over HTTP, then the manifest's date of service picks the version and its id is what a duplicate points to", async () => {
    const order = (no: string, over: Record<string, unknown> = {}) => ({ patient: { id: "P-9" }, orderNo: no, prescriptionId: "RX-9", orderedAt: "2024-04-01", item: { code: "wheelchair", monthlyRent: 80 }, ...over });
    const evaluate = (body: unknown) => call(server.url, "/v1/programs/dme-rental/evaluate", { key: SERVICE, body });
    // Delivered before the only version took effect: no version in force, though today one is.
    const early = await evaluate(order("O-90", { deliveryDate: "2023-12-31" }));
    expect([early.status, early.body.error?.code]).toEqual([404, "no-version-in-force"]);
    const bad = await evaluate(order("O-90", { deliveryDate: "soon" }));
    expect([bad.status, bad.body.error?.details?.errors]).toEqual([400, [{ path: "/deliveryDate", message: "must be a date" }]]);
    const first = await evaluate(order("O-91", { deliveryDate: "2024-04-02" }));
    expect([first.status, first.body.outcome]).toEqual([200, "grant"]);
    const again = await evaluate(order("O-92", { deliveryDate: "2024-04-03" }));
    expect([again.body.outcome, again.body.attributes.originalOrder]).toEqual(["refuse", "O-91"]);
    // An order that was not needed (the weakest, last listed outcome) is not remembered as accepted.
    const owned = await evaluate(order("O-93", { item: { code: "cane", monthlyRent: 5, ownedAlready: true } }));
    expect(owned.body.outcome).toBe("not-needed");
    const cane = await evaluate(order("O-94", { item: { code: "cane", monthlyRent: 5 } }));
    expect(cane.body.outcome).toBe("grant");
  });

  it("when its shipped test cases are saved over HTTP, then the server runs them with its manifest and all pass", async () => {
    const cases = readTestCases(join(FOURTH, "2024.1.tests.yaml"));
    const r = await call(server.url, "/v1/programs/dme-rental/versions/2024.1/tests", { method: "PUT", key: AUTHOR, body: { cases } });
    expect(r.status).toBe(200);
    expect(r.body.results.map((x: { passed: boolean }) => x.passed)).toEqual(cases.map(() => true));
  });

  it("when a request set is imported and simulated, then accepting, review, cost and id come from the manifest", async () => {
    const imported = await call(server.url, "/v1/request-sets?program=dme-rental&name=fixture", {
      key: ANALYST, body: readFileSync(join(FOURTH, "requests.ndjson"), "utf8"), headers: { "content-type": "application/x-ndjson" },
    });
    expect(imported.status).toBe(201);
    const started = await call(server.url, "/v1/simulations", {
      key: ANALYST, body: { program: "dme-rental", baseline: "2024.1", candidate: { version: "2024.1" }, params: { holdAbove: 1000 }, requestSet: imported.body.requestSet.id },
    });
    expect(started.status).toBe(202);
    const job = await eventually(async () => {
      const j = await call(server.url, `/v1/simulations/${started.body.id}`, { key: ANALYST });
      return j.body.status === "done" || j.body.status === "failed" ? j.body : undefined;
    }, 30_000, 100);
    expect(job.status).toBe("done");
    const report = job.report;
    // O-4 repeats O-1's wheelchair (granted): refused on both sides. O-6's cane follows O-5's not-needed one: granted.
    expect(report.baseline.counts).toEqual({ grant: 2, refuse: 2, hold: 2, "not-needed": 1 });
    expect(report.candidate.counts).toEqual({ grant: 4, refuse: 2, hold: 0, "not-needed": 1 });
    expect(report.reviewOutcomes).toEqual(["hold"]);
    expect(report.reviews.baseline.total).toBe(2);
    expect(report.reviews.candidate.total).toBe(0);
    expect(report.costField).toBe("item.monthlyRent");
    expect(report.cost.baseline.hold).toBe(1500);
    // Weeks come from `orderedAt` (the manifest's first date field): three Mondays in March 2024.
    expect(Object.keys(report.reviewsPerWeek).sort()).toEqual(["2024-03-04", "2024-03-11", "2024-03-18"]);
    const changed = await call(server.url, `/v1/simulations/${started.body.id}/changed`, { key: ANALYST });
    expect(changed.body.items.map((c: { id: string }) => c.id).sort()).toEqual(["O-3", "O-7"]);
  }, 60_000);

  it("when its own history is generated, then its generator is the module its program.yaml names and it gives the descriptor's bytes", async () => {
    // Policy loading reads the .policy files only: the generator module beside them is not a policy.
    expect(loadPolicyDir(FIXTURE_PROGRAMS).map((f) => f.file.slice(FIXTURE_PROGRAMS.length))).toEqual(["/dme-rental/2024.1.policy"]);
    const [d] = readDescriptors(FIXTURE_PROGRAMS);
    expect([d?.id, d?.generator, d?.generatorFile]).toEqual(["dme-rental-history", "history/generator.ts", join(FOURTH, "history/generator.ts")]);
    const hash = createHash("sha256");
    let n = 0;
    for (const r of await generateRequests(d!)) {
      hash.update(`${JSON.stringify(r)}\n`);
      n++;
    }
    expect([n, hash.digest("hex")]).toEqual([d!.count, d!.sha256]);
  });

  it("when its shipped history is simulated over HTTP, then the server generated it with the fixture's own generator", async () => {
    const sets = await call(server.url, "/v1/request-sets?program=dme-rental", { key: ANALYST });
    expect(sets.status).toBe(200);
    expect(JSON.stringify(sets.body)).toContain("dme-rental-history");
    const started = await call(server.url, "/v1/simulations", {
      key: ANALYST, body: { program: "dme-rental", baseline: "2024.1", candidate: { version: "2024.1" }, params: { holdAbove: 1000 }, requestSet: "dme-rental-history" },
    });
    expect(started.status).toBe(202);
    const job = await eventually(async () => {
      const j = await call(server.url, `/v1/simulations/${started.body.id}`, { key: ANALYST });
      return j.body.status === "done" || j.body.status === "failed" ? j.body : undefined;
    }, 30_000, 100);
    expect(job.status).toBe("done");
    const counts = job.report.baseline.counts as Record<string, number>;
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(140);
    // The mix exercises every rule: missing prescriptions and repeats are refused, dear beds held, owned items not needed.
    expect(Object.keys(counts).sort()).toEqual(["grant", "hold", "not-needed", "refuse"]);
    // Raising the hold threshold to 1000 lets the hospital beds through: the candidate holds none.
    expect(job.report.candidate.counts.hold ?? 0).toBe(0);
  }, 60_000);
});
