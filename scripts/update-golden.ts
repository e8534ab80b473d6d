/**
 * Rewrites the golden files: the compiled JSON of every shipped policy (test/golden/compiled/<program>/<version>.json)
 * and the full expected diagnostics of every broken-policy corpus case (test/corpus/broken/<case>.diagnostics.json).
 * Run after an intended change to a policy, the compiler or a message, then review the diff: `npm run golden:update`.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compilePolicy, type Diagnostic, type PolicyHost } from "../dsl/index.js";
import { loadPolicyDir, nodePolicyHost } from "../engine/policy-files.js";

export const goldenDir = "test/golden/compiled";
export const corpusDir = "test/corpus/broken";

export function goldenText(compiled: unknown): string {
  return `${JSON.stringify(compiled, null, 2)}\n`;
}

/** Corpus cases borrow request schemas and parents from the shipped program of the same name. */
export const corpusHost: PolicyHost = {
  requestSchema: (program, ref) => nodePolicyHost(join("policies", program)).requestSchema(program, ref),
  parentSource: (program, version) => nodePolicyHost(join("policies", program)).parentSource(program, version),
};

export const corpusCases = (): string[] => readdirSync(corpusDir).filter((f) => f.endsWith(".policy")).sort();

export const diagnosticsFileFor = (policyFile: string): string => join(corpusDir, policyFile.replace(/\.policy$/, ".diagnostics.json"));

/** One diagnostic as the golden file keeps it: everything, with the range as `line:col-line:col`. */
function goldenDiagnostic(d: Diagnostic): Record<string, string> {
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    range: `${d.start.line}:${d.start.column}-${d.end.line}:${d.end.column}`,
    ...(d.help === undefined ? {} : { help: d.help }),
  };
}

export function corpusDiagnosticsText(policyFile: string): string {
  const { diagnostics } = compilePolicy(readFileSync(join(corpusDir, policyFile), "utf8"), corpusHost);
  return `${JSON.stringify(diagnostics.map(goldenDiagnostic), null, 2)}\n`;
}

if (process.argv[1]?.endsWith("update-golden.ts")) {
  for (const p of loadPolicyDir("policies")) {
    if (!p.compiled) {
      console.error(`${p.file}: does not compile; run precept check`);
      process.exitCode = 1;
      continue;
    }
    mkdirSync(join(goldenDir, p.program), { recursive: true });
    const file = join(goldenDir, p.program, `${p.version}.json`);
    writeFileSync(file, goldenText(p.compiled));
    console.log(`wrote ${file} (${p.compiled.hash})`);
  }
  for (const f of corpusCases()) writeFileSync(diagnosticsFileFor(f), corpusDiagnosticsText(f));
  console.log(`wrote the expected diagnostics of ${corpusCases().length} broken-policy cases`);
}
