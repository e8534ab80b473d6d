/**
 * The formatter (dsl/format.ts, `precept fmt`): idempotent on every shipped and corpus policy, keeps the envelope
 * and every comment byte for byte, leaves the compiled form unchanged, refuses a file with syntax errors, and lays
 * a scrambled policy out exactly as the shipped one. The shipped policies are formatted (`npm test` runs
 * `precept fmt --check policies` too).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compilePolicy, parsePolicy, type PolicyHost } from "../../dsl/index.js";
import type { CompiledPolicy } from "../../dsl/compiled.js";
import { formatPolicy } from "../../dsl/format.js";
import { formattingEdit } from "../../editor/format.js";
import { nodePolicyHost } from "../../engine/policy-files.js";
import { corpusDir, corpusHost } from "../../scripts/update-golden.js";

function policyFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? policyFiles(p) : p.endsWith(".policy") ? [p] : [];
  });
}

const shipped = policyFiles("policies");
const corpus = policyFiles(corpusDir);
const hostFor = (file: string): PolicyHost => (file.startsWith("policies") ? nodePolicyHost(join(file, "..")) : corpusHost);

/** The compiled form without source line numbers (which move when a one-line rule is spread over several). */
function meaning(c: CompiledPolicy | undefined): string | undefined {
  if (!c) return undefined;
  const { hash: _hash, ...rest } = c;
  return JSON.stringify(rest, (k, v: unknown) => (k === "line" ? undefined : v));
}

/** The body's comments in order (a `#` inside a quoted text is not one). */
const comments = (text: string, bodyStart: number): string[] =>
  [...text.slice(bodyStart).matchAll(/"(?:[^"\\\n]|\\.)*"|#[^\n]*/g)].map((m) => m[0]).filter((m) => m.startsWith("#")).map((c) => c.trimEnd());

