/**
 * docs/architecture.md matches the code: every source file of dsl/, engine/, server/, editor/, cli/ and scripts/
 * is named in the module map, under its own folder (the map's indentation gives the folder).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const FOLDERS = ["dsl", "engine", "server", "editor", "cli", "scripts"];
const SOURCE = /\.(ts|mts|mjs|html|css|json)$/;
// A file name standing alone (not the tail of a path such as policies/<program>/history/generator.ts).
const NAME = /(?<![\w/.<>*-])[A-Za-z0-9_-][A-Za-z0-9_.-]*\.(?:d\.mts|ts|mts|mjs|html|css|json)\b/g;

/** Every path the map names: a line whose first word ends in `/` opens a folder, deeper lines are inside it. */
function mapped(doc: string): Set<string> {
  const block = doc.slice(doc.indexOf("```\ndsl/") + 4, doc.indexOf("```", doc.indexOf("```\ndsl/") + 4));
  const out = new Set<string>();
  const stack: { indent: number; path: string }[] = [];
  for (const line of block.split("\n")) {
    if (line.trim() === "") continue;
    const indent = line.length - line.trimStart().length;
    const first = line.trim().split(/\s+/)[0]!;
    const opens = /^[\w.-]+\/$/.test(first);
    // A line at or above a folder's indentation closes it (continuation lines are deeper).
    while (stack.length && stack.at(-1)!.indent >= indent) stack.pop();
    if (opens) stack.push({ indent, path: [stack.at(-1)?.path, first.slice(0, -1)].filter(Boolean).join("/") });
    const folder = stack.at(-1)?.path;
    if (!folder) continue;
    for (const m of (opens ? line.trim().slice(first.length) : line).matchAll(NAME)) out.add(`${folder}/${m[0]}`);
  }
  return out;
}

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).sort().flatMap((name) => {
    const rel = `${dir}/${name}`;
    if (name === "dist" || name === "node_modules") return [];
    if (statSync(join(ROOT, rel)).isDirectory()) return sources(rel);
    return SOURCE.test(name) ? [rel] : [];
  });
}

describe("the module map of docs/architecture.md", () => {
  it("when the source folders are listed, then every file is in the map under its folder", () => {
    const map = mapped(readFileSync(join(ROOT, "docs/architecture.md"), "utf8"));
    expect(FOLDERS.flatMap(sources).filter((f) => !map.has(f))).toEqual([]);
  });

  it("when a file is missing from a map, or named under another folder, then it is not counted as mapped", () => {
    const map = mapped("```\ndsl/   the language\n  lexer.ts  tokens\n  checks/   checks\n    index.ts  list\n    deep/\n      a.ts\n  parser.ts  see checks/types.ts\nengine/\n  index.ts\n```\n");
    expect([...map].sort()).toEqual(["dsl/checks/deep/a.ts", "dsl/checks/index.ts", "dsl/lexer.ts", "dsl/parser.ts", "engine/index.ts"]);
  });
});
