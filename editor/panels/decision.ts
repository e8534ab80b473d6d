/**
 * A decision rendered for people: the outcome, the reasons (each a link to its rule's line), the attributes, and
 * the rule-by-rule explanation with the values each condition saw. The one renderer of every panel (try-it, tests,
 * decisions, a changed request's before and after), so a condition reads the same everywhere: a `not` condition
 * says `not x` and holds when x is false; a value never given reads "missing".
 */
import type { CompiledPolicy } from "../../dsl/index.js";
import type { Decision } from "../../engine/index.js";
import type { ConditionTrace } from "../../engine/types.js";
import type { App } from "../app.js";
import { h } from "../dom.js";

/** Where a rule (or `otherwise`) is written: a line of the draft, or of the version it is inherited from. */
export function ruleLocation(policy: CompiledPolicy, rule: string): { line: number; from?: string } | undefined {
  if (rule === "otherwise") return { line: policy.otherwise.line, ...(policy.otherwise.from ? { from: policy.otherwise.from } : {}) };
  const r = policy.rules.find((x) => x.name === rule);
  return r ? { line: r.event.params.line, ...(r.event.params.from ? { from: r.event.params.from } : {}) } : undefined;
}

/** A button that moves the editor to a rule's line (or opens the version it is inherited from). */
export function ruleLink(app: App, policy: CompiledPolicy, rule: string, label: string = rule, context?: string): HTMLElement {
  const at = ruleLocation(policy, rule);
  if (!at) return h("code", {}, label);
  const where = at.from ? `line ${at.line} of ${at.from}` : `line ${at.line}`;
  return h("button", {
    type: "button",
    class: "linklike rule-link",
    "data-rule": rule,
    "data-line": at.line,
    title: `Go to ${where}`,
    // Several decisions (and a rule as reason and in the explanation) can be on screen: each link says which.
    ...(context ? { "aria-label": `${label}, ${context}: go to ${where}` } : {}),
    onclick: () => {
      if (!at.from) app.ws.revealLine(at.line);
      else if (app.route) app.navigate({ program: app.route.program, version: at.from, fresh: false }, at.line);
    },
  }, h("code", {}, label), h("span", { class: "muted" }, ` (${where})`));
}

const show = (v: unknown): string => (v === undefined || v === null ? "missing" : JSON.stringify(v));

/** Whether the rule's condition holds: the engine reports a negated condition's inner result. */
export const conditionHolds = (c: ConditionTrace): boolean => (c.negated ? !c.result : c.result);

/** A condition in words: `not onsiteApproved`, held or not, and the values it saw. */
export function conditionText(c: ConditionTrace): { text: string; holds: boolean; values: string } {
  const values = Object.entries(c.values).map(([k, v]) => `${k} = ${show(v)}`).join(", ");
  return { text: c.negated ? `not ${c.condition}` : c.condition, holds: conditionHolds(c), values };
}

/**
 * The conditions whose results differ between two decisions of one request (by rule and condition text), as the
 * keys RenderOptions.differing takes for each side; a rule only one side has counts as differing in all its conditions.
 */
export function differingConditions(a: Decision, b: Decision): { a: Set<string>; b: Set<string> } {
  const out = { a: new Set<string>(), b: new Set<string>() };
  const index = (d: Decision): Map<string, { key: string; holds: boolean }> => {
    const m = new Map<string, { key: string; holds: boolean }>();
    for (const t of d.explanation ?? []) t.conditions.forEach((c, i) => m.set(`${t.rule}\u0000${conditionText(c).text}`, { key: `${t.rule}\u0000${i}`, holds: conditionHolds(c) }));
    return m;
  };
  const ia = index(a), ib = index(b);
  for (const [k, v] of ia) if (ib.get(k)?.holds !== v.holds) out.a.add(v.key);
  for (const [k, v] of ib) if (ia.get(k)?.holds !== v.holds) out.b.add(v.key);
  return out;
}

export interface RenderOptions {
  /** `rule\u0000index` of the conditions to highlight (their result differs on the other side of a comparison). */
  readonly differing?: ReadonlySet<string>;
  /** Which decision this is (`try-it`, a test case's name, `baseline` …), for the links' accessible names. */
  readonly label?: string;
}

export function renderDecision(app: App, policy: CompiledPolicy, d: Decision, opts: RenderOptions = {}): HTMLElement {
  const attributes = Object.entries(d.attributes).filter(([, v]) => v !== undefined);
  return h("div", { class: "decision" },
    h("p", { class: "outcome-line" }, "Outcome ", h("strong", { class: `outcome outcome-${d.outcome}`, "data-outcome": d.outcome }, d.outcome)),
    h("h3", {}, "Reasons"),
    h("ol", { class: "reasons" },
      d.reasons.map((r) => h("li", {}, ruleLink(app, policy, r.rule, r.rule, `reason of the ${opts.label ?? ""} decision`.replace("  ", " ")), " ", h("span", { class: "code-tag" }, r.code), h("div", {}, r.text), r.citation ? h("div", { class: "muted cite" }, r.citation) : "")),
    ),
    attributes.length
      ? [h("h3", {}, "Attributes"), h("dl", { class: "attributes" }, attributes.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, show(v))]))]
      : "",
    d.explanation
      ? h("details", { class: "explanation", open: true },
          h("summary", {}, `Rule by rule (${d.explanation.filter((t) => t.fired).length} of ${d.explanation.length} fired)`),
          h("ul", {},
            d.explanation.map((t) =>
              h("li", { class: t.fired ? "fired" : "not-fired" },
                h("span", { class: "mark", "aria-label": t.fired ? "fired" : "did not fire" }, t.fired ? "✓" : "✗"), " ",
                ruleLink(app, policy, t.rule, t.rule, `rule by rule, ${opts.label ?? "this"} decision`),
                t.outcome ? h("span", { class: "muted" }, ` → ${t.outcome}`) : "",
                h("ul", { class: "conditions" },
                  t.conditions.map((c, i) => {
                    const w = conditionText(c);
                    const differs = opts.differing?.has(`${t.rule}\u0000${i}`) ?? false;
                    return h("li", { class: `${w.holds ? "held" : "failed"}${differs ? " differs" : ""}`, "data-negated": c.negated ? "true" : undefined },
                      h("span", { class: "mark", "aria-label": w.holds ? "holds" : "does not hold" }, w.holds ? "✓" : "✗"), " ",
                      h("code", { class: "condition" }, w.text),
                      h("span", { class: "visually-hidden" }, w.holds ? " holds" : " does not hold"),
                      w.values ? h("span", { class: "muted" }, ` — ${w.values}`) : "",
                      differs ? h("span", { class: "tag changed" }, "differs") : "",
                    );
                  }),
                ),
              ),
            ),
          ),
        )
      : "",
  );
}
