/**
 * The checks, message by message: each row is a body (under an ice-tar envelope with a set table `covered`, a map
 * table `thresholds` and a parameter `costThreshold`) and every diagnostic it must give, as
 * `code line:column message [help]`, lines counted from the body's first line (an envelope line is negative).
 * Compared exactly, so a weakened check, a loosened did-you-mean or a reworded message fails here.
 */
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../dsl/index.js";
import { corpusHost } from "../../scripts/update-golden.js";

const envelope = `---
program: ice-tar
version: "9.0"
effective: 2005-01-01
title: t
requestSchema: request.schema.json
outcomes: [not-required, deny, pend, approve]
tables:
  covered: { values: [lab-basic, xray-chest-tb] }
  thresholds: { values: { lab-basic: 500 } }
parameters:
  costThreshold: { value: 2500 }
---
`;
const envelopeLines = envelope.split("\n").length - 1;

function diagnose(body: string, otherwise = '\notherwise pend code o reason "r" cite "x"'): string[] {
  const { diagnostics } = compilePolicy(`${envelope}${body}${otherwise}\n`, corpusHost);
  return diagnostics.map((d) => `${d.code} ${d.start.line - envelopeLines}:${d.start.column} ${d.message}${d.help ? ` [${d.help}]` : ""}`);
}

