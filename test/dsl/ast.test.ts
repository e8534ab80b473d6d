/**
 * The CST-to-AST step on its own: how each declaration and expression reads back (through `printExpr`), and where
 * syntax errors leave holes (`?`), since the editor's outline, hover and completion work on the partial tree.
 */
import { describe, expect, it } from "vitest";
import { printExpr, type Decl, type Expr } from "../../dsl/ast.js";
import { toAst } from "../../dsl/cst-to-ast.js";
import { DiagnosticSink, LineIndex } from "../../dsl/diagnostics.js";
import { parsePolicy } from "../../dsl/index.js";
import { lexBody } from "../../dsl/lexer.js";
import { parseTokens } from "../../dsl/parser.js";

const envelope = '---\nprogram: p\nversion: "1"\neffective: 2000-01-01\ntitle: t\n---\n';

const ex = (e: Expr | undefined): string => (e ? printExpr(e) : "?");

function show(d: Decl): string {
  switch (d.kind) {
    case "let":
      return `let ${d.name.name} = ${ex(d.value)}`;
    case "rule":
      return [
        `rule ${d.id.name}`,
        `when ${ex(d.when)}`,
        `then ${d.outcome?.name ?? "-"}`,
        `code ${d.code?.name ?? "-"}`,
        `reason ${d.reason?.name ?? "-"}`,
        `cite ${d.cite?.name ?? "-"}`,
        `set [${d.set.map((a) => `${a.name.name} = ${ex(a.value)}`).join(", ")}]`,
      ].join(" | ");
    case "otherwise":
      return `otherwise ${d.outcome?.name ?? "-"} | code ${d.code?.name ?? "-"} | reason ${d.reason?.name ?? "-"} | cite ${d.cite?.name ?? "-"}`;
    case "attribute":
      return `attribute ${d.name.name} = ${ex(d.value)}${d.when ? ` when ${ex(d.when)}` : ""}`;
    case "remove":
      return `remove ${d.id.name}`;
  }
}

const ast = (body: string): string[] => parsePolicy(envelope + body).body.decls.map(show);

const rows: readonly (readonly [body: string, want: readonly string[]])[] = [
  ["let a = 1 + 2 * 3", ["let a = 1 + (2 * 3)"]],
  ["let a = - - b", ["let a = --b"]],
  ["let a = not not b", ["let a = not not b"]],
  ["let a = not b = 1 and c", ["let a = not (b = 1) and c"]], // (not (b = 1)) and c; `not (b = 1 and c)` would print so
  ["let a = b is present and c is not missing", ["let a = (b is present) and (c is present)"]],
  ["let a = b is not present", ["let a = b is missing"]],
  ["let a = b + 1 is missing or c", ["let a = ((b + 1) is missing) or c"]],
  ["let a = t[k] + f(x, y)", ["let a = t[k] + f(x, y)"]],
  ["let a = f()", ["let a = f()"]],
  ["let a = [1, \"b\", true, false, c]", ['let a = [1, "b", true, false, c]']],
  ["let a = x contains any [1] or x not in t", ["let a = (x contains any [1]) or (x not in t)"]],
  ["let a = (b)", ["let a = b"]],
  ["let a = b is given", ["let a = ?"]],
  ["let a = b is", ["let a = ?"]],
  ["let a = (b", ["let a = ?"]],
  ["let a = [b", ["let a = ?"]],
  ["let a = f(b", ["let a = ?"]],
  ["let a = t[b", ["let a = ?"]],
  ["let a = [b, (c]", ["let a = ?"]],
  ["let a = f(b, (c)", ["let a = ?"]],
  ["let a =", ["let a = ?"]],
  ["let a = 1 +", ["let a = ?"]],
  ["let a = not", ["let a = ?"]],
  ["let = 1", []],
  ["rule when a then deny", []], // a rule without a name is dropped
  ["let a = f(b is given)", ["let a = ?"]], // a hole in an argument makes the call a hole
  ["let a = [b is given, 1]", ["let a = ?"]],
  [
    'rule r1 when a then deny code c1 reason "x \\"y\\" \\\\ z" cite "s" set p = 1, q = b + 1',
    ['rule r1 | when a | then deny | code c1 | reason x "y" \\ z | cite s | set [p = 1, q = b + 1]'],
  ],
  ['rule r1 then code "c-1" reason "first" reason "second" cite "a" cite "b"', ["rule r1 | when ? | then - | code c-1 | reason first | cite a | set []"]],
  ["rule r1 when a then deny set p = , q = 2", ["rule r1 | when a | then deny | code - | reason - | cite - | set [q = 2]"]],
  ["rule r1 when then deny", ["rule r1 | when ? | then deny | code - | reason - | cite - | set []"]],
  ['otherwise pend code o reason "r" cite "c"', ["otherwise pend | code o | reason r | cite c"]],
  ['otherwise code o', ["otherwise - | code o | reason - | cite -"]],
  ['attribute p = a when outcome = "deny"', ['attribute p = a when outcome = "deny"']],
  ["attribute p = 1", ["attribute p = 1"]],
  ["remove rule r1", ["remove r1"]],
  ["let a = 1\nrule r1 when a then deny\nattribute p = 2\nremove rule r2\notherwise pend", [
    "let a = 1",
    "rule r1 | when a | then deny | code - | reason - | cite - | set []",
    "attribute p = 2",
    "remove r2",
    "otherwise pend | code - | reason - | cite -",
  ]],
];

describe("the AST", () => {
  it.each(rows)("%s", (body, want) => expect(ast(body)).toEqual(want));

  it("keeps the spans of what it reads", () => {
    const text = `${envelope}let big = a + 10\n`;
    const d = parsePolicy(text).body.decls[0]!;
    if (d.kind !== "let" || !d.value || d.value.kind !== "binary") throw new Error("expected a let of a sum");
    expect(text.slice(d.span.start, d.span.end)).toBe("let big = a + 10");
    expect(text.slice(d.name.span.start, d.name.span.end)).toBe("big");
    expect(text.slice(d.value.span.start, d.value.span.end)).toBe("a + 10");
    expect(text.slice(d.value.right.span.start, d.value.right.span.end)).toBe("10");
  });

  it("builds the tree without a sink too (the editor's partial trees), and reports nothing then", () => {
    const text = `${envelope}let a = b is given\nlet c = 1\n`;
    const tokens = lexBody(text, parsePolicy(text).bodyStart, new DiagnosticSink(new LineIndex(text)));
    expect(toAst(parseTokens(tokens).cst).decls.map(show)).toEqual(["let a = ?", "let c = 1"]);
  });

  it("reports `is WORD` itself, once, where the word is", () => {
    const text = `${envelope}let a = b is given\n`;
    const ds = parsePolicy(text).diagnostics;
    expect(ds.map((d) => [d.code, text.slice(d.start.offset, d.end.offset)])).toEqual([["syntax/unknown-presence", "given"]]);
  });
});
