/**
 * Every operator and built-in function through real z3: at concrete requests on both sides of each boundary the
 * solver's claim (outcome, reasons, attributes) must match the fast evaluator and json-rules-engine, and free
 * witnesses that fire and that do not fire are proven the same way. A deliberately wrong encoding is caught.
 */
import { describe, expect, it } from "vitest";
import type { CompiledPolicy, OperatorName } from "../../dsl/compiled.js";
import { encodePolicy } from "../../engine/analysis/encode.js";
import { pin } from "../../engine/analysis/pin.js";
import { Session } from "../../engine/analysis/session.js";
import { Space } from "../../engine/analysis/space.js";
import { prove, WitnessFailure } from "../../engine/analysis/witness.js";
import { z3, type B } from "../../engine/analysis/z3.js";
import { policyWith } from "./helpers.js";

type Probe = [request: Record<string, unknown>, fires: boolean, date?: string];

const cases: [string, Probe[]][] = [
  ["n > limit", [[{ n: 100 }, false], [{ n: 100.01 }, true], [{}, false]]],
  ["n >= 100", [[{ n: 100 }, true], [{ n: 99.99 }, false]]],
  ["n < 100", [[{ n: 100 }, false], [{ n: 99.99 }, true], [{}, false]]],
  ["n <= 100", [[{ n: 100 }, true], [{ n: 100.01 }, false]]],
  ["n = 100", [[{ n: 100 }, true], [{ n: 100.5 }, false], [{}, false]]],
  ["n != 100", [[{ n: 100 }, false], [{ n: 7 }, true], [{}, true]]],
  ["s = \"a\"", [[{ s: "a" }, true], [{ s: "ab" }, false], [{}, false]]],
  ["s != \"a\"", [[{ s: "a" }, false], [{ s: "" }, true], [{}, true]]],
  ["n = m", [[{}, true], [{ n: 1 }, false], [{ n: 2, m: 2 }, true]]],
  ["e in [\"x\", \"y\"]", [[{ e: "x" }, true], [{ e: "z" }, false], [{}, false]]],
  ["e not in [\"x\", \"y\"]", [[{ e: "y" }, false], [{ e: "z" }, true], [{}, true]]],
  ["s in cats", [[{ s: "b" }, true], [{ s: "c" }, false], [{}, false]]],
  ["s not in cats", [[{ s: "a" }, false], [{ s: "zz" }, true], [{}, true]]],
  ["l contains \"p\"", [[{ l: ["q", "p"] }, true], [{ l: ["q"] }, false], [{}, false]]],
  ["l contains any [\"p\", \"q\"]", [[{ l: ["q"] }, true], [{ l: ["r"] }, false], [{ l: [] }, false]]],
  ["s is present", [[{ s: "" }, false], [{ s: "a" }, true], [{}, false]]],
  ["s is missing", [[{ s: "" }, true], [{ s: " " }, false]]],
  ["o.x > 1 and o.y is missing", [[{ o: { x: 2 } }, true], [{ o: { x: 2, y: "v" } }, false], [{ o: {} }, false]]],
  ["b = true", [[{ b: true }, true], [{ b: false }, false], [{}, false]]],
  ["b != true", [[{ b: true }, false], [{ b: false }, true], [{}, true]]],
  ["not (b = true) or n > 1", [[{ b: true }, false], [{ b: true, n: 2 }, true], [{}, true]]],
  ["n + m > 10", [[{ n: 5, m: 5 }, false], [{ n: 5, m: 5.01 }, true], [{ n: 20 }, false]]],
  ["n - m > 10", [[{ n: 15, m: 5 }, false], [{ n: 15.01, m: 5 }, true]]],
  ["n * 2 > 10", [[{ n: 5 }, false], [{ n: 5.01 }, true]]],
  ["n / m > 2", [[{ n: 4, m: 2 }, false], [{ n: 4.02, m: 2 }, true], [{ n: 5, m: 0 }, false]]],
  ["-n > 3", [[{ n: -3 }, false], [{ n: -3.01 }, true], [{}, false]]],
  ["min(n, m) > 5", [[{ n: 6, m: 5 }, false], [{ n: 6 }, true], [{ n: 5.01, m: 7 }, true], [{}, false]]],
  ["max(n, m) > 5", [[{ n: 5, m: 5 }, false], [{ m: 5.01 }, true]]],
  ["coalesce(n, m) > 5", [[{ m: 6 }, true], [{ n: 5, m: 6 }, false]]],
  ["coalesce(s, \"a\") = \"a\"", [[{}, true], [{ s: "" }, true], [{ s: "b" }, false]]],
  ["levels[s] > 1", [[{ s: "b" }, true], [{ s: "a" }, false], [{ s: "zz" }, false], [{}, false]]],
  ["days(d, d2) > 30", [[{ d: "2008-01-01", d2: "2008-01-31" }, false], [{ d: "2008-01-01", d2: "2008-02-01" }, true], [{ d: "2008-02-01", d2: "2008-03-02" }, false], [{ d: "2008-02-01", d2: "2008-03-03" }, true], [{ d2: "2009-01-01" }, false]]],
  ["days(date(t), d) <= 0", [[{ t: "2008-01-01T23:30:00-05:00", d: "2008-01-01" }, true], [{ t: "2008-01-01T23:30:00-05:00", d: "2008-01-02" }, false]]],
  ["hours(t, t2) <= 72", [[{ t: "2008-01-01T00:00:00Z", t2: "2008-01-04T00:00:00Z" }, true], [{ t: "2008-01-01T00:00:00Z", t2: "2008-01-04T00:00:01Z" }, false], [{ t: "2008-01-01T00:00:00Z", t2: "2008-01-04T01:00:00+01:00" }, true], [{ t: "2008-01-01T00:00:00Z" }, false]]],
  ["years(d, d2) >= 65", [[{ d: "1943-03-01", d2: "2008-02-29" }, false], [{ d: "1943-03-01", d2: "2008-03-01" }, true], [{ d: "1944-02-29", d2: "2009-02-28" }, false], [{ d: "1944-02-29", d2: "2009-03-01" }, true]]],
  ["days(d2, addDays(d, 10)) > 0", [[{ d: "2008-12-25", d2: "2009-01-04" }, false], [{ d: "2008-12-25", d2: "2009-01-03" }, true], [{ d2: "2009-01-01" }, false]]],
  ["addDays(d, 10) = d2", [[{ d: "2008-12-25", d2: "2009-01-04" }, true], [{ d: "2008-12-25", d2: "2009-01-03" }, false], [{}, true]]],
  ["days(d2, addWorkdays(d, 5, hols)) > 0", [[{ d: "2008-12-19", d2: "2008-12-29" }, false], [{ d: "2008-12-19", d2: "2008-12-28" }, true], [{ d: "2008-12-31", d2: "2009-01-08" }, false], [{ d: "2008-12-31", d2: "2009-01-07" }, true]]],
  ["days(\"2008-06-01\", d) > 0", [[{ d: "2008-06-01" }, false], [{ d: "2008-06-02" }, true]]],
  ["d = \"2008-06-01\"", [[{ d: "2008-06-01" }, true], [{ d: "2008-06-02" }, false]]],
  ["days(d, today()) > 0", [[{ d: "2008-06-01" }, false, "2008-06-01"], [{ d: "2008-06-01" }, true, "2008-06-02"]]],
  ["count(absent(n, s, l)) > 1", [[{}, true], [{ n: 1, l: [] }, false], [{ l: [] }, true], [{ n: 1, s: "x" }, false], [{ n: 1, s: "" }, true]]],
  ["round(n, 1) > 2.5", [[{ n: 2.56 }, true], [{ n: 2.54 }, false], [{ n: 2.6 }, true]]],
  ["k >= 10", [[{ k: 10 }, true], [{ k: 9 }, false]]],
];

