/**
 * The broken-policy corpus: each file in test/corpus/broken names, in a `# expect:` comment, the diagnostics it is
 * about (code and line:column), and keeps its full expected diagnostics (code, severity, message, range, help) in
 * `<case>.diagnostics.json` beside it, compared exactly: a reworded message or an extra diagnostic shows in review.
 * Refresh with `npm run golden:update`. Table-driven: add a file to add a case.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../dsl/index.js";
import { corpusCases, corpusDiagnosticsText, corpusDir, corpusHost, diagnosticsFileFor } from "../../scripts/update-golden.js";

const files = corpusCases();

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
    const text = readFileSync(join(corpusDir, file), "utf8");
    const { compiled, diagnostics } = compilePolicy(text, corpusHost);
    const got = diagnostics.map((d) => `${d.code} ${d.start.line}:${d.start.column}`);
    for (const want of expectations(text)) expect(got).toContain(`${want.code} ${want.line}:${want.column}`);
    for (const d of diagnostics) {
      expect(d.message).toMatch(/^[^A-Z].*[^.]$/); // Cedar's voice: lowercase start, no final period
      expect(d.end.offset).toBeGreaterThanOrEqual(d.start.offset);
      expect(d.help, `${d.code} has no help`).toBeTruthy();
    }
    // A policy with an error never compiles; one with only warnings does.
    expect(compiled === undefined).toBe(diagnostics.some((d) => d.severity === "error"));
  });

  it.each(files)("%s matches its golden diagnostics exactly", (file) => {
    const golden = diagnosticsFileFor(file);
    expect(existsSync(golden), `${golden} is missing: run npm run golden:update`).toBe(true);
    expect(corpusDiagnosticsText(file)).toBe(readFileSync(golden, "utf8"));
  });

  it("keeps no golden file without its case", () => {
    const stale = readdirSync(corpusDir).filter((f) => f.endsWith(".diagnostics.json")).filter((f) => !files.includes(f.replace(/\.diagnostics\.json$/, ".policy")));
    expect(stale).toEqual([]);
  });
});

