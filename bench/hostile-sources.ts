/**
 * Hostile policy sources of issue 11 (failures 1, 6 and 11), shared by the compile bench and the server tests:
 * each is small to send and was once slow or fatal to compile or evaluate.
 */

/** An envelope the shipped ice-tar request schema accepts; `extra` adds YAML lines before the closing fence. */
export function envelope(version = "99.1", extra = ""): string {
  return [
    "---",
    "program: ice-tar",
    `version: "${version}"`,
    "effective: 2030-01-01",
    "title: Hostile input",
    "requestSchema: request.schema.json",
    "outcomes: [deny, approve]",
    ...(extra ? [extra] : []),
    "---",
    "",
  ].join("\n");
}

const OTHERWISE = 'otherwise approve code ok reason "fine" cite "000_143979f455261efb.txt, Background"\n';
const rule = (id: string, when: string): string => `rule ${id}\n  when ${when}\n  then deny\n  code c\n  cite "000_143979f455261efb.txt, Background"\n`;

/** `let a1 = a0 and a0`, `let a2 = a1 and a1`, …: each let's expansion doubles (issue 11, failure 1). */
export function doubling(lines: number, version?: string): string {
  const out = [envelope(version), "let a0 = emergency"];
  for (let i = 1; i < lines; i++) out.push(`let a${i} = a${i - 1} and a${i - 1}`);
  return `${out.join("\n")}\n${rule("r", `a${lines - 1}`)}${OTHERWISE}`;
}

export function nestedParens(depth: number): string {
  return envelope() + rule("r", `${"(".repeat(depth)}emergency${")".repeat(depth)}`) + OTHERWISE;
}

export function longOr(n: number): string {
  return envelope() + rule("r", Array.from({ length: n }, () => "emergency").join(" or ")) + OTHERWISE;
}

export function longSum(n: number): string {
  return envelope() + rule("r", `${Array.from({ length: n }, () => "1").join(" + ")} > 0`) + OTHERWISE;
}

export function manyNots(n: number): string {
  return envelope() + rule("r", `${"not ".repeat(n)}emergency`) + OTHERWISE;
}

export function letChain(n: number): string {
  const out = [envelope(), "let b0 = emergency"];
  for (let i = 1; i < n; i++) out.push(`let b${i} = b${i - 1} or emergency`);
  return `${out.join("\n")}\n${rule("r", `b${n - 1}`)}${OTHERWISE}`;
}

/** `n` rules of one comparison each, or (`wide`) of three conditions each. */
export function manyRules(n: number, version?: string, wide = false): string {
  const out = [envelope(version)];
  for (let i = 0; i < n; i++) out.push(rule(`r${i}`, wide ? `service.estimatedCost > ${i} and urgency = "urgent" and not emergency` : `service.estimatedCost > ${i}`));
  return out.join("") + OTHERWISE;
}

/** A YAML envelope with `n` aliases of one anchor. */
export function yamlAliases(n: number): string {
  const lines = ["x-anchor: &a [1, 2, 3]", "x-aliases:", ...Array.from({ length: n }, () => "  - *a")];
  return envelope("99.1", lines.join("\n")) + rule("r", "emergency") + OTHERWISE;
}

/** The billion laughs: nine levels of ten aliases each. */
export function billionLaughs(): string {
  const lines = ['l0: &l0 "lol"'];
  for (let i = 1; i <= 9; i++) lines.push(`l${i}: &l${i} [${Array.from({ length: 10 }, () => `*l${i - 1}`).join(", ")}]`);
  return envelope("99.1", lines.join("\n")) + rule("r", "emergency") + OTHERWISE;
}

/** A literal list of `n` items in one expression. */
export function longList(n: number): string {
  return envelope() + rule("r", `service.estimatedCost in [${Array.from({ length: n }, (_, i) => i).join(", ")}]`) + OTHERWISE;
}

/** `n` rules of the smallest kind, so the count and not the bytes is what is large. */
export function tinyRules(n: number): string {
  return envelope() + Array.from({ length: n }, (_, i) => `rule t${i} then deny code c\n`).join("") + OTHERWISE;
}

/** Past the source size limit: a long comment. */
export function hugeSource(bytes: number): string {
  const head = envelope() + rule("r", "emergency") + OTHERWISE;
  return head + "# " + "x".repeat(Math.max(0, bytes - head.length - 3)) + "\n";
}

/** Compiles but throws on every evaluation: a date ten to the fifteenth days away is no date. */
export function unevaluable(version = "99.2"): string {
  return envelope(version) + rule("r", "emergency") + "attribute due = addDays(today(), 1000000000000000)\n" + OTHERWISE;
}

/** `let b0 = b1 or …`, `let b1 = b2 or …`: every let used above its declaration. */
export function reversedLets(n: number): string {
  const out = [envelope()];
  for (let i = 0; i < n - 1; i++) out.push(`let b${i} = b${i + 1} or emergency`);
  out.push(`let b${n - 1} = emergency`);
  return `${out.join("\n")}\n${rule("r", "b0")}${OTHERWISE}`;
}

/** A YAML flow sequence nested `depth` deep in the envelope. */
export function yamlNested(depth: number): string {
  return envelope("99.1", `x-deep: ${"[".repeat(depth)}${"]".repeat(depth)}`) + rule("r", "emergency") + OTHERWISE;
}
