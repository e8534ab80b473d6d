/**
 * Completion, hover and go-to-definition without a browser: the scenario at the cursor decides what is offered.
 * Table-driven, like Monaco's own language tests; `|` marks the cursor.
 */
import { describe, expect, it } from "vitest";
import { provideItems } from "../../editor/completion.js";
import { cursorContext } from "../../editor/context.js";
import { provideDefinition } from "../../editor/definition.js";
import { provideHover } from "../../editor/hover.js";
import { contextFor, fakeModel, fakeMonaco, source, withCursor } from "./fixtures.js";

const ENVELOPE = "---\nprogram: ice-tar\n---\n";
const ctx = contextFor("ice-tar", "2010.1");

function labelsAt(marked: string, trigger?: string): string[] {
  const { text, line, column } = withCursor(marked);
  return provideItems(fakeMonaco, fakeModel(text) as never, { lineNumber: line, column } as never, ctx, trigger).map((i) => String(i.label));
}

function scenarioAt(marked: string): string {
  const { text, line, column } = withCursor(marked);
  const m = fakeModel(text);
  return cursorContext(m.getLineCount(), m.getLineContent, line, column).scenario.kind;
}

describe("the scenario at the cursor", () => {
  const cases: [string, string][] = [
    ["---\nprogram: ice-tar\n|\n---\n", "envelope"],
    [`${ENVELOPE}|`, "declaration"],
    [`${ENVELOPE}rule x\n  when a > 1\n  then |`, "outcome"],
    [`${ENVELOPE}otherwise |`, "outcome"],
    [`${ENVELOPE}rule x when a is |`, "presence"],
    [`${ENVELOPE}rule x when a is not |`, "presence"],
    [`${ENVELOPE}rule x when a not in |`, "collection"],
    [`${ENVELOPE}rule x when a contains any |`, "collection"],
    [`${ENVELOPE}rule x when a = |`, "expression"],
    [`${ENVELOPE}let y = min(a, |`, "expression"],
    [`${ENVELOPE}rule x when a = 1 |`, "operator"],
    [`${ENVELOPE}rule x\n  when a = 1\n  then pend\n  |`, "declaration"],
    [`${ENVELOPE}rule x\n  when a = 1\n  then pend\n  code |`, "naming"],
    [`${ENVELOPE}rule |`, "naming"],
    [`${ENVELOPE}remove rule |`, "remove"],
    [`${ENVELOPE}rule x when a = "b|`, "none"],
    [`${ENVELOPE}# a comment |`, "none"],
  ];
  it.each(cases)("%j is %s", (marked, kind) => expect(scenarioAt(marked)).toBe(kind));
});

describe("completion", () => {
  it("after `then`, offers the outcomes in precedence order", () => {
    expect(labelsAt(`${ENVELOPE}rule x\n  when emergency = true\n  then |`)).toEqual(["not-required", "deny", "pend", "approve"]);
  });

  it("after a dot, offers the sub-fields of the group with their types", () => {
    const { text, line, column } = withCursor(`${ENVELOPE}let c = service.|`);
    const items = provideItems(fakeMonaco, fakeModel(text) as never, { lineNumber: line, column } as never, ctx);
    expect(items.map((i) => i.label)).toEqual(["service.category", "service.code", "service.estimatedCost"]);
    const cost = items.find((i) => i.label === "service.estimatedCost")!;
    expect(cost.detail).toBe("request field · number");
    expect((cost.documentation as { value: string }).value).toMatch(/estimated cost/i);
    // The whole dotted prefix is replaced, so accepting gives `service.estimatedCost`, not `service.service.…`.
    expect(cost.range).toMatchObject({ startColumn: "let c = ".length + 1, endColumn: column });
  });

  it("after `in`, offers tables (inherited ones too) and a list", () => {
    const labels = labelsAt(`${ENVELOPE}let c = service.category in |`);
    expect(labels).toEqual(expect.arrayContaining(["costly", "basicLabs", "covered", "caseByCase", "[ … ]"]));
    expect(labels).not.toContain("service.category");
  });

  it("after `is`, offers present and missing", () => {
    expect(labelsAt(`${ENVELOPE}rule x when followUpOf is |`)).toEqual(["present", "missing", "not"]);
  });

  it("after `field =`, offers the field's allowed values first", () => {
    const labels = labelsAt(`${ENVELOPE}rule x when urgency = |`);
    expect(labels.slice(0, 2)).toEqual(['"routine"', '"urgent"']);
  });

  it("where an expression starts, offers lets, facts, parameters, tables and functions", () => {
    const labels = labelsAt(`${ENVELOPE}rule x when |`);
    expect(labels).toEqual(expect.arrayContaining(["costlyService", "missingFields", "service.category", "costThreshold", "covered", "days", "true"]));
  });

  it("after a complete operand in a rule's condition, offers operators and `then`", () => {
    expect(labelsAt(`${ENVELOPE}rule x when costlyService |`)).toEqual(expect.arrayContaining(["then", "and", "or", "is missing", "not in"]));
  });

  it("where a declaration may start, offers the keywords and a rule template; inside a rule, its clauses", () => {
    expect(labelsAt(`${ENVELOPE}|`).sort()).toEqual(["attribute", "let", "otherwise", "remove", "rule", "rule …"]);
    expect(labelsAt(`${ENVELOPE}rule x\n  then pend\n  |`)).toEqual(expect.arrayContaining(["code", "reason", "cite", "set", "rule"]));
  });

  it("after `remove rule`, offers the inherited rules", () => {
    expect(labelsAt(`${ENVELOPE}remove rule |`)).toEqual(expect.arrayContaining(["emergency-care", "incomplete-tar"]));
    expect(labelsAt(`${ENVELOPE}remove rule |`)).not.toContain("basic-lab");
  });

  it("a typed space opens the list only where the next word is all but certain", () => {
    expect(labelsAt(`${ENVELOPE}rule x when |`, " ")).toEqual([]);
    expect(labelsAt(`${ENVELOPE}rule x when a > 1 then |`, " ")).toContain("pend");
  });

  it("in the envelope, at a line start, offers the envelope's keys", () => {
    expect(labelsAt("---\nprogram: ice-tar\n|\n---\n")).toEqual(expect.arrayContaining(["version", "effective", "extends", "parameters", "tables"]));
  });
});

