/**
 * (Node only) The fields of a program's requests that a requester can change, from `policies/<program>/analysis.yaml`
 * beside the request schema. A file rather than schema annotations: the list is a policy judgement about the
 * program (who can amend what), not a property of the data, and it can change without a new schema.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

export interface ProgramAnalysisSettings {
  readonly actionable: readonly string[];
}

export function readAnalysisSettings(programDir: string): ProgramAnalysisSettings {
  const file = join(programDir, "analysis.yaml");
  if (!existsSync(file)) return { actionable: [] };
  const doc = parse(readFileSync(file, "utf8")) as { actionable?: unknown } | null;
  const list = doc?.actionable;
  if (list !== undefined && (!Array.isArray(list) || list.some((x) => typeof x !== "string"))) {
    throw new Error(`${file}: \`actionable\` must be a list of request field paths`);
  }
  return { actionable: (list as string[] | undefined) ?? [] };
}
