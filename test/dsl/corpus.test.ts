/**
 * The broken-policy corpus: each file in test/corpus/broken names, in a `# expect:` comment, the diagnostics it must
 * produce (code and line:column). Table-driven: add a file to add a case.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compilePolicy, type PolicyHost } from "../../dsl/index.js";
import { nodePolicyHost } from "../../engine/policy-files.js";

const dir = "test/corpus/broken";
const files = readdirSync(dir).filter((f) => f.endsWith(".policy")).sort();

/** Schemas and parents come from the shipped program of the same name. */
const host: PolicyHost = {
  requestSchema: (program, ref) => nodePolicyHost(join("policies", program)).requestSchema(program, ref),
  parentSource: (program, version) => nodePolicyHost(join("policies", program)).parentSource(program, version),
};

function expectations(text: string): { code: string; line: number; column: number }[] {
  const m = /# expect: (.+)/.exec(text);
  if (!m) throw new Error("corpus file without `# expect:`");
  return m[1]!.split(";").map((s) => {
    const [code, pos] = s.trim().split(/\s+/);
    const [line, column] = pos!.split(":").map(Number);
    return { code: code!, line: line!, column: column! };
  });
}

describe("broken policies", () => {
  it("has at least 30 cases", () => expect(files.length).toBeGreaterThanOrEqual(30));

  it.each(files)("%s yields its expected diagnostics", (file) => {
    const text = readFileSync(join(dir, file), "utf8");
    const { compiled, diagnostics } = compilePolicy(text, host);
    const got = diagnostics.map((d) => `${d.code} ${d.start.line}:${d.start.column}`);
    for (const want of expectations(text)) expect(got).toContain(`${want.code} ${want.line}:${want.column}`);
    for (const d of diagnostics) {
      expect(d.message).toMatch(/^[^A-Z].*[^.]$/); // Cedar's voice: lowercase start, no final period
      expect(d.end.offset).toBeGreaterThanOrEqual(d.start.offset);
    }
    // A policy with an error never compiles; one with only warnings does.
    expect(compiled === undefined).toBe(diagnostics.some((d) => d.severity === "error"));
  });
});