/** Attributes that exercise values (dates, lists, strings, outcome) in every witness. */
const ATTRS = `
attribute due = addDays(d, 3)
attribute work = addWorkdays(d, 2, hols) when outcome = "deny"
attribute label = coalesce(s, e, "none")
attribute total = n + m
attribute missing = absent(n, s)
attribute day = date(t)
`;

async function setup(p: CompiledPolicy, breakOperator?: OperatorName) {
  const z = await z3();
  const space = new Space(z, p.requestSchema);
  const enc = encodePolicy(space, p, {}, breakOperator ? { breakOperator } : {});
  const session = new Session(space);
  return { z, space, enc, session };
}

type Setup = Awaited<ReturnType<typeof setup>>;

async function atProbe(p: CompiledPolicy | Setup, probe: Probe, breakOperator?: OperatorName) {
  const { z, space, enc, session } = "session" in p ? p : await setup(p, breakOperator);
  const [req, , date] = probe;
  const request = { id: "r1", ...req };
  const pins: B[] = [];
  for (const f of space.fields.values()) {
    const path = f.path.split(".");
    let v: unknown = request;
    for (const s of path) v = v && typeof v === "object" ? (v as Record<string, unknown>)[s] : undefined;
    const b = pin(z, space, f, v);
    if (!b) throw new Error(`cannot pin ${f.path}`);
    pins.push(b);
  }
  if (date) pins.push(space.today.v.eq((Date.parse(date) / 86_400_000) | 0));
  const found = await session.find(pins, false);
  if (found.status !== "sat") throw new Error(`the probe ${JSON.stringify(req)} is ${found.status} for the solver`);
  return prove(space, found.model, [enc]);
}

