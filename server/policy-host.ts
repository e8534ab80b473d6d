/**
 * The PolicyHost the server compiles drafts and publishes with: request schemas come from the program's folder
 * under policies/ (the shipped `request.schema.json`), else from the newest registered version of the program
 * (its embedded schema); a parent's source comes from the registry, which holds every published version.
 * Names are checked before they touch the file system: a draft cannot make the server read arbitrary files.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { PolicyHost } from "../dsl/index.js";
import { nodePolicyHost } from "../engine/policy-files.js";
import type { Registry } from "./registry.js";

const PROGRAM = /^[a-z][a-z0-9-]{0,63}$/;
const SCHEMA_FILE = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}\.json$/;

export function serverPolicyHost(registry: Registry, policiesDir: string): PolicyHost {
  const diskHost = (program: string): PolicyHost | undefined => {
    if (!PROGRAM.test(program)) return undefined;
    const dir = join(policiesDir, program);
    return existsSync(dir) ? nodePolicyHost(dir) : undefined;
  };
  return {
    requestSchema(program: string, ref: string): object | undefined {
      const fromDisk = SCHEMA_FILE.test(ref) ? diskHost(program)?.requestSchema(program, ref) : undefined;
      if (fromDisk) return fromDisk;
      const newest = registry.versions(program).at(-1);
      return newest ? (newest.compiled.requestSchema as object) : undefined;
    },
    parentSource(program: string, version: string): string | undefined {
      return registry.get(program, version)?.source ?? diskHost(program)?.parentSource(program, version);
    },
  };
}
