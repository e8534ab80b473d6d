/**
 * The envelope reader (dsl/envelope.ts), row by row: each header mistake a policy author can make, with the exact
 * diagnostic it gets (code, where, message and help), so a reworded message, a span that points at the wrong token
 * or a lost special case shows here. Line 1 of every row is the opening `---`, so the header starts on line 2.
 */
import { describe, expect, it } from "vitest";
import { catalogue } from "../../dsl/catalogue.js";
import { DiagnosticSink, LineIndex } from "../../dsl/diagnostics.js";
import { readEnvelope } from "../../dsl/envelope.js";

const base = ["program: demo", 'version: "1.0"', "effective: 2000-01-01", "title: A title"];

/** [what, the header's lines, the diagnostics as `code line:col-line:col message` and their help (undefined: the catalogue's)]. */
type Row = readonly [what: string, header: readonly string[], want: readonly (readonly [where: string, message: string, help?: string])[]];

function read(text: string) {
  const sink = new DiagnosticSink(new LineIndex(text));
  const result = readEnvelope(text, sink);
  const got = sink.items.map((d) => [`${d.code} ${d.start.line}:${d.start.column}-${d.end.line}:${d.end.column}`, d.message, d.help] as const);
  return { result, got };
}

const withBase = (...lines: string[]): string[] => [...base, ...lines];

