/**
 * Rewrites the golden compiled JSON of every shipped policy (test/golden/compiled/<program>/<version>.json).
 * Run after an intended change to a policy or to the compiler, then review the diff: `npm run golden:update`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadPolicyDir } from "../engine/policy-files.js";

export const goldenDir = "test/golden/compiled";

export function goldenText(compiled: unknown): string {
  return `${JSON.stringify(compiled, null, 2)}\n`;
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
}