describe("precept fmt", () => {
  it("finds the shipped policies and the corpus", () => {
    expect(shipped.length).toBeGreaterThanOrEqual(4);
    expect(corpus.length).toBeGreaterThanOrEqual(50);
  });

  it.each([...shipped, ...corpus])("%s: formatting is idempotent and keeps the envelope, the comments and the meaning", (file) => {
    const text = readFileSync(file, "utf8");
    const once = formatPolicy(text);
    if (once.errors.length) {
      // A policy with syntax errors is left exactly as it is.
      expect(once.text).toBe(text);
      expect(once.changed).toBe(false);
      expect(once.errors.every((d) => d.severity === "error")).toBe(true);
      return;
    }
    const twice = formatPolicy(once.text);
    expect(twice.errors).toEqual([]);
    expect(twice.text).toBe(once.text);
    expect(twice.changed).toBe(false);
    const { bodyStart } = parsePolicy(text);
    expect(once.text.slice(0, bodyStart)).toBe(text.slice(0, bodyStart));
    expect(comments(once.text, bodyStart)).toEqual(comments(text, bodyStart));
    const before = compilePolicy(text, hostFor(file));
    const after = compilePolicy(once.text, hostFor(file));
    expect(meaning(after.compiled)).toBe(meaning(before.compiled));
    expect(after.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual(before.diagnostics.map((d) => `${d.code} ${d.message}`));
    for (const l of once.text.slice(bodyStart).split("\n")) expect(l).toBe(l.trimEnd());
    expect(once.text.endsWith("\n") && !once.text.endsWith("\n\n")).toBe(true);
  });

  it.each(shipped)("%s is formatted, so its compiled hash is the one it had", (file) => {
    const text = readFileSync(file, "utf8");
    const r = formatPolicy(text);
    expect(r.changed, `${file} is not formatted: run precept fmt ${file}`).toBe(false);
    expect(compilePolicy(r.text, hostFor(file)).compiled?.hash).toBe(compilePolicy(text, hostFor(file)).compiled?.hash);
  });

  it.each(shipped)("%s, scrambled, formats back to itself with the same compiled hash", (file) => {
    const text = readFileSync(file, "utf8");
    const scrambled = scramble(text, parsePolicy(text).bodyStart, file.length);
    expect(scrambled).not.toBe(text);
    const r = formatPolicy(scrambled);
    expect(r.errors).toEqual([]);
    expect(r.text).toBe(text);
    expect(compilePolicy(r.text, hostFor(file)).compiled!.hash).toBe(compilePolicy(text, hostFor(file)).compiled!.hash);
  });

  it("lays out one messy policy as written down here", () => {
    const env = `---
program: ice-tar
version: "9.0"   # the envelope is kept as it is,   spaces too
effective: 2005-01-01
title: messy
requestSchema: request.schema.json
outcomes: [not-required, deny, pend, approve]
tables: { thresholds: { values: { lab-basic: 500 } } }
parameters: { costThreshold: { value: 2500 } }
---
`;
    const messy = `# a comment before everything
let   big=service.estimatedCost>costThreshold   or  service.estimatedCost  >  thresholds [ service.category ]   # trailing
let  late = days( dateOfService ,submittedAt )>-1*2
let neg = - service.estimatedCost



# two blank lines above became one
rule   r1 when big and not ( emergency=true )
   # about the outcome
then pend code c1 reason "Big, \\"quoted\\"  text" cite "000_143979f455261efb.txt, Background"
rule r2
  when late
      or service.category in [ "lab-basic" , "xray-chest-tb" ]
  then approve

  code c2
  cite "000_143979f455261efb.txt, Background"
  set   n = count ( absent ( service.code, diagnosis.code ) ) , m=1
attribute flagged = big   when outcome = "pend"
otherwise   pend code mcc-review reason "MCC review"   cite "000_143979f455261efb.txt, Background"`;
    const want = `# a comment before everything
let big = service.estimatedCost > costThreshold or service.estimatedCost > thresholds[service.category]  # trailing
let late = days(dateOfService, submittedAt) > -1 * 2
let neg = -service.estimatedCost

# two blank lines above became one
rule r1
  when big and not (emergency = true)
  # about the outcome
  then pend
  code c1
  reason "Big, \\"quoted\\"  text"
  cite "000_143979f455261efb.txt, Background"
rule r2
  when late
    or service.category in ["lab-basic", "xray-chest-tb"]
  then approve
  code c2
  cite "000_143979f455261efb.txt, Background"
  set n = count(absent(service.code, diagnosis.code)), m = 1
attribute flagged = big when outcome = "pend"
otherwise pend
  code mcc-review
  reason "MCC review"
  cite "000_143979f455261efb.txt, Background"
`;
    const r = formatPolicy(env + messy);
    expect(r.errors).toEqual([]);
    expect(r.text).toBe(env + want);
    expect(meaning(compilePolicy(r.text, corpusHost).compiled)).toBe(meaning(compilePolicy(env + messy, corpusHost).compiled));
    expect(compilePolicy(r.text, corpusHost).compiled).toBeDefined();
  });

  it("refuses a policy with syntax errors and says why", () => {
    const text = readFileSync(join(corpusDir, "28-syntax-unclosed-paren.policy"), "utf8");
    const r = formatPolicy(text);
    expect(r.text).toBe(text);
    expect(r.errors.map((d) => d.code)).toEqual(["syntax/unclosed-delimiter"]);
  });

  it("gives the editor one edit covering only what changes", () => {
    const text = readFileSync(shipped[0]!, "utf8");
    expect(formattingEdit(text)).toBeUndefined();
    const i = text.indexOf("\nrule ") + 1;
    const messy = `${text.slice(0, i)}rule   ${text.slice(i + "rule ".length)}`;
    const edit = formattingEdit(messy)!;
    expect(edit).toEqual({ start: i + 5, end: i + 7, text: "" });
    expect(messy.slice(0, edit.start) + edit.text + messy.slice(edit.end)).toBe(text);
  });

  it("`precept fmt --check` fails on an unformatted file and changes nothing; `precept fmt` rewrites it", () => {
    const dir = mkdtempSync(join(tmpdir(), "precept-fmt-"));
    const file = join(dir, "a.policy");
    const text = readFileSync(join(corpusDir, "56-unreachable-two-values.policy"), "utf8");
    writeFileSync(file, text);
    const cli = (...args: string[]) => spawnSync(process.execPath, ["--import", "tsx", "cli/main.ts", "fmt", ...args], { encoding: "utf8" });
    const check = cli(file, "--check");
    expect(check.status).toBe(1);
    expect(check.stdout).toContain("a.policy: not formatted");
    expect(readFileSync(file, "utf8")).toBe(text);
    const fmt = cli(dir);
    expect(fmt.status).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(formatPolicy(text).text);
    expect(cli(file, "--check").status).toBe(0);
    writeFileSync(file, readFileSync(join(corpusDir, "33-syntax-two-errors.policy"), "utf8"));
    const broken = cli(file, "--check");
    expect(broken.status).toBe(1);
    expect(broken.stderr).toContain("not formatted (fix the syntax errors first)");
  });
});

/** [what, body in, body out]: one layout rule each, under a small valid header. */
const layoutRows: readonly (readonly [what: string, input: string, want: string])[] = [
  ["a minus sign keeps to its operand, a subtraction gets spaces", "let a = - b\nlet c = b -  - b\nlet d = 3 -1\nlet e = [1 , - 2]\nlet f = (- b) * 2\nlet g = min( - b, b)-1\n", "let a = -b\nlet c = b - -b\nlet d = 3 - 1\nlet e = [1, -2]\nlet f = (-b) * 2\nlet g = min(-b, b) - 1\n"],
  ["a minus after a string, true, a bracket or a parenthesis is a subtraction", 'let a = "x" -1\nlet b = true -1\nlet c = [1] -1\nlet d = (1) -1\nlet e = false -1\n', 'let a = "x" - 1\nlet b = true - 1\nlet c = [1] - 1\nlet d = (1) - 1\nlet e = false - 1\n'],
  ["no space inside brackets, before a call's ( or a lookup's [, or before a comma", 'let a = min ( b , c )\nlet p = prices [ k ]\nlet l = x in [ "a" , "b" ]\nlet n = not ( b )\n', 'let a = min(b, c)\nlet p = prices[k]\nlet l = x in ["a", "b"]\nlet n = not (b)\n'],
  ["a trailing comment gets two spaces and loses its trailing blanks", "let a = 1   # why   \nlet b = 2\t# tab\r\n", "let a = 1  # why\nlet b = 2  # tab\n"],
  [
    "a comment on its own line is indented like what follows it",
    'rule r\n# before when\nwhen a = 1\n        # inside the condition\n   and b = 2\nthen\n  # before a declaration\nlet x = 1\n     # at the end\n',
    "rule r\n  # before when\n  when a = 1\n    # inside the condition\n    and b = 2\n  then\n# before a declaration\nlet x = 1\n# at the end\n",
  ],
  ["a comment line inside a let continues it", "let a = b\n# why c\n  or c\n", "let a = b\n  # why c\n  or c\n"],
  ["blank lines: several become one, none inside a declaration, none at the end", "let a = 1\n\n\n\nlet b = 1\nrule r\n\n  when a = 1\n\n  then\n\n\n", "let a = 1\n\nlet b = 1\nrule r\n  when a = 1\n  then\n"],
  ["a blank line before a comment block is kept, and a blank line right after the header", "\n\nlet a = 1\n\n\n# block\n# of two\nlet b = 2\n", "\nlet a = 1\n\n# block\n# of two\nlet b = 2\n"],
  ["a blank line inside a rule before a comment goes", "rule r\n  when a = 1\n\n  # note\n  then\n", "rule r\n  when a = 1\n  # note\n  then\n"],
  ["a line break next to and/or is kept, any other one goes", "rule r\n  when a =\n 1 or\n b = 2\n      and c = 3\n  then\n", "rule r\n  when a = 1 or\n    b = 2\n    and c = 3\n  then\n"],
  ["a let's and/or continuation is indented two spaces", "let a = b\n          and c\n", "let a = b\n  and c\n"],
  ["remove rule stays on one line", "remove   rule r1\nremove rule\n  r2\n", "remove rule r1\nremove rule r2\n"],
  ["an attribute's when stays on its line", 'attribute x = 1    when outcome = "a"\n', 'attribute x = 1 when outcome = "a"\n'],
  ["otherwise spreads its clauses", 'otherwise deny code c reason "r" cite "x"\n', 'otherwise deny\n  code c\n  reason "r"\n  cite "x"\n'],
  ["a comment line between otherwise's clauses is indented like them", 'otherwise deny code c\n# why\nreason "r" cite "x"\n', 'otherwise deny\n  code c\n  # why\n  reason "r"\n  cite "x"\n'],
  ["code after a comment starts a new line, even inside brackets", "let a = [1, # one\n 2]\nlet b = min(1,\n# two\n2)\n", "let a = [1,  # one\n  2]\nlet b = min(1,\n  # two\n  2)\n"],
  ["a first body line of spaces counts as the blank line after the header", "  \nlet a = 1\n", "\nlet a = 1\n"],
  ["Windows line ends become line feeds", "let a = 1\r\nlet b = 2\r\n", "let a = 1\nlet b = 2\n"],
  ["an empty body stays empty", "\n\n   \n", ""],
  ["a body of one comment", "   # only this", "# only this\n"],
];

describe("precept fmt, rule by rule", () => {
  const header = '---\nprogram: demo\nversion: "1"\neffective: 2000-01-01\ntitle: layout\n---\n';
  it.each(layoutRows)("%s", (_what, input, want) => {
    const r = formatPolicy(header + input);
    expect(r.errors).toEqual([]);
    expect(r.text).toBe(header + want);
    expect(r.changed).toBe(input !== want);
    expect(formatPolicy(r.text)).toEqual({ text: r.text, changed: false, errors: [] });
  });

  it("formats a policy whose only errors are not syntax errors, and refuses broken YAML or a missing header", () => {
    expect(formatPolicy(`${header}let a = nosuchfield  +1\n`).text).toBe(`${header}let a = nosuchfield + 1\n`);
    const yaml = '---\nprogram: [demo\n---\nlet a  = 1\n';
    expect(formatPolicy(yaml)).toMatchObject({ text: yaml, changed: false });
    expect(formatPolicy(yaml).errors.map((d) => d.code)).toEqual(["envelope/yaml"]);
    expect(formatPolicy("let a  = 1\n").errors.map((d) => d.code)).toEqual(["envelope/missing"]);
    expect(formatPolicy(`${header}let a = (1\n`).errors.map((d) => d.code)).toEqual(["syntax/unclosed-delimiter"]);
  });
});

/**
 * The body with its layout spoiled but its lines kept: spaces between tokens multiplied, operators and brackets
 * packed tight, indentation changed, and clause lines joined onto the line above (which the formatter must split
 * again). Comments and strings are left alone.
 */
function scramble(text: string, bodyStart: number, seed: number): string {
  let s = seed;
  const rand = (n: number): number => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s % n;
  };
  // Odd parts are texts in quotes and comments, which stay as they are.
  const parts = (line: string): string[] => line.split(/("(?:[^"\\]|\\.)*"|#.*$)/);
  const hasComment = (line: string): boolean => parts(line).some((p, i) => i % 2 === 1 && p.startsWith("#"));
  const out: string[] = [];
  for (const line of text.slice(bodyStart).split("\n")) {
    if (/^\s*#/.test(line) || line.trim() === "") {
      out.push(line);
      continue;
    }
    const code = parts(line)
      .map((p, i) =>
        i % 2 === 1
          ? p
          : p
              .replace(/ +/g, () => " ".repeat(1 + rand(3)))
              .replace(/ *(?<![!<>])= */g, () => (rand(2) ? "=" : " =  "))
              .replace(/ *, */g, () => (rand(2) ? "," : " ,  ")),
      )
      .join("")
      .trimStart();
    const prev = out[out.length - 1];
    if (/^(code|reason|cite) /.test(code) && prev !== undefined && prev.trim() !== "" && !/^\s*#/.test(prev) && !hasComment(prev)) out[out.length - 1] = `${prev} ${code}`;
    else out.push(" ".repeat(rand(4)) + code);
  }
  return text.slice(0, bodyStart) + out.join("\n");
}