const rows: readonly Row[] = [
  ["a header that is a list", ["- a", "- b"], [["envelope/schema 1:1-1:4", "the header between the `---` lines must be a list of `name: value` lines"]]],
  ["no title", base.slice(0, 3), [["envelope/schema 1:1-1:4", "the header has no `title`", "add a line `title: …` that names this version in a few words"]]],
  ["no version", [base[0]!, ...base.slice(2)], [["envelope/schema 1:1-1:4", "the header has no `version`", 'add a line `version: "2010.1"` (in quotes) to the header']]],
  ["no effective date", [...base.slice(0, 2), base[3]!], [["envelope/schema 1:1-1:4", "the header has no `effective`", "add a line `effective: 2010-01-01`, the first day this version is in force"]]],
  ["no program", base.slice(1), [["envelope/schema 1:1-1:4", "the header has no `program`", "add a line `program: ice-tar` (your program's id) to the header"]]],
  [
    "a parameter without its value",
    withBase("parameters:", "  cap: { description: the cap }"),
    [["envelope/schema 7:3-7:6", "parameter `cap` has no `value`", "give the parameter its value on the line below it, e.g. `value: 2500`"]],
  ],
  [
    "a table without its values",
    withBase("tables:", "  codes: { cite: here }"),
    [["envelope/schema 7:3-7:8", "table `codes` has no `values`", "give the table its values on the line below it: a list `values: [a, b]` or keyed values `values: { a: 1, b: 2 }`"]],
  ],
  ["a misspelt header key", withBase("autor: me"), [["envelope/schema 6:1-6:6", "the header has an entry `autor` that Precept does not know", "did you mean `author`?"]]],
  ["a misspelt parameter key", withBase("parameters:", "  cap: { value: 1, cit: x }"), [["envelope/schema 7:20-7:23", "parameter `cap` has an entry `cit` that Precept does not know", "did you mean `cite`?"]]],
  [
    "an unknown table key",
    withBase("tables:", "  codes: { values: [a], zzzzzz: 1 }"),
    [["envelope/schema 7:25-7:31", "table `codes` has an entry `zzzzzz` that Precept does not know", "the entries allowed here are `values`, `description`, `cite`"]],
  ],
  [
    "an amount with a thousands comma in braces",
    withBase("parameters:", "  cap: { value: $5,000 }"),
    [["envelope/schema 7:20-7:23", "the comma in `$5,000` splits the value of parameter `cap` in two", "write the number alone, without `$` or commas: `value: 5000`"]],
  ],
  [
    "an amount with a decimal part cut by a comma",
    withBase("parameters:", "  cap: { value: 12,500.50 }"),
    [["envelope/schema 7:20-7:26", "the comma in `12,500.50` splits the value of parameter `cap` in two", "write the number alone, without `$` or commas: `value: 12500.50`"]],
  ],
  [
    "a comma that does not cut an amount",
    withBase("parameters:", "  cap: { value: abc,500 }"),
    [["envelope/schema 7:21-7:24", "parameter `cap` has an entry `500` that Precept does not know", "the entries allowed here are `value`, `description`, `cite`"]],
  ],
  [
    "a version without quotes that reads as another number",
    ["program: demo", "version: 2005.10", "effective: 2000-01-01", "title: t"],
    [["envelope/schema 3:10-3:17", "the version `2005.10` must be in quotes", 'write `version: "2005.1"`: without quotes the header reads 2005.1 as a number and 2005.10 as 2005.1']],
  ],
  [
    "a comma after something that is not an amount",
    withBase("parameters:", "  cap: { value: 5x,000 }"),
    [["envelope/schema 7:20-7:23", "parameter `cap` has an entry `000` that Precept does not know", "the entries allowed here are `value`, `description`, `cite`"]],
  ],
  [
    "a comma after an amount with letters before it",
    withBase("parameters:", "  cap: { value: x5,000 }"),
    [["envelope/schema 7:20-7:23", "parameter `cap` has an entry `000` that Precept does not know", "the entries allowed here are `value`, `description`, `cite`"]],
  ],
  [
    "a list as a parameter's name",
    withBase("parameters:", "  ? [a, b]", "  : { value: 1 }"),
    [["envelope/schema 6:1-6:11", "`[ a, b ]` cannot be used as a name in `parameters`", "a name is letters, digits and `_`, starting with a letter, with no spaces or hyphens (e.g. `costThreshold`)"]],
  ],
  ["a version without quotes", ["program: demo", "version: 2005.1", "effective: 2000-01-01", "title: t"], [["envelope/schema 3:10-3:16", "the version `2005.1` must be in quotes", 'write `version: "2005.1"`: without quotes the header reads 2005.1 as a number and 2005.10 as 2005.1']]],
  [
    "parameters that are not a map",
    withBase("parameters: 5"),
    [["envelope/schema 6:13-6:14", "`parameters` must list each parameter by name, one per line below it", "write, indented under `parameters:`, `costThreshold: { value: 2500 }`, one line per parameter"]],
  ],
  ["tables that are not a map", withBase("tables: [a]"), [["envelope/schema 6:9-6:12", "`tables` must list each table by name, one per line below it", "write, indented under `tables:`, `covered: { values: [a, b] }`, one line per table"]]],
  ["a parameter given as a bare value", withBase("parameters:", "  cap: 5"), [["envelope/schema 7:8-7:9", "parameter `cap` must give its `value` on the lines below its name", "write `cap: { value: 2500 }`"]]],
  ["a table given as a bare list", withBase("tables:", "  codes: [a]"), [["envelope/schema 7:10-7:13", "table `codes` must give its `values` on the lines below its name", "write `codes: { values: [a, b] }`"]]],
  [
    "a parameter whose value is a list",
    withBase("parameters:", "  cap: { value: [1, 2] }"),
    [["envelope/schema 7:17-7:23", "the `value` of parameter `cap` must be a number, a text, or true or false", "write a single value, such as `value: 2500`, `value: urgent` or `value: true`"]],
  ],
  ["a description that is not text", withBase("parameters:", "  cap: { value: 1, description: [x] }"), [["envelope/schema 7:33-7:36", "the `description` of parameter `cap` must be a text"]]],
  [
    "a table entry that is true",
    withBase("tables:", "  codes: { values: [a, true] }"),
    [["envelope/schema 7:24-7:28", "the entry `true` in the values of table `codes` must be a text or a number", "list plain values, such as `values: [lab-basic, xray-chest-tb]`"]],
  ],
  ["a table entry that is a list", withBase("tables:", "  codes: { values: [a, [b]] }"), [["envelope/schema 7:24-7:27", "an entry in the values of table `codes` must be a text or a number", "list plain values, such as `values: [lab-basic, xray-chest-tb]`"]]],
  [
    "table values that are a number",
    withBase("tables:", "  codes: { values: 5 }"),
    [["envelope/schema 7:20-7:21", "the `values` of table `codes` must be a list or a set of keyed values", "write a list `values: [a, b]` or keyed values `values: { a: 1, b: 2 }`"]],
  ],
  ["outcomes that are not a list", withBase("outcomes: deny"), [["envelope/schema 6:11-6:15", "`outcomes` must be a list in brackets, such as `[a, b]`"]]],
  ["an outcome that is a number", withBase("outcomes: [deny, 5]"), [["envelope/schema 6:18-6:19", "outcome number 2 must be a text"]]],
  ["a title that is a map", withBase().slice(0, 3).concat("title: { a: 1 }"), [["envelope/schema 5:8-5:16", "`title` must be a text"]]],
  ["a combine that is true", withBase("combine: true"), [["envelope/schema 6:10-6:14", "`combine` must be `precedence`", "outcomes combine by precedence only, so far: write `combine: precedence` or leave the line out"]]],
  [
    "a program id with capitals",
    ["program: Demo", ...base.slice(1)],
    [["envelope/schema 2:10-2:14", "the program id `Demo` is not a valid id", "write the program id in lowercase letters, digits and hyphens, starting with a letter, such as `ice-tar`"]],
  ],
  [
    "a version id starting with a dot",
    ["program: demo", 'version: ".1"', ...base.slice(2)],
    [["envelope/schema 3:10-3:14", "the version id `.1` is not a valid id", 'write the version id with letters, digits, dots and hyphens only, starting with a letter or digit, such as `"2010.1"`']],
  ],
  [
    "an outcome with capitals",
    withBase("outcomes: [Deny]"),
    [["envelope/schema 6:12-6:16", "the outcome `Deny` is not a valid outcome name", "write outcome names in lowercase letters, digits and hyphens, starting with a letter, such as `not-required`"]],
  ],
  [
    "a date that does not exist",
    ["program: demo", 'version: "1.0"', "effective: 2001-02-29", "title: t"],
    [["envelope/schema 4:12-4:22", "`effective` must be a date written year-month-day, not `2001-02-29`", "write the date as four-digit year, month and day with hyphens, such as `2010-01-01`, and check that the day exists"]],
  ],
  ["an end date that is a number", withBase("end: 20100101"), [["envelope/schema 6:6-6:14", "`end` must be a text"]]],
  ["an unknown combine", withBase("combine: sum"), [["envelope/schema 6:10-6:13", "`combine` must be `precedence`", "outcomes combine by precedence only, so far: write `combine: precedence` or leave the line out"]]],
  ["an empty title", [...base.slice(0, 3), 'title: ""'], [["envelope/schema 5:8-5:10", "`title` is empty", "write the title after the colon"]]],
  ["no outcomes", withBase("outcomes: []"), [["envelope/schema 6:11-6:13", "`outcomes` lists nothing", "list the program's outcomes, strongest first, e.g. `outcomes: [deny, pend, approve]`"]]],
  ["an outcome twice", withBase("outcomes: [deny, pend, deny]"), [["envelope/schema 6:11-6:29", "`outcomes` lists `deny` twice", "list each outcome once"]]],
  [
    "a parameter name with a hyphen",
    withBase("parameters:", "  cost-cap: { value: 1 }"),
    [["envelope/schema 7:3-7:11", "`cost-cap` cannot be used as a name in `parameters`", "a name is letters, digits and `_`, starting with a letter, with no spaces or hyphens (e.g. `costThreshold`)"]],
  ],
  [
    "an amount written as text",
    withBase("parameters:", '  cap: { value: "$5,000" }'),
    [["envelope/number-as-text 7:17-7:25", "parameter `cap` is written `$5,000`, which is read as text, not as a number", "write the number alone, without `$` or commas: `value: 5000`"]],
  ],
  [
    "a signed amount written as text",
    withBase("parameters:", '  cap: { value: "+$1,250.5" }'),
    [["envelope/number-as-text 7:17-7:28", "parameter `cap` is written `+$1,250.5`, which is read as text, not as a number", "write the number alone, without `$` or commas: `value: 1250.5`"]],
  ],
  [
    "a percentage written as text",
    withBase("parameters:", "  share: { value: 12% }"),
    [["envelope/number-as-text 7:19-7:22", "parameter `share` is written `12%`, which is read as text, not as a number", "write the number alone: `value: 12` if the rules compare it with a percentage, `value: 0.12` if with a fraction"]],
  ],
  ["a text that only looks like a number", withBase("parameters:", '  code: { value: "5" }', '  word: { value: "$ab" }', "  flag: { value: true }"), []],
  ["an alias whose anchor comes later", withBase("x-a: *later", "x-b: &later 1"), [["envelope/unknown-anchor 6:6-6:12", "`*later` repeats an anchor `&later` that is not defined above it", "mark the value `*later` repeats with `&later` on a line above it (check the spelling of both), or write the value out in full"]]],
  ["a misspelt alias, and one that is right", withBase("x-a: &one [1]", "x-b: [*one, *onw]"), [["envelope/unknown-anchor 7:13-7:17", "`*onw` repeats an anchor `&onw` that is not defined above it", "mark the value `*onw` repeats with `&onw` on a line above it (check the spelling of both), or write the value out in full"]]],
  ["an alias inside the value it repeats", withBase("x-a: &self [1, *self]"), [["envelope/schema 6:1-6:4", "the header has an entry `x-a` that Precept does not know", "(the header's keys)"]]],
];

