/**
 * The editor's data side without a browser: the highlighter's word lists come from dsl/tokens.ts, the plain-language
 * changes between versions, envelope edits for publishing, and the outline of a version that extends another.
 */
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../dsl/index.js";
import { keywordNames, presenceWords } from "../../dsl/tokens.js";
import { compareCompiled } from "../../editor/changes.js";
import { newVersionSource, nextVersionId, readEnvelope, setEnvelopeFields } from "../../editor/drafts.js";
import { clauseKeywords, declarationKeywords, literalKeywords, monarch, plainKeywords } from "../../editor/language.js";
import { nodePolicyHost } from "../../engine/policy-files.js";
import { POLICIES, shippedOutline, source } from "./fixtures.js";

const host = nodePolicyHost(`${POLICIES}/ice-tar`);
const compiled = (text: string) => {
  const r = compilePolicy(text, host);
  if (!r.compiled) throw new Error(JSON.stringify(r.diagnostics.slice(0, 3)));
  return r.compiled;
};

describe("the highlighter's words", () => {
  it("are the lexer's keywords, each in exactly one group", () => {
    const groups = [...declarationKeywords, ...plainKeywords, ...literalKeywords];
    expect([...groups].sort()).toEqual([...keywordNames].sort());
    expect(new Set(groups).size).toBe(groups.length);
    expect(clauseKeywords.every((k) => keywordNames.includes(k))).toBe(true);
    expect(literalKeywords).toEqual(["true", "false"]);
  });

  it("the Monarch definition carries them, and the presence words", () => {
    const m = monarch() as unknown as Record<string, unknown>;
    expect(m.declarationKeywords).toEqual(declarationKeywords);
    expect(m.plainKeywords).toEqual(plainKeywords);
    expect(m.presenceWords).toEqual(presenceWords);
  });
});

describe("changes between published versions, in words", () => {
  const v2005 = compiled(source("ice-tar", "2005.1"));
  const v2010 = compiled(source("ice-tar", "2010.1"));
  const changes = compareCompiled(v2005, v2010);

  it("names the rules 2010.1 adds and removes, with the draft's line for its own rules", () => {
    const added = changes.filter((c) => c.what === "rule" && c.kind === "added").map((c) => c.name);
    expect(added).toEqual(["basic-lab", "follow-up-visit", "prenatal-bundle", "onsite-authorized", "costly-service-preauth", "covered-not-costly"]);
    const basic = changes.find((c) => c.name === "basic-lab")!;
    expect(basic.text).toBe("new rule: when service.category in basicLabs, the outcome is approve (code auto-approved)");
    expect(source("ice-tar", "2010.1").split("\n")[basic.line! - 1]).toBe("rule basic-lab");
    expect(changes).toContainEqual({ kind: "removed", what: "rule", name: "physician-authorized", text: 'no longer applies (it said: when onsiteApproval = "physician", the outcome is approve (code physician-authorized))' });
  });

  it("names the new parameter and tables, and the reworded default", () => {
    expect(changes.filter((c) => c.kind === "added" && c.what !== "rule").map((c) => `${c.what} ${c.name}`)).toEqual(
      expect.arrayContaining(["parameter costThreshold", "table costly", "table basicLabs", "derived fact costlyService", "attribute priority"]),
    );
    expect(changes.find((c) => c.what === "default outcome")?.text).toMatch(/^reason now reads “Reviewed by a managed care coordinator/);
  });

  it("a changed threshold shows as a changed parameter and as rules comparing different values", () => {
    const raised = compiled(source("ice-tar", "2010.1").replace("value: 2500", "value: 3000"));
    const diff = compareCompiled(v2010, raised);
    expect(diff).toContainEqual({ kind: "changed", what: "parameter", name: "costThreshold", text: "was 2500, now 3000" });
    expect(compareCompiled(v2010, v2010)).toEqual([]);
  });
});

describe("envelope edits", () => {
  const text = source("ice-tar", "2010.1");

  it("set the version, date and note in place, keeping every other line", () => {
    const out = setEnvelopeFields(text, { version: "2010.2", effective: "2011-01-01", change: 'Dental "care" reviewed' });
    expect(readEnvelope(out)).toMatchObject({ version: "2010.2", effective: "2011-01-01", change: 'Dental "care" reviewed', extends: "2005.1" });
    const before = text.split("\n");
    const after = out.split("\n");
    expect(after.length).toBe(before.length);
    expect(after.filter((l, i) => l !== before[i])).toEqual(['version: "2010.2"', "effective: 2011-01-01", 'change: "Dental \\"care\\" reviewed"']);
  });

  it("add a key that is missing after `version`", () => {
    const out = setEnvelopeFields("---\nprogram: x\nversion: \"1\"\ntitle: t\n---\nrule a then b\n", { change: "why" });
    expect(out).toBe('---\nprogram: x\nversion: "1"\nchange: "why"\ntitle: t\n---\nrule a then b\n');
  });

  it("a new version extends the current one and compiles as it is", () => {
    const base = readEnvelope(text) as { program: string; version: string; title: string; author: string };
    const fresh = newVersionSource(base, nextVersionId("2010.1", ["2010.2"]), "2011-01-01");
    expect(readEnvelope(fresh)).toMatchObject({ version: "2010.3", extends: "2010.1", effective: "2011-01-01" });
    const host2010 = { ...host, parentSource: (p: string, v: string) => (v === "2010.1" ? text : host.parentSource(p, v)) };
    const r = compilePolicy(fresh, host2010);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.compiled?.rules.length).toBe(v2010Rules());
  });

  function v2010Rules(): number {
    return compiled(text).rules.length;
  }
});

describe("the outline of a version that extends another", () => {
  const outline = shippedOutline("ice-tar", "2010.1");

  it("holds its own names, the inherited ones with their version, and the rules it removes", () => {
    expect(outline.tables.find((t) => t.name === "costly")?.at?.version).toBeUndefined();
    expect(outline.tables.find((t) => t.name === "covered")?.at?.version).toBe("2005.1");
    expect(outline.lets.map((l) => l.name)).toEqual(["missingFields", "costlyService", "onsiteApproved"]);
    expect(outline.rules.map((r) => r.id)).not.toContain("physician-authorized");
    expect(outline.removed.map((r) => r.id)).toEqual(["physician-authorized"]);
    expect(outline.outcomes).toEqual(["not-required", "deny", "pend", "approve"]);
    expect(outline.attributes).toEqual(expect.arrayContaining(["missing", "priority"]));
  });
});
