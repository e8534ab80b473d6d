/**
 * A decision rendered for people: the outcome, the reasons (each a link to its rule's line), the attributes, and
 * the rule-by-rule explanation with the values each condition saw. Shared by the try-it and tests panels.
 */
import type { CompiledPolicy } from "../../dsl/index.js";
import type { Decision } from "../../engine/index.js";
import type { App } from "../app.js";
import { h } from "../dom.js";

/** Where a rule (or `otherwise`) is written: a line of the draft, or of the version it is inherited from. */
export function ruleLocation(policy: CompiledPolicy, rule: string): { line: number; from?: string } | undefined {
  if (rule === "otherwise") return { line: policy.otherwise.line, ...(policy.otherwise.from ? { from: policy.otherwise.from } : {}) };
  const r = policy.rules.find((x) => x.name === rule);
  return r ? { line: r.event.params.line, ...(r.event.params.from ? { from: r.event.params.from } : {}) } : undefined;
}

/** A button that moves the editor to a rule's line (or opens the version it is inherited from). */
export function ruleLink(app: App, policy: CompiledPolicy, rule: string, label: string = rule): HTMLElement {
  const at = ruleLocation(policy, rule);
  if (!at) return h("code", {}, label);
  const where = at.from ? `line ${at.line} of ${at.from}` : `line ${at.line}`;
  return h("button", {
    type: "button",
    class: "linklike rule-link",
    "data-rule": rule,
    "data-line": at.line,
    title: `Go to ${where}`,
    onclick: () => {
      if (!at.from) app.ws.revealLine(at.line);
      else if (app.route) app.navigate({ program: app.route.program, version: at.from, fresh: false }, at.line);
    },
  }, h("code", {}, label), h("span", { class: "muted" }, ` (${where})`));
}

const show = (v: unknown): string => (v === undefined || v === null ? "missing" : JSON.stringify(v));

export function renderDecision(app: App, policy: CompiledPolicy, d: Decision): HTMLElement {
  const attributes = Object.entries(d.attributes).filter(([, v]) => v !== undefined);
  return h("div", { class: "decision" },
    h("p", { class: "outcome-line" }, "Outcome ", h("strong", { class: `outcome outcome-${d.outcome}`, "data-outcome": d.outcome }, d.outcome)),
    h("h3", {}, "Reasons"),
    h("ol", { class: "reasons" },
      d.reasons.map((r) => h("li", {}, ruleLink(app, policy, r.rule), " ", h("span", { class: "code-tag" }, r.code), h("div", {}, r.text), r.citation ? h("div", { class: "muted cite" }, r.citation) : "")),
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
                ruleLink(app, policy, t.rule),
                t.outcome ? h("span", { class: "muted" }, ` → ${t.outcome}`) : "",
                h("ul", { class: "conditions" },
                  t.conditions.map((c) =>
                    h("li", { class: c.result ? "held" : "failed" },
                      h("span", { class: "mark", "aria-label": c.result ? "holds" : "does not hold" }, c.result ? "✓" : "✗"), " ",
                      h("code", {}, c.condition),
                      Object.keys(c.values).length ? h("span", { class: "muted" }, ` — ${Object.entries(c.values).map(([k, v]) => `${k} = ${show(v)}`).join(", ")}`) : "",
                    ),
                  ),
                ),
              ),
            ),
          ),
        )
      : "",
  );
}