/** A model stand-in with `getWordAtPosition` (the language's word: dotted names with inner hyphens). */
function wordModel(text: string) {
  const m = fakeModel(text);
  return {
    ...m,
    uri: "draft",
    getWordAtPosition({ lineNumber, column }: { lineNumber: number; column: number }) {
      const line = m.getLineContent(lineNumber);
      for (const w of line.matchAll(/[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*(?:\.[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*)*/g)) {
        const start = w.index + 1;
        if (column >= start && column <= start + w[0].length) return { word: w[0], startColumn: start, endColumn: start + w[0].length };
      }
      return null;
    },
  };
}

const at = (text: string, needle: string, offset = 1) => {
  const lines = text.split("\n");
  const i = lines.findIndex((l) => l.includes(needle));
  return { lineNumber: i + 1, column: lines[i]!.indexOf(needle) + offset };
};

describe("hover and go-to-definition on ice-tar 2010.1", () => {
  const text = source("ice-tar", "2010.1");
  const model = wordModel(text) as never;
  const hover = (needle: string, offset?: number) => (provideHover(model, at(text, needle, offset) as never, ctx)?.contents[0] as { value: string } | undefined)?.value;

  it("a fact shows its type and description", () => {
    expect(hover("service.estimatedCost > costThreshold")).toMatch(/^\*\*service\.estimatedCost\*\* — request field, number\n\n.+/);
  });

  it("a table shows its contents, a parameter its value, a let its definition", () => {
    expect(hover("in costly ", 4)).toContain("`inpatient-admission`, `surgery-scheduled`, `imaging-advanced`");
    expect(hover("> costThreshold", 3)).toContain("value `2500`");
    expect(hover("when costlyService and", 6)).toContain("let costlyService = ");
  });

  it("an inherited table says where it comes from", () => {
    expect(hover("in covered", 4)).toContain("inherited from 2005.1");
  });

  it("go-to-definition finds a let in the draft, a table in the envelope, and an inherited table in its version", () => {
    const def = (needle: string, offset: number) => provideDefinition(model, at(text, needle, offset) as never, ctx, (v) => `v:${v}` as never);
    expect(def("when costlyService and", 6)?.range.startLineNumber).toBe(at(text, "let costlyService").lineNumber);
    expect(def("in onsiteApprovers", 4)?.range.startLineNumber).toBe(at(text, "  onsiteApprovers:").lineNumber);
    const inherited = def("in covered", 4);
    expect(inherited?.uri).toBe("v:2005.1");
    expect(inherited?.range.startLineNumber).toBe(at(source("ice-tar", "2005.1"), "  covered:").lineNumber);
    expect(def("remove rule physician-authorized", 14)?.uri).toBe("v:2005.1");
  });
});
