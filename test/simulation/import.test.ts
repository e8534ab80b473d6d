/**
 * Importing request sets: NDJSON, JSON and CSV; bad rows reported with their row (and CSV line) numbers; `fail`
 * leaves nothing behind, `skip` imports the rest; and a selection from a decision log's pages comes out oldest first.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { createEvaluator } from "../../engine/index.js";
import { csvRecordToRequest, RequestSetCatalog, runSimulation } from "../../engine/simulate/index.js";
import { readLines } from "../../engine/simulate/slice.js";
import { manifests, policy, POLICIES, profileOf } from "./helpers.js";

const work = mkdtempSync(join(tmpdir(), "precept-import-test-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const tarPolicy = policy("ice-tar", "2010.1");
const validator = createEvaluator(tarPolicy);
const base = { program: "ice-tar", validate: (r: unknown) => validator.validate(r), schema: tarPolicy.requestSchema };

const tar = (id: string, over: Record<string, unknown> = {}) => ({
  tarId: id, alienNumber: "A123456789", submittedAt: "2009-03-02T14:00:00Z", dateOfService: "2009-03-09",
  service: { category: "lab-basic", estimatedCost: 120 }, ...over,
});

function freshCatalog(name: string): RequestSetCatalog {
  return new RequestSetCatalog(join(work, name), POLICIES, profileOf);
}

/** Files in the catalog's folder other than dot-temporaries that should be gone too. */
const filesOf = (c: RequestSetCatalog): string[] => (existsSync(c.dir) ? readdirSync(c.dir).filter((f) => f !== "cache") : []);

describe("NDJSON", () => {
  const text = [
    JSON.stringify(tar("T1")),
    "",
    "{ not json",
    JSON.stringify(tar("T2", { alienNumber: "12-34" })),
    JSON.stringify(tar("T3", { service: { category: "lab-basic", estimatedCost: -5 } })),
    JSON.stringify(tar("T4", { surprise: true })),
    JSON.stringify(tar("T5")),
  ].join("\r\n");

  it("when bad rows are present and the import fails on error, then every bad row is named and nothing is imported", async () => {
    const c = freshCatalog("nd-fail");
    const r = await c.import({ ...base, name: "march", format: "ndjson", input: Readable.from([Buffer.from(text)]), onError: "fail" });
    expect(r.failed).toBe(true);
    expect(r.set).toBeUndefined();
    expect(r.badRows).toBe(4);
    expect(r.errors.map((e) => e.row)).toEqual([3, 4, 5, 6]);
    expect(r.errors[0]!.errors[0]!.message).toMatch(/^not JSON/);
    expect(r.errors[1]).toMatchObject({ id: "T2", errors: [{ path: "/alienNumber" }] });
    expect(r.errors[2]!.errors[0]!.path).toBe("/service/estimatedCost");
    expect(r.errors[3]!.errors[0]).toEqual({ path: "/surprise", message: "is not a field of this program's requests" });
    expect(filesOf(c)).toEqual([]);
    expect(c.list("ice-tar").filter((s) => s.source === "import")).toEqual([]);
  });

  it("when bad rows are skipped, then the good ones are imported in order and the bad ones listed", async () => {
    const c = freshCatalog("nd-skip");
    const file = join(work, "march.ndjson");
    writeFileSync(file, text);
    const r = await c.import({ ...base, name: "march", format: "ndjson", input: file, onError: "skip" });
    expect(r.failed).toBe(false);
    expect(r.imported).toBe(2);
    expect(r.skipped).toBe(4);
    expect(r.errors.map((e) => e.row)).toEqual([3, 4, 5, 6]);
    const set = (await c.open(r.set!.id))!;
    expect([...readLines(set.file, 0, set.meta.bytes)].map((l) => JSON.parse(l).tarId)).toEqual(["T1", "T5"]);
    expect(c.describe(r.set!.id)).toMatchObject({ program: "ice-tar", count: 2, from: "2009-03-02", to: "2009-03-02", source: "import", name: "march" });
    expect(filesOf(c).filter((f) => f.startsWith("."))).toEqual([]);
  });
});

describe("JSON", () => {
  it("when a JSON array has a bad item, then it is reported by its 1-based position", async () => {
    const c = freshCatalog("json");
    const body = JSON.stringify([tar("J1"), tar("J2", { emergency: "yes" }), tar("J3")]);
    const fail = await c.import({ ...base, name: "j", format: "json", input: Readable.from([body]) });
    expect(fail.failed).toBe(true);
    expect(fail.errors).toMatchObject([{ row: 2, id: "J2", errors: [{ path: "/emergency" }] }]);
    const ok = await c.import({ ...base, name: "j", format: "json", input: Readable.from([JSON.stringify({ requests: [tar("J1"), tar("J3")] })]) });
    expect(ok.imported).toBe(2);
  });

  it("when the JSON is not a list of requests, then the import fails with row 0", async () => {
    const c = freshCatalog("json-bad");
    const r = await c.import({ ...base, name: "j", format: "json", input: Readable.from(['{"tarId": "x"}']), onError: "skip" });
    expect(r.failed).toBe(true);
    expect(r.errors[0]!.row).toBe(0);
  });
});

