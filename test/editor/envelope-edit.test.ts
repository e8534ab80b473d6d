/**
 * Form edits of parameters and tables (editor/envelope-edit.ts) on the shipped policies: the edited value changes,
 * it reads back through the real parser, and every other byte of the file (comments, layout) stays as it was.
 */
import { describe, expect, it } from "vitest";
import { parsePolicy } from "../../dsl/index.js";
import { addTableItem, removeTableItem, setParameter, setTableItem } from "../../editor/envelope-edit.js";
import { source } from "./fixtures.js";

/** The text outside one changed region: same prefix and suffix, so only `changed` differs. */
function onlyChange(before: string, after: string): { removed: string; added: string } {
  let p = 0;
  while (p < before.length && before[p] === after[p]) p++;
  let s = 0;
  while (s < before.length - p && before[before.length - 1 - s] === after[after.length - 1 - s]) s++;
  return { removed: before.slice(p, before.length - s), added: after.slice(p, after.length - s) };
}

const envelope = (text: string) => parsePolicy(text).envelope as unknown as { parameters: Record<string, { value: unknown }>; tables: Record<string, { values: unknown }> };

describe("envelope edits keep the file as written", () => {
  const ice = source("ice-tar", "2010.1");
  const chs = source("ihs-chs", "2008.1");

  it("when a parameter's value is set, then only its digits change and the comments stay", () => {
    const after = setParameter(ice, "costThreshold", 5000)!;
    expect(onlyChange(ice, after)).toEqual({ removed: "25", added: "50" });
    expect(envelope(after).parameters.costThreshold!.value).toBe(5000);
    expect(after.split("\n").filter((l) => l.trimStart().startsWith("#"))).toEqual(ice.split("\n").filter((l) => l.trimStart().startsWith("#")));
    expect(setParameter(ice, "noSuchParameter", 1)).toBeUndefined();
  });

  it("when a list table gains, changes and loses an item, then the flow list is edited in place", () => {
    const added = addTableItem(ice, "basicLabs", "lab-panel")!;
    expect(onlyChange(ice, added)).toEqual({ removed: "", added: ", lab-panel" });
    expect(envelope(added).tables.basicLabs!.values).toEqual(["lab-basic", "lab-panel"]);
    const changed = setTableItem(added, "basicLabs", 1, "lab panel (full)")!;
    expect(envelope(changed).tables.basicLabs!.values).toEqual(["lab-basic", "lab panel (full)"]);
    expect(removeTableItem(changed, "basicLabs", 1)).toBe(ice);
    const first = removeTableItem(ice, "costly", 0)!;
    expect(envelope(first).tables.costly!.values).toEqual(["surgery-scheduled", "imaging-advanced"]);
  });

  it("when a multi-line flow list and a block map are edited, then their other lines stay byte for byte", () => {
    // No shipped table is a flow list over several lines now, so one is made of ihs-chs's alternate resources.
    const oneLine = "values: [medicare, medicaid, private-insurance, state-program]";
    expect(chs).toContain(oneLine);
    const multi = chs.replace(oneLine, "values: [medicare, medicaid,\n      private-insurance, state-program]");
    const added = addTableItem(multi, "listedAlternateResources", "tribal-plan")!;
    expect(onlyChange(multi, added)).toEqual({ removed: "", added: ", tribal-plan" });
    expect(envelope(added).tables.listedAlternateResources!.values).toEqual(["medicare", "medicaid", "private-insurance", "state-program", "tribal-plan"]);
    const map = envelope(chs).tables.priorityByCategory!.values as Record<string, number>;
    const set = setTableItem(chs, "priorityByCategory", "prenatal", 1)!;
    expect(onlyChange(chs, set)).toEqual({ removed: "2", added: "1" });
    const more = addTableItem(chs, "priorityByCategory", 3, "dialysis-new")!;
    expect((envelope(more).tables.priorityByCategory!.values as Record<string, number>)["dialysis-new"]).toBe(3);
    const less = removeTableItem(chs, "priorityByCategory", "prenatal")!;
    expect(Object.keys(envelope(less).tables.priorityByCategory!.values as object)).toEqual(Object.keys(map).filter((k) => k !== "prenatal"));
    expect(onlyChange(chs, less).added).toBe("");
  });
});
