/** The shipped policies, compiled once per test file. */
import { loadPolicyDir, type PolicyFile } from "../../engine/policy-files.js";
import type { CompiledPolicy } from "../../dsl/compiled.js";
import type { ProgramManifest } from "../../engine/program-manifest.js";

let cache: PolicyFile[] | undefined;

export function shippedPolicies(): PolicyFile[] {
  cache ??= loadPolicyDir("policies");
  return cache;
}

export function shipped(program: string, version: string): CompiledPolicy {
  const p = shippedPolicies().find((x) => x.program === program && x.version === version);
  if (!p?.compiled) throw new Error(`${program} ${version} does not compile`);
  return p.compiled;
}

/** A shipped program's manifest (its program.yaml). */
export function shippedManifest(program: string): ProgramManifest {
  const m = shippedPolicies().find((x) => x.program === program)?.manifest;
  if (!m) throw new Error(`${program} has no program.yaml`);
  return m;
}