const rows: readonly (readonly [body: string, want: readonly string[]])[] = [
  [
    "rule r1 when -service.category = 1 then deny code c cite \"x\"",
    [
      "policy/type-mismatch 1:15 `-` needs a number, but this is a text [Compare numbers with numbers and text with text. Dates are compared with `days(from, to)`; a condition must be something that is true or false, such as a comparison.]",
    ],
  ],
  [
    "rule r1 when not service.estimatedCost then deny code c cite \"x\"",
    [
      "policy/type-mismatch 1:18 `not` needs true or false, but this is a number [Compare numbers with numbers and text with text. Dates are compared with `days(from, to)`; a condition must be something that is true or false, such as a comparison.]",
    ],
  ],
  [
    "rule r1 when service.estimatedCost * \"a\" > 1 then deny code c cite \"x\"",
    [
      "policy/type-mismatch 1:14 `*` needs numbers, but got a number and a text [Compare numbers with numbers and text with text. Dates are compared with `days(from, to)`; a condition must be something that is true or false, such as a comparison.]",
    ],
  ],
  [
    "rule r1 when submittedAt - dateOfService > 1 then deny code c cite \"x\"",
    [
      "policy/type-mismatch 1:14 `-` needs numbers, but got a date-time and a date [use `days(a, b)`, `hours(a, b)` or `addDays(date, n)` for dates]",
    ],
  ],
  [
    "rule r1 when dateOfService < \"2010-01-01\" then deny code c cite \"x\"",
    [
      "policy/type-mismatch 1:14 `<` compares numbers, but got a date and a text [compare dates with `days(from, to)` or `hours(from, to)`]",
    ],
  ],
  [
    "rule r1 when service.category in service.estimatedCost then deny code c cite \"x\"",
    [
      "policy/type-mismatch 1:14 `in` needs a list `[\u2026]` or a table on its right, but this is a number [Compare numbers with numbers and text with text. Dates are compared with `days(from, to)`; a condition must be something that is true or false, such as a comparison.]",
    ],
  ],
  [
    "rule r1 when service.category contains \"a\" then deny code c cite \"x\"",
    [
      "policy/type-mismatch 1:14 `contains` needs a request list on its left, but this is a text [Compare numbers with numbers and text with text. Dates are compared with `days(from, to)`; a condition must be something that is true or false, such as a comparison.]",
    ],
  ],
  [
    "rule r1 when service.category contains any [\"a\"] then deny code c cite \"x\"",
    [
      "policy/type-mismatch 1:14 `contains any` needs a request list on its left, but this is a text [Compare numbers with numbers and text with text. Dates are compared with `days(from, to)`; a condition must be something that is true or false, such as a comparison.]",
    ],
  ],
  [
    "rule r1 when service.category contains any \"a\" then deny code c cite \"x\"",
    [
      "policy/type-mismatch 1:14 `contains any` needs a request list on its left, but this is a text [Compare numbers with numbers and text with text. Dates are compared with `days(from, to)`; a condition must be something that is true or false, such as a comparison.]",
      "policy/type-mismatch 1:14 `contains any` needs a list `[\u2026]` or a table of values on its right [Compare numbers with numbers and text with text. Dates are compared with `days(from, to)`; a condition must be something that is true or false, such as a comparison.]",
    ],
  ],
  [
    "rule r1 when facility.type in [\"SPC\", \"CFD\"] then deny code c cite \"x\"",
    [
      "policy/unknown-value 1:39 `facility.type` is never `CFD` [did you mean `CDF`?]",
    ],
  ],
  [
    "rule r1 when facility.type != \"spc\" then deny code c cite \"x\"",
    [
      "policy/unknown-value 1:31 `facility.type` is never `spc` [did you mean `SPC`?]",
    ],
  ],
  [
    "rule r1 when \"SCP\" = facility.type then deny code c cite \"x\"",
    [
      "policy/unknown-value 1:14 `facility.type` is never `SCP` [did you mean `SPC`?]",
    ],
  ],
  [
    "rule r1 when thresholds[\"lab-basic\"] > \"a\" then deny code c cite \"x\"",
    [
      "policy/type-mismatch 1:14 `>` compares numbers, but got a number and a text [Compare numbers with numbers and text with text. Dates are compared with `days(from, to)`; a condition must be something that is true or false, such as a comparison.]",
    ],
  ],
  [
    "rule r1 when thresholdz[service.category] > 1 then deny code c cite \"x\"",
    [
      "policy/unknown-table 1:14 unknown table `thresholdz` [did you mean `thresholds`?]",
    ],
  ],
  [
    "rule r1 when covered[service.category] > 1 then deny code c cite \"x\"",
    [
      "policy/type-mismatch 1:14 table `covered` is a list of values: test membership with `in` instead of looking up a key [Compare numbers with numbers and text with text. Dates are compared with `days(from, to)`; a condition must be something that is true or false, such as a comparison.]",
    ],
  ],
  [
    "rule r1 when min() > 1 then deny code c cite \"x\"",
    [
      "policy/wrong-arguments 1:14 `min` takes at least 1 argument, not 0 [min: the least of the given arguments (missing ones are skipped)]",
    ],
  ],
  [
    "rule r1 when round(1) > 1 then deny code c cite \"x\"",
    [
      "policy/wrong-arguments 1:14 `round` takes 2 arguments, not 1 [round: a number rounded to the given decimals]",
    ],
  ],
  [
    "rule r1 when addWorkdays(dateOfService) = \"x\" then deny code c cite \"x\"",
    [
      "policy/wrong-arguments 1:14 `addWorkdays` takes 2 or 3 arguments, not 1 [addWorkdays: the date n working days (Monday to Friday) after a date; the optional third argument names a calendar of holidays (\"us-federal\") or lists holiday dates]",
    ],
  ],
  [
    "rule r1 when today(1) = \"x\" then deny code c cite \"x\"",
    [
      "policy/wrong-arguments 1:14 `today` takes 0 arguments, not 1 [today: the decision date]",
    ],
  ],
  [
    "rule r1 when count(absent(service.code, \"x\")) > 0 then deny code c cite \"x\"",
    [
      "policy/wrong-arguments 1:41 `absent` takes request field names [name the request fields themselves, e.g. `absent(service.code, diagnosis.code)`]",
    ],
  ],
  [
    "rule r1 when count(absent(service.code, nope)) > 0 then deny code c cite \"x\"",
    [
      "policy/unknown-fact 1:41 unknown name `nope` [a name is a request field, a `let` fact, a parameter or a table]",
    ],
  ],
  [
    "rule r1 when days(\"a\", 5) > 0 then deny code c cite \"x\"",
    [
      "policy/type-mismatch 1:24 argument 2 of `days` must be a date, but this is a number [days: whole days from the first date to the second]",
    ],
  ],
  [
    "rule r1 when dayz(dateOfService, submittedAt) > 0 then deny code c cite \"x\"",
    [
      "policy/unknown-function 1:14 unknown function `dayz` [did you mean `days`?]",
    ],
  ],
  [
    "rule r1 when frobnicate(1) > 0 then deny code c cite \"x\"",
    [
      "policy/unknown-function 1:14 unknown function `frobnicate` [Use one of the built-in functions listed in the language guide (for example `days`, `years`, `addDays`, `min`, `count`), spelt as there.]",
    ],
  ],
  [
    "rule r1 when service.categry = \"x\" then deny code c cite \"x\"",
    [
      "policy/unknown-fact 1:14 unknown fact `service.categry`: the request schema has no such field [did you mean `service.category`?]",
    ],
  ],
  [
    "rule r1 when costThreshhold > 1 then deny code c cite \"x\"",
    [
      "policy/unknown-fact 1:14 unknown name `costThreshhold` [did you mean `costThreshold`?]",
    ],
  ],
  [
    "rule r1 when qqqqqqqqqq > 1 then deny code c cite \"x\"",
    [
      "policy/unknown-fact 1:14 unknown name `qqqqqqqqqq` [a name is a request field, a `let` fact, a parameter or a table]",
    ],
  ],
  [
    "rule r1 when emergency is present and 5 then deny code c cite \"x\"",
    [
      "policy/type-mismatch 1:14 `and` joins conditions, but the right side is a number [each side of `and` must be a condition that is true or false, such as a comparison (`x > 500`); a number or a text alone is not a condition]",
    ],
  ],
  [
    "rule r1 when 5 or emergency = true then deny code c cite \"x\"",
    [
      "policy/type-mismatch 1:14 `or` joins conditions, but the left side is a number [each side of `or` must be a condition that is true or false, such as a comparison (`x > 500`); a number or a text alone is not a condition]",
    ],
  ],
  [
    "rule r1 when coalesce(service.estimatedCost, 0) = \"a\" then deny code c cite \"x\"",
    [
      "policy/type-mismatch 1:14 cannot compare a number with a text [Compare numbers with numbers and text with text. Dates are compared with `days(from, to)`; a condition must be something that is true or false, such as a comparison.]",
    ],
  ],
  [
    "rule r1 when emergency = true then dney code c cite \"x\"",
    [
      "policy/unknown-outcome 1:36 unknown outcome `dney` [did you mean `deny`?]",
    ],
  ],
  [
    "rule r1 when emergency = true then deny cite \"x\"",
    [
      "policy/missing-code 1:6 rule `r1` has no reason code [add `code <reason-code>`]",
    ],
  ],
  [
    "rule r1 when emergency = true then deny code c",
    [
      "policy/missing-citation 1:6 rule `r1` has no citation [add `cite \"<seed file>, <section>\"`]",
    ],
  ],
  [
    "rule r1 when emergency = true then",
    [
      "policy/empty-rule 1:6 rule `r1` has neither an outcome nor `set` [write the outcome after `then`, e.g. `then deny`]",
    ],
  ],
  [
    "let a = b + 1\\nlet b = 2",
    [
      "policy/let-order 1:9 `b` is used before it is declared [move this `let` below the one it uses]",
    ],
  ],
  [
    "let a = a + 1",
    [
      "policy/let-order 1:9 `a` is used before it is declared [move this `let` below the one it uses]",
    ],
  ],
  [
    "let covered = 1",
    [
      "policy/duplicate-id 1:5 `covered` is already a table [Give each rule, `let` fact and attribute its own name; rename one of the two.]",
    ],
  ],
  [
    "let costThreshold = 1",
    [
      "policy/duplicate-id 1:5 `costThreshold` is already a parameter [Give each rule, `let` fact and attribute its own name; rename one of the two.]",
    ],
  ],
  [
    "let emergency = true",
    [
      "policy/duplicate-id 1:5 `emergency` is already a request field [Give each rule, `let` fact and attribute its own name; rename one of the two.]",
    ],
  ],
  [
    "let a = 1\\nlet a = 2",
    [
      "policy/duplicate-id 2:5 `a` is declared twice [give each rule, fact and attribute its own name]",
    ],
  ],
  [
    "attribute p = 1\\nattribute p = 2",
    [
      "policy/duplicate-id 2:11 `p` is declared twice [give each rule, fact and attribute its own name]",
    ],
  ],
  [
    "attribute p = outcome when outcome = \"dney\"",
    [
      "policy/unknown-value 1:38 `outcome` is never `dney` [did you mean `deny`?]",
    ],
  ],
  [
    "rule r1 when outcome = \"deny\" then deny code c cite \"x\"",
    [
      "policy/unknown-fact 1:14 `outcome` is not known yet here [`outcome` can be used only in an `attribute`, which is computed after the outcome is decided]",
    ],
  ],
  [
    "rule r1 when emergency = true then deny code c cite \"x\" set x = 1 + \"a\"",
    [
      "policy/type-mismatch 1:65 `+` needs numbers, but got a number and a text [Compare numbers with numbers and text with text. Dates are compared with `days(from, to)`; a condition must be something that is true or false, such as a comparison.]",
    ],
  ],
  [
    "let big = service.estimatedCost > 1\\nrule r1 when big + 1 > 2 then deny code c cite \"x\"",
    [
      "policy/type-mismatch 2:14 `+` needs numbers, but got true or false and a number [Compare numbers with numbers and text with text. Dates are compared with `days(from, to)`; a condition must be something that is true or false, such as a comparison.]",
    ],
  ],
  [
    "rule r1 when submittedAt * 2 > 1 then deny code c cite \"x\"",
    [
      "policy/type-mismatch 1:14 `*` needs numbers, but got a date-time and a number [use `days(a, b)`, `hours(a, b)` or `addDays(date, n)` for dates]",
    ],
  ],
  [
    "rule r1 when covered + 1 > 0 then deny code c cite \"x\"",
    [
      "policy/type-mismatch 1:14 `+` needs numbers, but got a table of values and a number [Compare numbers with numbers and text with text. Dates are compared with `days(from, to)`; a condition must be something that is true or false, such as a comparison.]",
    ],
  ],
  [
    "rule r1 when thresholds + [1] > 0 then deny code c cite \"x\"",
    [
      "policy/type-mismatch 1:14 `+` needs numbers, but got a table of keyed values and a list [Compare numbers with numbers and text with text. Dates are compared with `days(from, to)`; a condition must be something that is true or false, such as a comparison.]",
    ],
  ],
  [
    "rule r1 when costThreshold[service.category] > 1 then deny code c cite \"x\"",
    [
      "policy/unknown-table 1:14 unknown table `costThreshold` [Declare the table under `tables:` in the header, or correct the spelling of its name.]",
    ],
  ],
  [
    "rule r1 when date() = \"x\" then deny code c cite \"x\"",
    [
      "policy/wrong-arguments 1:14 `date` takes 1 argument, not 0 [date: the date part of a date or date-time]",
    ],
  ],
  [
    "rule r1 when count(absent(costThreshold)) > 0 then deny code c cite \"x\"",
    [
      "policy/wrong-arguments 1:27 `absent` takes request field names [name the request fields themselves, e.g. `absent(service.code, diagnosis.code)`]",
    ],
  ],
  [
    "rule r1 when min(1, \"a\") > 0 then deny code c cite \"x\"",
    [
      "policy/type-mismatch 1:21 argument 2 of `min` must be a number, but this is a text [min: the least of the given arguments (missing ones are skipped)]",
    ],
  ],
  [
    "rule r1 when service.category in nope then deny code c cite \"x\"",
    [
      "policy/unknown-fact 1:34 unknown name `nope` [a name is a request field, a `let` fact, a parameter or a table]",
    ],
  ],
  [
    "rule r1 when urgency = 1 then deny code c cite \"x\"",
    [
      "policy/type-mismatch 1:14 cannot compare a text with a number [Compare numbers with numbers and text with text. Dates are compared with `days(from, to)`; a condition must be something that is true or false, such as a comparison.]",
    ],
  ],
  [
    "rule r1 when coalesce(urgency, \"x\") = \"bogus\" then deny code c cite \"x\"",
    [
    ],
  ],
];

