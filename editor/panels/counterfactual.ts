/**
 * "What would change this decision": the nearest requests with another outcome, changing only the fields the
 * program marks actionable (policies/<program>/program.yaml), each proven by both evaluators on the server
 * (POST /v1/analysis/counterfactual; engine/analysis/counterfactual.ts). Shown in try-it and in the decisions panel
 * as "approve if: onsiteApproval = clinical-director", each alternative openable in try-it.
 */
import { api, inWords, type CounterfactualResult, type PolicySide } from "../api.js";
import type { App } from "../app.js";
import { clear, h, say } from "../dom.js";

type Alternative = CounterfactualResult["alternatives"][number];

// Plain words for plain values (`clinical-director`); quotes only where a bare value would be invisible or ambiguous.
const value = (v: unknown): string => (typeof v === "string" && /^[^\s"]+$/.test(v) ? v : JSON.stringify(v));

/** One change in words: `onsiteApproval = clinical-director`, `alienNumber removed`. */
export function changeText(c: { field: string; from: unknown; to: unknown }): string {
  if (c.to === null || c.to === undefined) return `${c.field} removed`;
  return `${c.field} = ${value(c.to)}`;
}

/** "approve if: onsiteApproval = clinical-director and urgency = urgent". */
export function alternativeText(a: Alternative): string {
  return `${a.outcome} if: ${a.changes.map(changeText).join(" and ")}`;
}

/** The request with an alternative's changes made (dotted fields are nested). */
export function changedRequest(request: unknown, a: Alternative): Record<string, unknown> {
  const out = structuredClone((request ?? {}) as Record<string, unknown>);
  for (const c of a.changes) {
    const segs = c.field.split(".");
    let cur = out;
    for (const s of segs.slice(0, -1)) {
      if (!cur[s] || typeof cur[s] !== "object") cur[s] = {};
      cur = cur[s] as Record<string, unknown>;
    }
    const last = segs[segs.length - 1]!;
    if (c.to === null || c.to === undefined) delete cur[last];
    else cur[last] = c.to;
  }
  return out;
}

export interface CounterfactualOptions {
  readonly program: string;
  readonly policy: PolicySide;
  readonly request: unknown;
  readonly decisionDate?: string;
  /** Which decision it is about, for the button's accessible name. */
  readonly label: string;
}

export function counterfactualSection(app: App, o: CounterfactualOptions): HTMLElement {
  const status = h("p", { class: "status cf-status", role: "status", "aria-live": "polite", hidden: true });
  const list = h("ul", { class: "cf-list" });
  const button = h("button", { type: "button", class: "cf-run", "aria-label": `What would change the ${o.label} decision` }, "What would change this decision?");
  button.addEventListener("click", () => void (async () => {
    button.disabled = true;
    clear(list);
    say(status, "The solver looks for the nearest requests with another outcome…", "info");
    try {
      const r = await api.counterfactual(o.program, o.policy, o.request, o.decisionDate);
      const actionable = r.actionable.length ? r.actionable.join(", ") : "none";
      say(status, r.alternatives.length
        ? `Changing only what a requester may amend (${actionable}), each checked by both evaluators:`
        : `No change of what a requester may amend (${actionable}) gives another outcome.`, r.alternatives.length ? "ok" : "info");
      clear(list,
        r.alternatives.map((a) => h("li", { class: "cf-alt", "data-outcome": a.outcome },
          h("strong", { class: `outcome outcome-${a.outcome}` }, a.outcome), ` if: ${a.changes.map(changeText).join(" and ")} `,
          h("button", { type: "button", class: "linklike cf-try", "aria-label": `Try it: ${alternativeText(a)}`, onclick: () => app.tryRequest(changedRequest(o.request, a), o.decisionDate) }, "Try it"),
        )),
        r.unreachable.length ? h("li", { class: "muted cf-unreachable" }, `Never, whatever of ${actionable} changes (proved): ${r.unreachable.join(", ")}.`) : "",
        r.unknown.map((u) => h("li", { class: "muted" }, `Not answered: ${u}.`)),
      );
    } catch (err) {
      say(status, inWords(err, "Asking the solver what would change the decision"), "error");
    } finally {
      button.disabled = false;
    }
  })());
  return h("section", { class: "counterfactual" }, h("div", { class: "row" }, button), status, list);
}
