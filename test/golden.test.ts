/** The compiled JSON of every shipped policy equals its checked-in golden file byte for byte, and compiling is deterministic. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../dsl/index.js";
import { nodePolicyHost } from "../engine/policy-files.js";
import { goldenDir, goldenText } from "../scripts/update-golden.js";
import { shippedPolicies } from "./support/policies.js";

describe("golden compiled policies", () => {
  it.each(shippedPolicies().map((p) => [`${p.program} ${p.version}`, p] as const))("%s matches its golden file", (_n, p) => {
    const file = join(goldenDir, p.program, `${p.version}.json`);
    expect(existsSync(file), `${file} is missing: run npm run golden:update`).toBe(true);
    expect(goldenText(p.compiled)).toBe(readFileSync(file, "utf8"));
  });

  it.each(shippedPolicies().map((p) => [`${p.program} ${p.version}`, p] as const))("%s compiles to the same bytes twice", (_n, p) => {
    const again = compilePolicy(p.source, nodePolicyHost(join(p.file, "..")));
    expect(JSON.stringify(again.compiled)).toBe(JSON.stringify(p.compiled));
    expect(again.compiled!.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("a change to the source changes the hash", () => {
    const p = shippedPolicies()[0]!;
    const changed = compilePolicy(p.source.replace(/title: .*/, "title: Another title"), nodePolicyHost(join(p.file, "..")));
    expect(changed.compiled!.hash).not.toBe(p.compiled!.hash);
  });
});
