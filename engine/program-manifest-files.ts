/**
 * (Node only) Reading `policies/<program>/program.yaml`: parsed, checked against PROGRAM_MANIFEST_SCHEMA, and
 * refused with every problem at its line and column. Read once at start by the server, the CLI and the tests.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { isNode, LineCounter, parseDocument } from "yaml";
import { checkManifest } from "./program-manifest-schema.js";
import { Manifests, type ProgramManifest } from "./program-manifest.js";

export const MANIFEST_FILE = "program.yaml";

/** One problem of a program.yaml, where it is. */
export interface ManifestProblem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export class ManifestError extends Error {
  constructor(readonly file: string, readonly problems: readonly ManifestProblem[]) {
    super(problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.message}`).join("\n"));
    this.name = "ManifestError";
  }
}

/** The manifest of one program folder; undefined when it has none; throws ManifestError when it is wrong. */
export function readManifest(programDir: string): ProgramManifest | undefined {
  const file = join(programDir, MANIFEST_FILE);
  if (!existsSync(file)) return undefined;
  const lines = new LineCounter();
  const doc = parseDocument(readFileSync(file, "utf8"), { lineCounter: lines, prettyErrors: false });
  const at = (offset: number, message: string): ManifestProblem => {
    const p = lines.linePos(offset);
    return { file, line: p.line, column: p.col, message };
  };
  if (doc.errors.length) throw new ManifestError(file, doc.errors.map((e) => at(e.pos[0], e.message.split("\n")[0]!)));
  const checked = checkManifest(doc.toJS());
  if ("issues" in checked) {
    throw new ManifestError(
      file,
      checked.issues.map((i) => {
        const segs = i.path.split("/").slice(1).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
        const node = segs.length ? doc.getIn(segs, true) : doc.contents;
        return at(isNode(node) && node.range ? node.range[0] : 0, `${i.path} ${i.message}`);
      }),
    );
  }
  if (checked.manifest.program !== basename(programDir)) {
    const node = doc.get("program", true);
    throw new ManifestError(file, [at(isNode(node) && node.range ? node.range[0] : 0, `program \`${checked.manifest.program}\` is in the folder \`${basename(programDir)}\``)]);
  }
  return checked.manifest;
}

/** Every program folder's manifest under `policiesDir`, by program. */
export function loadManifests(policiesDir: string): Map<string, ProgramManifest> {
  const out = new Map<string, ProgramManifest>();
  if (!existsSync(policiesDir)) return out;
  for (const name of readdirSync(policiesDir).sort()) {
    const dir = join(policiesDir, name);
    if (!statSync(dir).isDirectory()) continue;
    const m = readManifest(dir);
    if (m) out.set(m.program, m);
  }
  return out;
}

/** The manifests of `policiesDir` as a host uses them (a program without one gets its derived manifest). */
export function manifestsIn(policiesDir: string): Manifests {
  return new Manifests(loadManifests(policiesDir));
}
