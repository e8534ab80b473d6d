/**
 * Drafts: the text being edited, kept in the browser (localStorage) per program and version so a reload or a trip
 * to another version loses nothing; and the few envelope edits the editor makes itself (the publish form's version,
 * effective date and change note; a new version that extends the current one).
 *
 * Envelope edits rewrite only the lines of the keys they set, so the author's comments and layout stay as written.
 */
import { parse as parseYaml } from "yaml";
import { envelopeEndLine } from "./context.js";

const PREFIX = "precept.draft.";

export const drafts = {
  get: (key: string): string | undefined => localStorage.getItem(PREFIX + key) ?? undefined,
  set: (key: string, text: string): void => {
    try {
      localStorage.setItem(PREFIX + key, text);
    } catch {
      /* storage full or disabled: the draft still lives in the editor */
    }
  },
  remove: (key: string): void => localStorage.removeItem(PREFIX + key),
};

function envelopeLines(text: string): { lines: string[]; end: number } {
  const lines = text.split("\n");
  return { lines, end: envelopeEndLine(lines.length, (n) => lines[n - 1] ?? "") };
}

/** The envelope as data (undefined when it is missing or is not valid YAML). */
export function readEnvelope(text: string): Record<string, unknown> | undefined {
  const { lines, end } = envelopeLines(text);
  if (end < 2) return undefined;
  try {
    const v: unknown = parseYaml(lines.slice(1, end - 1).join("\n"));
    return v && typeof v === "object" ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A YAML scalar for a value: plain for dates, double-quoted (JSON is valid YAML) for everything else. */
function scalar(v: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : JSON.stringify(v);
}

/**
 * Sets top-level envelope keys. An existing key's line (and its indented continuation lines) is replaced; a new key
 * goes after `version` (or before the closing fence).
 */
export function setEnvelopeFields(text: string, fields: Readonly<Record<string, string>>): string {
  const { lines, end } = envelopeLines(text);
  if (end < 2) return text;
  const head = lines.slice(0, end - 1);
  for (const [key, value] of Object.entries(fields)) {
    const line = `${key}: ${scalar(value)}`;
    const i = head.findIndex((l) => new RegExp(`^${key}\\s*:`).test(l));
    if (i >= 0) {
      let j = i + 1;
      while (j < head.length && /^\s+\S/.test(head[j]!) && !/^\s*#/.test(head[j]!)) j++;
      head.splice(i, j - i, line);
    } else {
      const v = head.findIndex((l) => /^version\s*:/.test(l));
      head.splice(v >= 0 ? v + 1 : head.length, 0, line);
    }
  }
  return [...head, ...lines.slice(end - 1)].join("\n");
}

/** A new version that extends `base`: the envelope says what it is; the body starts empty ("only what changes"). */
export function newVersionSource(base: { program: string; version: string; title: string; author?: string }, version: string, effective: string): string {
  return [
    "---",
    `program: ${base.program}`,
    `version: ${JSON.stringify(version)}`,
    `effective: ${effective}`,
    `extends: ${JSON.stringify(base.version)}`,
    `title: ${JSON.stringify(base.title)}`,
    ...(base.author ? [`author: ${JSON.stringify(base.author)}`] : []),
    `change: ""`,
    "---",
    `# What changes from ${base.version}. A rule, let or attribute given here replaces the inherited one with the same`,
    "# name; `remove rule ID` drops an inherited rule. Parameters and tables go in the envelope above.",
    "",
  ].join("\n");
}

/** A plausible next version id: `2010.1` → `2010.2`, `v3` → `v4`, else the id with `.1`. */
export function nextVersionId(version: string, taken: readonly string[]): string {
  const bump = (v: string): string => {
    const m = /^(.*?)(\d+)$/.exec(v);
    return m ? `${m[1]}${Number(m[2]) + 1}` : `${v}.1`;
  };
  let v = bump(version);
  while (taken.includes(v)) v = bump(v);
  return v;
}
