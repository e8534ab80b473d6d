/** `extends`: a version states only what changes; rules merge by id, `remove rule` drops one, errors land in the child. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compilePolicy, type PolicyHost } from "../../dsl/index.js";
import { createEvaluator, resolveVersion } from "../../engine/index.js";

const schema = JSON.parse(readFileSync("policies/ice-tar/request.schema.json", "utf8")) as object;
const parent = `---
program: ice-tar
version: "1.0"
effective: 2005-01-01
title: Parent
requestSchema: request.schema.json
outcomes: [deny, pend, approve]
parameters:
  limit: { value: 100 }
tables:
  labs: { values: [lab-basic] }
---
rule cheap when service.estimatedCost <= limit then approve code cheap cite "c"
rule lab when service.category in labs then approve code lab cite "c"
otherwise pend code review reason "review" cite "c"
`;
const host = (sources: Record<string, string>): PolicyHost => ({ requestSchema: () => schema, parentSource: (_p, v) => sources[v] });
const child = (body: string, env = ""): string => `---
program: ice-tar
version: "2.0"
effective: 2010-01-01
extends: "1.0"
title: Child
${env}---
${body}`;

describe("extends", () => {
  it("inherits rules, parameters and outcomes, and overrides by name", () => {
    const { compiled, diagnostics } = compilePolicy(child('rule cheap when service.estimatedCost <= limit * 2 then approve code cheaper cite "c"\n', "parameters:\n  limit: { value: 50 }\n"), host({ "1.0": parent }));
    expect(diagnostics).toEqual([]);
    expect(compiled!.rules.map((r) => [r.name, r.event.params.code, r.event.params.from ?? "self"])).toEqual([
      ["cheap", "cheaper", "self"],
      ["lab", "lab", "1.0"],
    ]);
    expect(compiled!.parameters["limit"]!.value).toBe(50);
    expect(compiled!.extends).toBe("1.0");
    const ev = createEvaluator(compiled!);
    expect(ev.evaluate({ tarId: "t", service: { estimatedCost: 99 } }).outcome).toBe("approve");
    expect(ev.evaluate({ tarId: "t", service: { estimatedCost: 101 } }).outcome).toBe("pend");
  });

  it("removes an inherited rule", () => {
    const { compiled } = compilePolicy(child("remove rule lab\n"), host({ "1.0": parent }));
    expect(compiled!.rules.map((r) => r.name)).toEqual(["cheap"]);
  });

  it("reports a rule to remove that is not inherited, at its own line", () => {
    const { diagnostics } = compilePolicy(child("remove rule nope\n"), host({ "1.0": parent }));
    expect(diagnostics.map((d) => [d.code, d.start.line])).toEqual([["policy/unknown-rule", 8]]);
  });

  it("reports an error inherited rules now have at the `extends` key", () => {
    // The child turns the table `labs` into a map: the parent's `in labs` still works, but `limit` as text breaks `<=`.
    const { diagnostics } = compilePolicy(child("", 'parameters:\n  limit: { value: "high" }\n'), host({ "1.0": parent }));
    expect(diagnostics[0]).toMatchObject({ code: "policy/type-mismatch", start: { line: 5, column: 1 } });
    expect(diagnostics[0]!.message).toMatch(/^in `1\.0`, which this version extends: /);
  });

  it("refuses a cycle and a broken parent", () => {
    const cyc = parent.replace('title: Parent', 'title: Parent\nextends: "2.0"');
    const cycle = compilePolicy(child(""), host({ "1.0": cyc, "2.0": child("") })).diagnostics[0]!;
    expect([cycle.code, cycle.message]).toEqual(["envelope/broken-parent", "version `1.0`, which this one extends, has errors: version `2.0` extends itself through `2.0` → `1.0`"]);
    expect(compilePolicy(child(""), host({ "1.0": parent.replace("<= limit", "<=") })).diagnostics[0]!.code).toBe("envelope/broken-parent");
  });
});

describe("version in force", () => {
  const versions = [
    { version: "2005.1", effective: "2005-01-01" },
    { version: "2010.1", effective: "2010-01-01" },
    { version: "2012.1", effective: "2012-01-01", end: "2012-06-30" },
  ];
  it.each([
    ["2004-12-31", undefined],
    ["2005-01-01", "2005.1"],
    ["2009-12-31T23:59:00Z", "2005.1"],
    ["2010-01-01", "2010.1"],
    ["2012-06-30", "2012.1"],
    ["2012-07-01", "2010.1"],
  ])("on %s: %s", (date, want) => expect(resolveVersion(versions, date)).toBe(want));
});

describe("request data cannot reach the engine's objects", () => {
  it("ignores __proto__ and constructor keys", () => {
    const { compiled } = compilePolicy(parent, host({}));
    const ev = createEvaluator(compiled!);
    const req = JSON.parse('{"tarId":"t","__proto__":{"service":{"category":"lab-basic"}},"constructor":{"prototype":{"x":1}},"service":{"estimatedCost":500}}') as unknown;
    const d = ev.evaluate(req, { explain: true });
    expect(d.outcome).toBe("pend");
    expect(({} as Record<string, unknown>)["x"]).toBeUndefined();
    expect(Object.getPrototypeOf(d.attributes)).toBe(Object.prototype);
  });
});