describe("every operator and built-in, on both sides of its boundary", () => {
  for (const [when, probes] of cases) {
    it(when, async () => {
      const p = policyWith(when, ATTRS);
      const ready = await setup(p);
      for (const probe of probes) {
        const w = await atProbe(ready, probe);
        expect(w.decisions[0]!.outcome, `${when} at ${JSON.stringify(probe[0])}`).toBe(probe[1] ? "deny" : "approve");
      }
      // Free witnesses on each side, proven by both evaluators.
      const { z, space, enc, session } = ready;
      for (const side of [enc.fired[0]!, z.Not(enc.fired[0]!)]) {
        const found = await session.find([side], false);
        expect(found.status).toBe("sat");
        if (found.status === "sat") await prove(space, found.model, [enc]);
      }
    });
  }

  it("duplicateOf is a free input: found and not found, both proven", async () => {
    const p = policyWith("duplicateOf(s, n) is present");
    const { z, space, enc, session } = await setup(p);
    for (const side of [enc.fired[0]!, z.Not(enc.fired[0]!)]) {
      const found = await session.find([side]);
      expect(found.status).toBe("sat");
      if (found.status !== "sat") continue;
      const w = await prove(space, found.model, [enc]);
      if (side === enc.fired[0]) expect(Object.keys(w.accepted)).toHaveLength(1);
    }
  });
});

describe("a deliberately wrong encoding", () => {
  for (const [op, when, probe] of [
    ["greaterThan", "n > 100", [{ n: 100 }, false]],
    ["in", "s in cats", [{ s: "a" }, true]],
    ["present", "s is present", [{ s: "" }, false]],
    ["contains", "l contains \"p\"", [{ l: ["p"] }, true]],
  ] as [OperatorName, string, Probe][]) {
    it(`of ${op} is caught by the witness check`, async () => {
      const p = policyWith(when, ATTRS);
      await expect(atProbe(p, probe)).resolves.toBeTruthy();
      const err = await atProbe(p, probe, op).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WitnessFailure);
      expect((err as WitnessFailure).message).toMatch(/the solver claims (deny|approve)/);
    });
  }
});
