/**
 * (Node only) The fields of a program's requests that a requester can change: the `actionable` list of the
 * program's manifest (`policies/<program>/program.yaml`, engine/program-manifest.ts). Who can amend what is a
 * policy judgement about the program, not a property of the data, so it lives there and not in the schema.
 */
import { readManifest } from "../program-manifest-files.js";

export interface ProgramAnalysisSettings {
  readonly actionable: readonly string[];
}

export function readAnalysisSettings(programDir: string): ProgramAnalysisSettings {
  return { actionable: readManifest(programDir)?.actionable ?? [] };
}
