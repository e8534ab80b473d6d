/**
 * (Node only) The shipped policies on disk: `policies/<program>/<version>.policy`, each compiled with its request
 * schema and the versions it extends read from the same folder.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { compilePolicy, type PolicyHost } from "../dsl/index.js";
import type { CompiledPolicy } from "../dsl/compiled.js";
import type { Diagnostic } from "../dsl/diagnostics.js";
import { parsePolicy } from "../dsl/index.js";
import { MANIFEST_FILE, ManifestError, readManifest, type ManifestProblem } from "./program-manifest-files.js";
import { manifestProblems, type ProgramManifest } from "./program-manifest.js";

export interface PolicyFile {
  readonly program: string;
  readonly version: string;
  readonly file: string;
  readonly source: string;
  readonly compiled?: CompiledPolicy;
  readonly diagnostics: readonly Diagnostic[];
  /** The program's manifest (program.yaml beside the file), if there is one and it is right. */
  readonly manifest?: ProgramManifest;
  /** What is wrong with that manifest, or between it and this policy. */
  readonly manifestProblems: readonly ManifestProblem[];
}

/** The program.yaml of a folder and its problems with `compiled` (a broken manifest is a problem, not a throw). */
function manifestFor(dir: string, compiled: CompiledPolicy | undefined): Pick<PolicyFile, "manifest" | "manifestProblems"> {
  try {
    const manifest = readManifest(dir);
    if (!manifest) return { manifestProblems: [] };
    const file = join(dir, MANIFEST_FILE);
    return { manifest, manifestProblems: compiled ? manifestProblems(manifest, compiled).map((message) => ({ file, line: 1, column: 1, message })) : [] };
  } catch (e) {
    if (e instanceof ManifestError) return { manifestProblems: e.problems };
    throw e;
  }
}

/** Reads sibling files of one program folder: its request schema and the sources of other versions. */
export function nodePolicyHost(programDir: string): PolicyHost {
  return {
    requestSchema(_program, ref) {
      const file = resolve(programDir, ref);
      if (!file.startsWith(resolve(programDir)) || !existsSync(file)) return undefined;
      try {
        return JSON.parse(readFileSync(file, "utf8")) as object;
      } catch {
        return undefined;
      }
    },
    parentSource(_program, version) {
      for (const f of policyFilesIn(programDir)) {
        const text = readFileSync(f, "utf8");
        if (parsePolicy(text).envelope?.version === version) return text;
      }
      return undefined;
    },
  };
}

function policyFilesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".policy"))
    .sort()
    .map((f) => join(dir, f));
}

export function compileFile(file: string): PolicyFile {
  const source = readFileSync(file, "utf8");
  const dir = resolve(file, "..");
  const { compiled, diagnostics, parse } = compilePolicy(source, nodePolicyHost(dir));
  return {
    program: parse.envelope?.program ?? "",
    version: parse.envelope?.version ?? "",
    file,
    source,
    ...(compiled ? { compiled } : {}),
    diagnostics,
    ...manifestFor(dir, compiled),
  };
}

/** Every policy file under `dir` (one folder per program), compiled. */
export function loadPolicyDir(dir = "policies"): PolicyFile[] {
  if (!existsSync(dir)) return [];
  const out: PolicyFile[] = [];
  for (const program of readdirSync(dir).sort()) {
    const pdir = join(dir, program);
    if (!statSync(pdir).isDirectory()) continue;
    for (const f of policyFilesIn(pdir)) out.push(compileFile(f));
  }
  return out;
}
