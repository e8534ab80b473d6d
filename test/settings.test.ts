/**
 * Settings are read once, in server/config.ts, with their defaults: nothing else in server/ or engine/ reads the
 * environment (a component gets its part of the ServerConfig or an option), and every variable config.ts reads
 * is in the configuration table of docs/server.md.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { readConfig } from "../server/config.js";
import { ROOT } from "./server/helpers.js";

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    if (d.isDirectory()) return sources(p);
    return /\.(ts|mts|mjs|js)$/.test(d.name) ? [p] : [];
  });
}

describe("settings", () => {
  it("when server/ and engine/ are read, then only server/config.ts reads process.env", () => {
    const readers = [...sources(join(ROOT, "server")), ...sources(join(ROOT, "engine"))]
      .filter((f) => /process\s*\.\s*env|process\s*\[\s*["']env["']\s*\]/.test(readFileSync(f, "utf8")))
      .map((f) => relative(ROOT, f));
    expect(readers).toEqual(["server/config.ts"]);
  });

  it("when config.ts reads a variable, then docs/server.md documents it, and with none set every default holds", () => {
    const config = readFileSync(join(ROOT, "server/config.ts"), "utf8");
    const names = [...new Set([...config.matchAll(/env\.([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]!))];
    expect(names.length).toBeGreaterThan(15);
    const doc = readFileSync(join(ROOT, "docs/server.md"), "utf8");
    expect(names.filter((n) => !doc.includes(`\`${n}\``))).toEqual([]);
    const c = readConfig({}, "/srv");
    expect(c).toMatchObject({ host: "127.0.0.1", port: 3000, dataDir: "/srv/data", bodyLimit: 1024 ** 2, logLevel: "info" });
    expect(c.compile).toMatchObject({ timeoutMs: 20_000, memoryMb: 512, maxQueue: 16, worker: "bundled" });
    expect(c.keys).toBeUndefined();
  });
});