/** Whole bodies, `otherwise` included. */
const bodies: readonly (readonly [body: string, want: readonly string[]])[] = [
  ["otherwise pend code o", ["policy/missing-citation 1:11 `otherwise` has no citation [add `cite \"<seed file>, <section>\"`]"]],
  ['otherwise pend cite "x"', ["policy/missing-code 1:11 `otherwise` has no reason code [add `code <reason-code>`]"]],
  ['otherwise zzzzzzzz code o cite "x"', ["policy/unknown-outcome 1:11 unknown outcome `zzzzzzzz` [the outcomes are `not-required`, `deny`, `pend`, `approve`]"]],
  [
    'otherwise pend code o cite "x"\notherwise deny code p cite "y"',
    ["policy/duplicate-otherwise 2:1 the policy has more than one `otherwise` clause [Keep one `otherwise` clause: it is the single answer for requests no rule decides.]"],
  ],
  [
    'rule r1 when emergency = true then deny code c cite "x"',
    ['policy/missing-otherwise -6:1 the policy has no `otherwise` clause [add `otherwise <outcome> code … reason "…" cite "…"` for requests no rule decides]'],
  ],
  ['rule r1 when emergency = true then deny code c cite "x"\nrule r1 when emergency = false then pend code d cite "y"\notherwise pend code o cite "x"', [
    "policy/duplicate-id 2:6 `r1` is declared twice [give each rule, fact and attribute its own name]",
  ]],
  ['rule r1 when emergency = true then set a = 1\notherwise pend code o cite "x"', []],
  ['let r1 = 1\nattribute r1 = 2\nrule r1 when emergency = true then set a = 1\notherwise pend code o cite "x"', []],
];

describe("the checks", () => {
  it.each(rows)("%s", (body, want) => expect(diagnose(body.replace(/\\n/g, "\n"))).toEqual(want));
  it.each(bodies)("%s", (body, want) => expect(diagnose(body.replace(/\\n/g, "\n"), "")).toEqual(want));
});
