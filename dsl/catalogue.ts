/**
 * Every diagnostic Precept can report, with its severity, a one-line summary and help for the person who writes the
 * policy (a nurse coordinator or a program officer, not a programmer): what to write instead, in plain words.
 * `Diagnostic.code` is typed from this table, `docs/diagnostics.md` is generated from it
 * (`npm run docs:diagnostics`), and test/dsl/catalogue.test.ts fails on a code that is used nowhere or documented
 * nowhere. A diagnostic site may give more specific help (a "did you mean"); otherwise the catalogue's help is shown.
 */
export interface CatalogueEntry {
  /** `info`: a finding that is not a problem (the solver's overlaps and gaps), shown as a note. */
  readonly severity: "error" | "warning" | "info";
  /** What went wrong, one line. */
  readonly summary: string;
  /** What to write instead, for a policy author. */
  readonly help: string;
  /** A small example of the mistake, for the docs page. */
  readonly example?: string;
}

export const catalogue = {
  "envelope/missing": {
    severity: "error",
    summary: "The file does not start with the policy's header (the envelope).",
    help: "Start the file with a line of three dashes `---`, then the program, version, effective date and title, one per line, then another `---` line, then the rules.",
  },
  "envelope/yaml": {
    severity: "error",
    summary: "The header between the `---` lines cannot be read.",
    help: "Each header line is `name: value`. Indent the lines that belong to a parameter or table by two spaces, close every `[` with `]` and every `{` with `}`, and put quotes around text that contains `:` or `#`.",
    example: "outcomes: [deny, approve",
  },
  "envelope/schema": {
    severity: "error",
    summary: "A header entry is missing, misspelt, or has the wrong kind of value.",
    help: "The header needs `program`, `version`, `effective` and `title`. Dates are written 2010-01-01, versions in quotes (\"2005.1\"), and each parameter or table is a name with its `value:` or `values:` on the lines below it.",
    example: "version: 2005.1",
  },
  "envelope/number-as-text": {
    severity: "error",
    summary: "A parameter's value is written as text with a currency sign, thousands separator or percent sign, so rules cannot compare it with amounts.",
    help: "Write the number alone, without `$`, commas or `%`: `value: 5000` rather than `value: $5,000`, and `value: 0.15` rather than `value: 15%`.",
    example: "value: $5,000",
  },
  "envelope/unknown-anchor": {
    severity: "error",
    summary: "The header repeats a value by its anchor (`*name`), but no value above it is marked with that anchor (`&name`).",
    help: "Mark the value once with `&name` on a line above the one that repeats it with `*name` (check the spelling of both), or write the value out in full.",
    example: "x-ages: *ages",
  },
  "envelope/no-schema": {
    severity: "error",
    summary: "The header does not say which request form the rules read.",
    help: "Add the line `requestSchema: request.schema.json` to the header (the file that lists the fields a request carries).",
  },
  "envelope/unknown-schema": {
    severity: "error",
    summary: "The request form named by `requestSchema` is not in the program's folder.",
    help: "Check the spelling of the file name after `requestSchema:`; it is usually `request.schema.json`, in the same folder as the policy.",
  },
  "envelope/unknown-parent": {
    severity: "error",
    summary: "The version named by `extends` does not exist for this program.",
    help: "Write, after `extends:`, the version id of an existing version of the same program, in quotes (for example `extends: \"2005.1\"`), or remove the line to write a complete policy.",
  },
  "envelope/broken-parent": {
    severity: "error",
    summary: "The version this one extends has errors of its own.",
    help: "Open the version named by `extends` and fix its errors first; this version builds on it.",
  },
  "envelope/extends-cycle": {
    severity: "error",
    summary: "Versions extend each other in a circle.",
    help: "A version can only extend an earlier one. Change `extends:` so that the chain of versions ends at one that extends nothing.",
  },
  "syntax/unexpected-character": {
    severity: "error",
    summary: "A character the rules language does not use, or a quoted text that is not closed.",
    help: "Names use letters, digits, `_`, `-` and `.`; text goes between double quotes on one line; comments start with `#`. Remove the character or put the text in quotes.",
    example: 'reason "Needs review',
  },
  "syntax/unexpected-token": {
    severity: "error",
    summary: "A word or symbol in a place where the language expects something else.",
    help: "A rule reads `rule NAME`, optionally `when CONDITION`, then `then OUTCOME`, then its `code`, `reason` and `cite` lines. Compare the line with that shape: a word may be missing or in the wrong place.",
    example: "rule r1 when emergency = then approve",
  },
  "syntax/unclosed-delimiter": {
    severity: "error",
    summary: "A `(` or `[` is opened and never closed.",
    help: "Add the closing `)` or `]` where the group or list ends, before the next keyword such as `then`.",
    example: "when (emergency = true\nthen approve",
  },
  "syntax/unknown-presence": {
    severity: "error",
    summary: "`is` is followed by a word other than `present` or `missing`.",
    help: "Write `is present` (the request gives the field) or `is missing` (it does not); `is not present` and `is not missing` also work.",
    example: "when referral is given",
  },
  "policy/unknown-fact": {
    severity: "error",
    summary: "A name that is not a request field, a `let` fact, a parameter or a table.",
    help: "Check the spelling against the request form (the program's request schema) and the names declared in the policy; the editor lists them as you type.",
    example: "when service.categry = \"lab-basic\"",
  },
  "policy/unknown-table": {
    severity: "error",
    summary: "A table looked up with `NAME[key]` is not declared in the header.",
    help: "Declare the table under `tables:` in the header, or correct the spelling of its name.",
  },
  "policy/unknown-function": {
    severity: "error",
    summary: "A function the language does not have.",
    help: "Use one of the built-in functions listed in the language guide (for example `days`, `years`, `addDays`, `min`, `count`), spelt as there.",
  },
  "policy/unknown-outcome": {
    severity: "error",
    summary: "An outcome after `then` or `otherwise` that the header's `outcomes` does not list.",
    help: "Use one of the outcomes listed after `outcomes:` in the header, or add the new outcome to that list (strongest first).",
  },
  "policy/unknown-value": {
    severity: "error",
    summary: "A field is compared with a value it can never take.",
    help: "Use one of the values the request form allows for this field, spelt exactly (capitals count).",
    example: 'when facility.type = "SCP"',
  },
  "policy/unknown-rule": {
    severity: "error",
    summary: "`remove rule` names a rule the extended version does not have.",
    help: "Write the name of a rule in the version named by `extends`, spelt exactly, or delete the `remove rule` line.",
  },
  "policy/wrong-arguments": {
    severity: "error",
    summary: "A function is given too many or too few values, or the wrong kind.",
    help: "Give the function the values the language guide lists for it, separated by commas, inside its parentheses.",
    example: "days(service.requestedDate)",
  },
  "policy/type-mismatch": {
    severity: "error",
    summary: "Two things that cannot go together: text compared with a number, a date used in a sum, a condition that is not true or false.",
    help: "Compare numbers with numbers and text with text. Dates are compared with `days(from, to)`; a condition must be something that is true or false, such as a comparison.",
    example: 'when service.estimatedCost > "500"',
  },
  "policy/duplicate-id": {
    severity: "error",
    summary: "Two rules, facts or attributes have the same name, or a fact takes the name of a parameter, table or request field.",
    help: "Give each rule, `let` fact and attribute its own name; rename one of the two.",
  },
  "policy/let-order": {
    severity: "error",
    summary: "A `let` fact uses another fact that is declared below it.",
    help: "Move the `let` line below the facts it uses: facts are read from the top down.",
  },
  "policy/no-outcomes": {
    severity: "error",
    summary: "The header lists no outcomes.",
    help: "Add `outcomes: [deny, pend, approve]` (your program's outcomes, strongest first) to the header.",
  },
  "policy/missing-otherwise": {
    severity: "error",
    summary: "The policy does not say what happens when no rule decides.",
    help: "Add an `otherwise` line at the end, for example `otherwise pend code review reason \"Reviewed by staff\" cite \"manual, section\"`.",
  },
  "policy/duplicate-otherwise": {
    severity: "error",
    summary: "The policy has two `otherwise` clauses.",
    help: "Keep one `otherwise` clause: it is the single answer for requests no rule decides.",
  },
  "policy/empty-rule": {
    severity: "error",
    summary: "A rule that neither gives an outcome nor sets anything.",
    help: "Write the outcome after `then` (for example `then deny`), or add `set NAME = VALUE` to record something.",
  },
  "policy/missing-code": {
    severity: "error",
    summary: "A rule or the `otherwise` clause has no reason code.",
    help: "Add `code SHORT-NAME` below the rule (for example `code over-threshold`): the decision reports it, and letters and appeals quote it.",
  },
  "policy/missing-citation": {
    severity: "warning",
    summary: "A rule or the `otherwise` clause does not say where it comes from.",
    help: "Add `cite \"DOCUMENT, SECTION\"` naming the manual or regulation section the rule puts into practice, so a reviewer can check it.",
  },
  "policy/remove-without-extends": {
    severity: "error",
    summary: "`remove rule` in a version that extends no other.",
    help: "Only a version that revises another (with `extends:` in its header) can remove an inherited rule; delete the line or add `extends`.",
  },
  "policy/unreachable-rule": {
    severity: "warning",
    summary: "A rule whose condition can never be true, so it never fires.",
    help: "Check the condition: it may ask one field for two different values joined by `and`, or for an impossible range. Use `or` if either value should do.",
    example: 'when facility.type = "SPC" and facility.type = "CDF"',
  },
  "server/program-mismatch": {
    severity: "error",
    summary: "The policy's header names a different program from the one it is published under.",
    help: "Change `program:` in the header to the program you are publishing to, or publish it under the program it names.",
  },
  "limit/source-size": {
    severity: "error",
    summary: "The policy file is larger than a policy may be (2 MiB).",
    help: "Split the policy: move long lists into tables, or write a new version that extends this one instead of copying it.",
  },
  "limit/nesting-depth": {
    severity: "error",
    summary: "Brackets `(` or `[` are opened inside each other more than 64 times.",
    help: "Write the condition as several `let` facts, each naming one part, instead of nesting brackets so deeply.",
  },
  "limit/expression-depth": {
    severity: "error",
    summary: "One condition or fact nests more than 100 levels deep.",
    help: "Split it into `let` facts, or use `in [ … ]` with a table instead of a long chain of `or`.",
  },
  "limit/expression-size": {
    severity: "error",
    summary: "One condition or fact has more than 10,000 parts.",
    help: "Split it into `let` facts, or move long lists of values into a table.",
  },
  "limit/rules": {
    severity: "error",
    summary: "The policy, with the versions it extends, has more than 10,000 rules.",
    help: "Group rules that differ only in a value into one rule over a table, or remove rules the policy no longer needs.",
  },
  "limit/lets": {
    severity: "error",
    summary: "The policy, with the versions it extends, has more than 10,000 `let` facts.",
    help: "Combine facts that say the same thing, or move repeated values into tables.",
  },
  "limit/let-depth": {
    severity: "error",
    summary: "More than 1,000 `let` facts are built one on another.",
    help: "Build facts from the request's fields and a few facts each, not as one long chain.",
  },
  "limit/policy-size": {
    severity: "error",
    summary: "The policy, with the versions it extends, is larger than a policy may be (a million parts).",
    help: "Move long lists of values into tables and group similar rules over a table.",
  },
  "limit/yaml-aliases": {
    severity: "error",
    summary: "The header repeats anchors (`*name`) so often that it cannot be read safely.",
    help: "Write the values out in full instead of repeating an anchor (`*name`).",
  },
  "limit/yaml-depth": {
    severity: "error",
    summary: "The header nests lists or maps too deeply to be read.",
    help: "Write the header's values flat: a parameter's `value:` is a number, text, date or a short list.",
  },
  "limit/compile-time": {
    severity: "error",
    summary: "Checking this policy took longer than the server allows.",
    help: "Make the policy smaller (tables instead of many similar rules, `let` facts instead of long conditions) and try again.",
  },
  "limit/compile-memory": {
    severity: "error",
    summary: "Checking this policy needed more memory than the server allows.",
    help: "Make the policy smaller (tables instead of many similar rules, `let` facts instead of long conditions) and try again.",
  },
  "limit/compile-stack": {
    severity: "error",
    summary: "The policy is nested too deeply to be checked.",
    help: "Split deeply nested conditions into `let` facts.",
  },
  "limit/diagnostics": {
    severity: "warning",
    summary: "More problems were found than are shown.",
    help: "Fix the problems shown first; the rest are often caused by the same mistakes.",
  },
  "policy/unevaluable": {
    severity: "error",
    summary: "The policy compiles, but evaluating a request under it fails, so it cannot be published.",
    help: "Report this as a fault in Precept, with the policy; simplify the rule named in the message meanwhile.",
  },
  "server/invalid-version-id": {
    severity: "error",
    summary: "The version id is not one the server can store.",
    help: "Write the version id as 1 to 200 letters, digits, dots, `_`, `+` or `-`, in quotes (for example `version: \"2010.2\"`).",
  },
  "editor/internal": {
    severity: "error",
    summary: "The editor's checker failed on this text (a fault in Precept, not in the policy).",
    help: "Your text is kept. Save a copy and report the problem; the server's check still applies when you publish.",
  },
  // The solver's findings on one version (engine/analysis/analyze.ts), reported beside the compile diagnostics.
  "analysis-never-fires": {
    severity: "warning",
    summary: "No request that fits the request schema meets this rule's conditions, so the rule can never fire.",
    help: "Look for conditions that contradict each other or the request schema (a value the field cannot take, a range that is empty); correct them, or remove the rule.",
  },
  "analysis-shadowed": {
    severity: "warning",
    summary: "The rule can fire, but whenever it does a rule with a stronger outcome fires too, so it never decides the outcome.",
    help: "If the rule should decide these requests, narrow the stronger rule named in the message or change the order of `outcomes`; if it is only there for its reason, this is expected.",
  },
  "analysis-always-true": {
    severity: "warning",
    summary: "This condition holds for every request that fits the request schema (given the parameters), so it decides nothing.",
    help: "Check the value it compares with: a parameter or table that makes it always true may be meant (a switch), otherwise remove the condition or correct it.",
  },
  "analysis-always-false": {
    severity: "warning",
    summary: "This condition fails for every request that fits the request schema (given the parameters), so its rule cannot fire through it.",
    help: "Check the value it compares with and the field's allowed values in the request schema; correct the condition or remove it.",
  },
  "analysis-overlap": {
    severity: "info",
    summary: "Two rules with different outcomes fire on the same request; the order of `outcomes` decides which one wins.",
    help: "Open the example in try-it to see both rules fire. If the outcome that wins is the one you mean, nothing needs to change.",
  },
  "analysis-gap": {
    severity: "info",
    summary: "Some requests are decided by no rule, so the `otherwise` outcome applies to them.",
    help: "Open the example in try-it. If `otherwise` is the right answer for such requests, nothing needs to change; otherwise add a rule for them.",
  },
  "analysis-unknown": {
    severity: "info",
    summary: "The solver could not answer one question about this rule in time, so nothing is claimed about it.",
    help: "Nothing is wrong with the policy because of this. Try the analysis again when the server is less busy, or check the rule with test cases.",
  },
} as const satisfies Record<string, CatalogueEntry>;

