/**
 * Decisions: what the server decided for this program (the decision log, newest first, analyst key), and for any
 * one of them, why: the server explains it again under the version that made it, with its decision date and the
 * duplicate lookups it saw, and says whether it came out the same. Rules link to their lines in that version.
 */
import type { CompiledPolicy } from "../../dsl/index.js";
import { api, inWords, type LoggedDecision } from "../api.js";
import type { App } from "../app.js";
import { clear, h, say } from "../dom.js";
import { requestIdOf } from "../../engine/program-manifest.js";
import { counterfactualSection } from "./counterfactual.js";
import { renderDecision } from "./decision.js";

export interface DecisionsPanel {
  render(): void;
  refresh(): Promise<void>;
}

/** The policy as seen from another version: its rules' lines are lines of that version's file, so links open it. */
function seenFrom(policy: CompiledPolicy, version: string): CompiledPolicy {
  return {
    ...policy,
    rules: policy.rules.map((r) => ({ ...r, event: { ...r.event, params: { ...r.event.params, from: r.event.params.from ?? version } } })),
    otherwise: { ...policy.otherwise, from: policy.otherwise.from ?? version },
  };
}

export function createDecisionsPanel(app: App, root: HTMLElement): DecisionsPanel {
  const outcome = h("select", { id: "decisions-outcome" });
  const version = h("select", { id: "decisions-version" });
  const from = h("input", { id: "decisions-from", type: "date" });
  const to = h("input", { id: "decisions-to", type: "date" });
  const refresh = h("button", { type: "submit", id: "decisions-refresh" }, "Show");
  const status = h("p", { class: "status", id: "decisions-status", role: "status", "aria-live": "polite", hidden: true });
  const list = h("ol", { class: "cases", id: "decisions-list" });
  const more = h("button", { type: "button", id: "decisions-more", hidden: true }, "Older decisions");
  const detail = h("div", { id: "decision-detail" });
  const form = h("form", { class: "form", id: "decisions-form" },
    h("label", { for: "decisions-outcome" }, "Outcome"), outcome,
    h("label", { for: "decisions-version" }, "Version"), version,
    h("div", { class: "row" }, h("label", { for: "decisions-from" }, "Decided from"), from, h("label", { for: "decisions-to" }, "through"), to),
    h("div", { class: "row" }, refresh),
  );
  root.append(h("p", { class: "intro" }, "Decisions the server made for this program, newest first. Open one to see why it came out as it did."), form, status, list, more, detail);

  let cursor: string | undefined;
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void panel.refresh();
  });
  more.addEventListener("click", () => void load(true));

  /** The request's own id (the manifest's `requestId`), else the start of the decision's id. */
  const requestId = (d: LoggedDecision): string => {
    const manifest = app.programs.find((p) => p.program === d.program)?.manifest;
    return (manifest ? requestIdOf(manifest, d.request) : undefined) ?? d.id.slice(0, 8);
  };

  async function load(append: boolean): Promise<void> {
    const route = app.route;
    if (!route) return;
    if (!append) {
      cursor = undefined;
      clear(list);
      clear(detail);
    }
    say(status, "Reading the decision log…", "info");
    try {
      if (from.value && to.value && from.value > to.value) {
        say(status, `The dates are the wrong way round: ${from.value} is after ${to.value}.`, "error");
        return;
      }
      const page = await api.decisions({
        program: route.program, outcome: outcome.value, version: version.value, limit: 20,
        ...(from.value ? { from: from.value } : {}), ...(to.value ? { to: to.value } : {}), ...(cursor ? { cursor } : {}),
      });
      cursor = page.nextCursor;
      more.hidden = !cursor;
      list.append(...page.items.map((d) => h("li", {},
        h("button", { type: "button", class: "linklike decision-row", "data-id": d.id, "aria-label": `Explain decision ${requestId(d)} of ${d.decidedAt.slice(0, 16).replace("T", " ")}: ${d.outcome} under ${d.version}`, onclick: () => void open(d) },
          `${d.decidedAt.slice(0, 16).replace("T", " ")} · ${d.version} · `, h("strong", { class: `outcome outcome-${d.outcome}` }, d.outcome), ` · ${requestId(d)}`),
      )));
      const n = list.children.length;
      say(status, n ? `${n} decision${n === 1 ? "" : "s"} shown.` : "No decisions logged for these filters yet.", "ok");
    } catch (err) {
      say(status, inWords(err, "Reading the decision log"), "error");
    }
  }

  async function open(d: LoggedDecision): Promise<void> {
    const route = app.route;
    if (!route) return;
    clear(detail, h("p", { class: "muted" }, "Explaining…"));
    try {
      const [again, made] = await Promise.all([api.decision(d.id, true), app.detail(route.program, d.version, true)]);
      if (!made.compiled) throw new Error(`version ${d.version} has no compiled policy`);
      // Links stay in the editor when the draft is that very version; otherwise they open the version.
      const policy = route.version === d.version && !route.fresh ? made.compiled : seenFrom(made.compiled, d.version);
      const date = again.decision.decisionDate ?? again.decidedAt.slice(0, 10);
      clear(detail,
        h("h3", {}, `Decision ${requestId(d)} under ${d.version}`),
        h("p", { class: "status", id: "decision-reproduced", "data-tone": again.reproduced ? "ok" : "error" },
          again.reproduced
            ? `Explained again with decision date ${date}: the same decision.`
            : `Explained again with decision date ${date}, it comes out differently: ${(again.differences ?? []).join("; ")}.`),
        // Under the version that decided it, not the draft: what the requester could amend for another outcome.
        counterfactualSection(app, { program: d.program, policy: { version: d.version }, request: again.request, decisionDate: date, label: `logged ${requestId(d)}` }),
        renderDecision(app, policy, { ...again.decision, program: again.program, version: again.version, fired: again.decision.fired ?? [], explanation: again.explanation }, { label: `logged ${requestId(d)}` }),
        h("div", { class: "row" }, h("button", { type: "button", id: "decision-try", onclick: () => app.tryRequest(again.request, date, again.decision.lookups ? { lookups: again.decision.lookups } : {}) }, "Open the request in try-it")),
      );
    } catch (err) {
      clear(detail, h("p", { class: "status", "data-tone": "error" }, inWords(err, "Explaining the decision")));
    }
  }

  const panel: DecisionsPanel = {
    render() {
      const program = app.programs.find((p) => p.program === app.route?.program);
      clear(outcome, h("option", { value: "" }, "any"), (program?.outcomes ?? []).map((o) => h("option", { value: o }, o)));
      clear(version, h("option", { value: "" }, "any"), (program?.versions ?? []).map((v) => h("option", { value: v.version }, `${v.version}${v.status === "withdrawn" ? " (withdrawn)" : ""}`)));
      clear(list);
      clear(detail);
      more.hidden = true;
      say(status, "");
    },
    refresh: () => load(false),
  };
  return panel;
}