describe("CSV (csv-parse)", () => {
  const csv = [
    "tarId,alienNumber,submittedAt,dateOfService,emergency,service.category,service.estimatedCost,facility.type,onsiteApproval",
    'C1,A123456789,2009-03-02T14:00:00Z,2009-03-09,false,lab-basic,120,SPC,none',
    'C2,A123456789,2009-03-02T15:00:00Z,2009-03-10,no,"imaging-advanced",1400.50,IGSA,physician',
    "C3,A123456789,2009-03-03T09:00:00Z,2009-03-11,false,lab-basic,cheap,SPC,none",
    "C4,A123456789,2009-03-03T10:00:00Z,2009-03-12,false,lab-basic,120,SPC",
    'C5,,2009-03-03T11:00:00Z,2009-03-12,TRUE,"ambulance, ground",900,BP,none',
  ].join("\n");

  it("when cells are typed by the request schema, then numbers, booleans and nested fields come out right", async () => {
    const c = freshCatalog("csv");
    const r = await c.import({ ...base, name: "c", format: "csv", input: Readable.from([csv]), onError: "skip" });
    expect(r.imported).toBe(3);
    const set = (await c.open(r.set!.id))!;
    const rows = [...readLines(set.file, 0, set.meta.bytes)].map((l) => JSON.parse(l));
    expect(rows[1]).toEqual({
      tarId: "C2", alienNumber: "A123456789", submittedAt: "2009-03-02T15:00:00Z", dateOfService: "2009-03-10", emergency: false,
      service: { category: "imaging-advanced", estimatedCost: 1400.5 }, facility: { type: "IGSA" }, onsiteApproval: "physician",
    });
    // An empty cell is an absent field: C5 has no Alien Number (a policy matter, not a schema error).
    expect(rows[2].alienNumber).toBeUndefined();
    expect(rows[2].emergency).toBe(true);
    expect(rows[2].service.category).toBe("ambulance, ground");
  });

  it("when a CSV row has a bad cell or the wrong number of cells, then it is reported with its record and line", async () => {
    const c = freshCatalog("csv-fail");
    const r = await c.import({ ...base, name: "c", format: "csv", input: Readable.from([csv]), onError: "fail" });
    expect(r.failed).toBe(true);
    expect(r.errors.map((e) => [e.row, e.line])).toEqual([[3, 4], [4, 5]]);
    expect(r.errors[0]).toMatchObject({ id: "C3", errors: [{ path: "/service/estimatedCost" }] });
    expect(r.errors[1]!.errors[0]!.message).toMatch(/^CSV: /);
    expect(filesOf(c)).toEqual([]);
  });

  it("when a CSV quote is never closed, then the import fails and nothing is left behind", async () => {
    const c = freshCatalog("csv-quote");
    const r = await c.import({ ...base, name: "c", format: "csv", input: Readable.from(['tarId,service.category\nQ1,"lab-basic\n']), onError: "skip" });
    expect(r.failed).toBe(true);
    expect(r.errors.at(-1)!.errors[0]!.message).toMatch(/^CSV: /);
    expect(filesOf(c)).toEqual([]);
  });

  it("when a header is not a field path, then the row says so", () => {
    expect(() => csvRecordToRequest({ "__proto__.x": "1" }, tarPolicy.requestSchema)).toThrow(/not a field path/);
    expect(() => csvRecordToRequest({ service: "x", "service.category": "y" }, tarPolicy.requestSchema)).toThrow(/conflicts/);
    expect(csvRecordToRequest({ "alternateResources.available": "medicare; va" }, policy("ihs-chs", "2008.1").requestSchema)).toEqual({ alternateResources: { available: ["medicare", "va"] } });
  });
});

describe("imports are simulated like any set", () => {
  it("when an imported set is simulated, then its requests are the ones evaluated", async () => {
    const c = freshCatalog("sim");
    const lines = Array.from({ length: 40 }, (_, i) => JSON.stringify(tar(`S${i}`, i % 4 === 0 ? { followUpOf: "S0" } : {}))).join("\n");
    const r = await c.import({ ...base, name: "forty", format: "ndjson", input: Readable.from([lines]) });
    const set = (await c.open(r.set!.id))!;
    const { report } = await runSimulation({ manifest: manifests.of(policy("ice-tar", "2005.1")), baseline: { policy: policy("ice-tar", "2005.1") }, candidate: { policy: tarPolicy }, set });
    expect(report.total).toBe(40);
    expect(report.transitions).toEqual({ "pend->approve": 30, "pend->not-required": 10 });
  });
});

describe("decision-log selection", () => {
  it("when pages come newest first, then the set is written oldest first and temporary files are gone", async () => {
    const c = freshCatalog("log");
    const pages = async function* () {
      yield [{ request: tar("L3") }, { request: tar("L2") }];
      yield [{ request: tar("L1") }];
    };
    const meta = (await c.fromDecisionLog("ice-tar", "from the log", pages()))!;
    const set = (await c.open(meta.id))!;
    expect([...readLines(set.file, 0, set.meta.bytes)].map((l) => JSON.parse(l).tarId)).toEqual(["L1", "L2", "L3"]);
    expect(meta.source).toBe("decision-log");
    expect(filesOf(c).filter((f) => f.startsWith("."))).toEqual([]);
    expect(await c.remove(meta.id)).toBe(true);
    expect(c.describe(meta.id)).toBeUndefined();
    expect(readFileSync(join(POLICIES, "ice-tar", "request.schema.json"), "utf8")).toContain("alienNumber");
  });

  it("when the log has nothing, then no set is made", async () => {
    const c = freshCatalog("log-empty");
    expect(await c.fromDecisionLog("ice-tar", "none", (async function* () {})())).toBeUndefined();
  });
});
