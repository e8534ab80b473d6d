/**
 * The catalogue of diagnostics (dsl/catalogue.ts) is the one list: every code in it is reported somewhere and
 * documented in docs/diagnostics.md (generated, and current); every code the DSL reports is in it; the broken
 * corpus exercises every code the DSL can report; and the words are for policy authors, not JSON Schema.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { catalogue, diagnosticCodes, diagnosticsMarkdown, type DiagnosticCode } from "../../dsl/catalogue.js";
import { diagnosticsDoc } from "../../scripts/docs-diagnostics.js";
import { corpusCases, diagnosticsFileFor } from "../../scripts/update-golden.js";

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith(".ts") ? [p] : [];
  });
}

const code = ["dsl", "server", "editor", "engine", "cli"].flatMap(sources).filter((f) => f !== join("dsl", "catalogue.ts"));
const text = new Map(code.map((f) => [f, readFileSync(f, "utf8")]));

/** Codes reported outside the DSL pipeline, so no broken policy file can produce them. */
const notFromPolicyText: ReadonlySet<DiagnosticCode> = new Set<DiagnosticCode>([
  "server/program-mismatch", "server/invalid-version-id", "editor/internal", "envelope/extends-cycle", "envelope/broken-parent",
  // Reported by the server's compile pool (budgets, the evaluability check, the cap on diagnostics), not by a file.
  "limit/compile-time", "limit/compile-memory", "limit/compile-stack", "limit/diagnostics", "policy/unevaluable",
  // Limits only a very large file reaches (megabytes, 10,000 rules or lets): generated in test/dsl/limits.test.ts.
  "limit/source-size", "limit/rules", "limit/lets", "limit/policy-size", "limit/yaml-depth",
  // The solver's findings (engine/analysis), reported beside the compile diagnostics, never by the compiler.
  "analysis-never-fires", "analysis-shadowed", "analysis-always-true", "analysis-always-false", "analysis-overlap", "analysis-gap", "analysis-unknown",
]);

describe("the diagnostic catalogue", () => {
  it("docs/diagnostics.md is generated from it and current (npm run docs:diagnostics)", () => {
    expect(readFileSync(diagnosticsDoc, "utf8")).toBe(diagnosticsMarkdown());
  });

  it.each(diagnosticCodes)("%s is documented and reported somewhere", (c) => {
    expect(readFileSync(diagnosticsDoc, "utf8")).toContain(`## ${c}\n`);
    const users = [...text].filter(([, t]) => t.includes(`"${c}"`)).map(([f]) => f);
    expect(users, `${c} is in the catalogue but no source reports it`).not.toEqual([]);
  });

  it("holds every code the DSL reports", () => {
    const used = new Set<string>();
    for (const [f, t] of text) if (f.startsWith("dsl")) for (const m of t.matchAll(/"((?:syntax|policy|envelope)\/[a-z-]+)"/g)) used.add(m[1]!);
    expect([...used].filter((c) => !Object.hasOwn(catalogue, c))).toEqual([]);
  });

  it("the broken corpus produces every code a policy file can cause, with the catalogue's severity", () => {
    const seen = new Set<string>();
    for (const f of corpusCases()) {
      for (const d of JSON.parse(readFileSync(diagnosticsFileFor(f), "utf8")) as { code: DiagnosticCode; severity: string }[]) {
        seen.add(d.code);
        expect(d.severity, `${f}: ${d.code}`).toBe(catalogue[d.code].severity);
      }
    }
    expect(diagnosticCodes.filter((c) => !notFromPolicyText.has(c) && !seen.has(c))).toEqual([]);
  });

  it.each(diagnosticCodes)("%s speaks to a policy author", (c) => {
    const e: { summary: string; help: string } = catalogue[c];
    for (const words of [e.summary, e.help]) {
      expect(words).toMatch(/^[A-Z`].*\.$/);
      expect(words).not.toMatch(/must be (object|string|array|number)\b|\bpattern\b|\^\[|\$\/|instancePath|\bnull\b/);
    }
  });

  it("golden messages never show JSON Schema wording or a regular expression", () => {
    for (const f of corpusCases()) {
      for (const d of JSON.parse(readFileSync(diagnosticsFileFor(f), "utf8")) as { message: string; help?: string }[]) {
        for (const words of [d.message, d.help ?? ""]) expect(words, f).not.toMatch(/must be (object|string|array)\b|must match pattern|\^\[|must NOT/);
      }
    }
  });
});