export type DiagnosticCode = keyof typeof catalogue;

/** Codes of one severity, so that `sink.error("policy/missing-citation", …)` does not type-check. */
export type CodeOf<S extends CatalogueEntry["severity"]> = {
  [K in DiagnosticCode]: (typeof catalogue)[K]["severity"] extends S ? K : never;
}[DiagnosticCode];

export const diagnosticCodes = Object.keys(catalogue) as DiagnosticCode[];

/** The docs page, generated: `npm run docs:diagnostics` writes it to docs/diagnostics.md. */
export function diagnosticsMarkdown(): string {
  const out = [
    "# Diagnostics",
    "",
    "<!-- Generated from dsl/catalogue.ts by `npm run docs:diagnostics`; edit the catalogue, not this page. -->",
    "",
    "Every message `precept check`, the editor and the server can show about a policy file, with what to write",
    "instead. Errors stop a policy from being published; warnings do not; notes (info) are information only.",
    "",
    "| code | severity | what it means |",
    "|---|---|---|",
    ...diagnosticCodes.map((c) => `| [\`${c}\`](#${anchor(c)}) | ${catalogue[c].severity} | ${catalogue[c].summary} |`),
    "",
  ];
  for (const c of diagnosticCodes) {
    const e: CatalogueEntry = catalogue[c];
    out.push(`## ${c}`, "", `**${e.severity}**. ${e.summary}`, "", `What to do: ${e.help}`, "");
    if (e.example) out.push("For example:", "", "```", e.example, "```", "");
  }
  return out.join("\n");
}

function anchor(code: string): string {
  return code.replace(/[^a-z0-9-]/g, "");
}