describe("envelope diagnostics", () => {
  it.each(rows)("%s", (_what, header, want) => {
    const text = `---\n${header.join("\n")}\n---\nrule r\n  then x\n`;
    const { got, result } = read(text);
    // The body starts after the closing fence whatever the header says, and a broken header gives no envelope.
    expect(result.bodyStart).toBe(text.indexOf("rule r"));
    expect(result.envelope === undefined).toBe(want.length > 0);
    const expected = want.map(([where, message, help]) => [where, message, help ?? catalogue[where.split(" ")[0] as keyof typeof catalogue].help] as const);
    // An unknown key is reported with the list of every key the header allows: compare the start only.
    expect(got.map(([w, m, h]) => [w, m, h?.startsWith("the entries allowed here are `program`") ? "(the header's keys)" : h])).toEqual(expected);
  });

  it("an unknown header key far from any lists the keys allowed", () => {
    const { got } = read(`---\n${withBase("zzzzqqq: 1").join("\n")}\n---\n`);
    expect(got).toEqual([["envelope/schema 6:1-6:8", "the header has an entry `zzzzqqq` that Precept does not know", "the entries allowed here are `program`, `version`, `effective`, `end`, `extends`, `title`, `author`, `change`, `requestSchema`, `outcomes`, `combine`, `parameters`, `tables`"]]);
  });

  it("a valid header gives the envelope, the spans of its keys, parameters and tables, and where the body starts", () => {
    const text = `--- # a comment\n${withBase("parameters:", "  cap: { value: 2500 }", "tables:", "  codes: { values: [a, b] }", "outcomes: [deny, approve]").join("\n")}\n---  \nrule r\n`;
    const { result, got } = read(text);
    expect(got).toEqual([]);
    expect(result.envelope).toEqual({
      program: "demo",
      version: "1.0",
      effective: "2000-01-01",
      title: "A title",
      parameters: { cap: { value: 2500 } },
      tables: { codes: { values: ["a", "b"] } },
      outcomes: ["deny", "approve"],
    });
    const at = (s: { start: number; end: number } | undefined): string | undefined => (s ? text.slice(s.start, s.end) : undefined);
    expect([...result.spans.keys.keys()]).toEqual(["program", "version", "effective", "title", "parameters", "tables", "outcomes"]);
    expect(at(result.spans.keys.get("tables"))).toBe("tables");
    expect(at(result.spans.parameters.get("cap"))).toBe("cap");
    expect(at(result.spans.tables.get("codes"))).toBe("codes");
    expect([...result.spans.parameters.keys()]).toEqual(["cap"]);
    expect([...result.spans.tables.keys()]).toEqual(["codes"]);
    expect(text.slice(result.bodyStart)).toBe("rule r\n");
  });

  it("names in the span maps only the parameters and tables written as plain names", () => {
    const { result } = read(`---\n${withBase("parameters:", "  ? [a]", "  : { value: 1 }", "  cap: { value: 2 }", "tables:", "  ? { x: 1 }", "  : { values: [a] }").join("\n")}\n---\n`);
    expect([...result.spans.parameters.keys()]).toEqual(["cap"]);
    expect([...result.spans.tables.keys()]).toEqual([]);
  });

  it("reads Windows line ends and a header that runs to the end of the file", () => {
    const crlf = `---\r\n${base.join("\r\n")}\r\n---\r\nrule r\r\n`;
    const a = read(crlf);
    expect(a.got).toEqual([]);
    expect(a.result.envelope?.title).toBe("A title");
    expect(crlf.slice(a.result.bodyStart)).toBe("rule r\r\n");
    const noBody = `---\n${base.join("\n")}\n---`;
    const b = read(noBody);
    expect(b.got).toEqual([]);
    expect(b.result.bodyStart).toBe(noBody.length);
  });

  it("a file without both fences has no envelope, and its body is empty", () => {
    for (const text of ["rule r\n  then x\n", `---\n${base.join("\n")}\n`, `---\n${base.join("\n")}`, "", "---", "----\nprogram: demo\n---\n", " ---\n---\n"]) {
      const { result, got } = read(text);
      const firstLine = text.split("\n")[0]!;
      expect(got, JSON.stringify(text)).toEqual([
        [`envelope/missing 1:1-1:${firstLine.length + 1}`, "a policy file starts with its header (the envelope) between two `---` lines", "begin the file with `---`, the program, version, effective date and title, then `---` and the rules"],
      ]);
      expect(result.envelope).toBeUndefined();
      expect(result.bodyStart).toBe(text.length);
    }
  });

  it("broken YAML: the parser's first complaint, in the author's words, at the place it names", () => {
    const { result, got } = read(`---\n${withBase("outcomes: [deny, pend").join("\n")}\n---\n`);
    expect(result.envelope).toBeUndefined();
    expect(got.length).toBeGreaterThan(0);
    for (const [where, message] of got) {
      expect(where).toMatch(/^envelope\/yaml \d+:\d+-/);
      expect(message).toMatch(/^invalid YAML in the envelope: [a-z]/);
      expect(message).not.toMatch(/\.$|\n/);
    }
    const dup = read(`---\n${withBase("title: again").join("\n")}\n---\n`);
    expect(dup.got.map(([w]) => w)).toEqual(["envelope/yaml 6:1-6:2"]);
    expect(dup.got[0]![1]).toBe("invalid YAML in the envelope: map keys must be unique");
  });

  it("keeps at most twenty schema complaints", () => {
    const { got } = read(`---\n${withBase(...Array.from({ length: 25 }, (_, i) => `x${i}: 1`)).join("\n")}\n---\n`);
    expect(got).toHaveLength(20);
    expect(got[19]![1]).toBe("the header has an entry `x19` that Precept does not know");
  });
});
