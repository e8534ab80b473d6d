/**
 * Simulate: replay a request set through a published baseline and the draft (with parameters varied) on the server
 * (docs/simulation.md: POST /v1/simulations, GET /v1/simulations/:id), with a progress bar, then the summary: outcome shares
 * side by side, the transition matrix, review workload per week, cost, and the changed requests.
 */
import type { CompiledPolicy } from "../../dsl/index.js";
import { createEvaluator } from "../../engine/index.js";
import { api, inWords, type ChangedRequest, type SimulationJob } from "../api.js";
import { routeKey, type App } from "../app.js";
import { baselineOption, defaultBaseline } from "../baseline.js";
import { clear, h, say } from "../dom.js";
import { differingConditions, renderDecision } from "./decision.js";
import { renderReport } from "./report.js";

export interface SimulatePanel {
  render(): void;
  /** Loads the request sets (the server may not offer simulations yet). */
  refresh(): Promise<void>;
}

export function createSimulatePanel(app: App, root: HTMLElement): SimulatePanel {
  const sets = h("select", { id: "sim-set" });
  const baseline = h("select", { id: "sim-baseline" });
  const params = h("fieldset", { class: "params", id: "sim-params" });
  const run = h("button", { type: "submit", class: "primary", id: "sim-run" }, "Run simulation");
  const cancel = h("button", { type: "button", id: "sim-cancel", hidden: true }, "Cancel");
  const progress = h("progress", { id: "sim-progress", max: 1, value: 0, hidden: true, "aria-label": "Simulation progress" });
  const status = h("p", { class: "status", id: "sim-status", role: "status", "aria-live": "polite", hidden: true });
  const report = h("div", { id: "sim-report" });
  const form = h("form", { class: "form", id: "sim-form" },
    h("label", { for: "sim-set" }, "Requests"), sets,
    h("label", { for: "sim-baseline" }, "Baseline: the draft is compared with"), baseline,
    params,
    h("div", { class: "row" }, run, cancel),
  );
  root.append(h("p", { class: "intro" }, "What would the draft have decided on past requests, compared with a published version?"), form, progress, status, report);

  let job: string | undefined;
  let polling = 0;
  /** The route the report on screen belongs to: another program or version clears it. */
  let shownFor: string | undefined;
  /** What the report on screen compared: the baseline version and the draft as simulated (with its overrides). */
  let ran: { baseline: string; candidate: CompiledPolicy; params: Record<string, unknown> } | undefined;

  cancel.addEventListener("click", () => {
    if (job) void api.cancelSimulation(job).catch(() => undefined);
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void start();
  });

  function paramOverrides(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const input of params.querySelectorAll<HTMLInputElement>("input[data-param]")) {
      const p = app.ws.analysis?.outline.parameters.find((x) => x.name === input.dataset.param);
      if (!p) continue;
      const v = typeof p.value === "number" ? Number(input.value) : typeof p.value === "boolean" ? input.checked : input.value;
      if (v !== p.value && !(typeof v === "number" && Number.isNaN(v))) out[p.name] = v;
    }
    return out;
  }

  async function start(): Promise<void> {
    const model = app.ws.model;
    if (!model || !app.route || !sets.value) return;
    const analysis = await app.ws.analysis?.settled();
    if (!analysis?.compiled) {
      say(status, "The draft has errors: fix them before simulating it.", "error");
      return;
    }
    clear(report);
    const overrides = paramOverrides();
    ran = { baseline: baseline.value, candidate: analysis.compiled, params: overrides };
    try {
      const started = await api.simulate({
        program: app.route.program,
        baseline: baseline.value,
        candidate: { source: model.getValue() },
        ...(Object.keys(overrides).length ? { params: overrides } : {}),
        requestSet: sets.value,
      });
      job = started.id;
      show(started);
      const mine = ++polling;
      for (;;) {
        await new Promise((r) => setTimeout(r, 300));
        if (mine !== polling) return;
        const now = await api.simulation(started.id);
        show(now);
        if (!["queued", "running"].includes(now.status)) break;
      }
    } catch (err) {
      progress.hidden = true;
      cancel.hidden = true;
      say(status, inWords(err, "The simulation"), "error");
    }
  }

  function show(j: SimulationJob): void {
    const active = j.status === "queued" || j.status === "running";
    progress.hidden = !active;
    progress.value = j.progress ?? 0;
    cancel.hidden = !active;
    run.disabled = active;
    const pct = Math.round((j.progress ?? 0) * 100);
    if (active) say(status, j.status === "queued" ? "Waiting for the server…" : `Running… ${pct}%`, "info");
    else if (j.status === "done" && j.report) {
      say(status, `Done: ${j.report.total.toLocaleString("en-US")} requests replayed.`, "ok");
      clear(report, renderReport(app, j.report, ran?.baseline ?? baseline.value, j.id, (c) => void compare(c)));
    } else if (j.status === "cancelled") say(status, "Cancelled.", "info");
    else if (j.status === "failed") say(status, `The simulation failed: ${j.error?.message ?? "no reason given"}.`, "error");
  }

  /** A changed request, decided under the baseline and under the draft side by side, differing conditions marked. */
  async function compare(c: ChangedRequest): Promise<void> {
    const route = app.route;
    if (!route || !ran || c.request === undefined) return;
    let box = report.querySelector<HTMLElement>("#sim-compare");
    if (!box) {
      box = h("section", { id: "sim-compare", class: "compare", "aria-label": "One changed request, before and after" });
      report.querySelector("#sim-changed")?.before(box);
    }
    clear(box, h("p", { class: "muted" }, "Deciding the request under both versions…"));
    try {
      const base = (await app.detail(route.program, ran.baseline, true)).compiled;
      if (!base) throw new Error(`${ran.baseline} has no compiled policy`);
      const opts = { explain: true, ...(c.date ? { decisionDate: c.date.slice(0, 10) } : {}) };
      const before = createEvaluator(base).evaluate(c.request, opts);
      const after = createEvaluator(ran.candidate, { parameters: ran.params }).evaluate(c.request, opts);
      const diff = differingConditions(before, after);
      const id = String(c.id ?? "");
      clear(box,
        h("h3", {}, `Why ${id || "this request"} changed: ${before.outcome} under ${ran.baseline}, ${after.outcome} under the draft`),
        h("p", { class: "muted" }, `${diff.b.size || diff.a.size} condition${(diff.b.size || diff.a.size) === 1 ? "" : "s"} came out differently (marked “differs”).`),
        h("div", { class: "side-by-side" },
          h("div", { class: "side", "data-side": "baseline" }, h("h4", {}, `Baseline ${ran.baseline}`), renderDecision(app, base, before, { differing: diff.a, label: `baseline ${ran.baseline}` })),
          h("div", { class: "side", "data-side": "draft" }, h("h4", {}, "Draft"), renderDecision(app, ran.candidate, after, { differing: diff.b, label: "draft" })),
        ),
        h("div", { class: "row" }, h("button", { type: "button", id: "sim-compare-try", onclick: () => app.tryRequest(c.request, c.date?.slice(0, 10)) }, "Open the compared request in try-it")),
      );
      box.scrollIntoView({ block: "nearest" });
    } catch (err) {
      clear(box, h("p", { class: "status", "data-tone": "error" }, inWords(err, "Comparing the request")));
    }
  }

  return {
    render() {
      const program = app.programs.find((p) => p.program === app.route?.program);
      const key = app.route ? routeKey(app.route) : undefined;
      if (key !== shownFor) {
        // Another program or version: the report on screen, and any run still polling, belong to the old one.
        shownFor = key;
        polling++;
        ran = undefined;
        clear(report);
        say(status, "");
        progress.hidden = true;
        cancel.hidden = true;
        run.disabled = false;
      }
      const preferred = defaultBaseline(app);
      const current = baseline.value && key === baseline.dataset.route ? baseline.value : preferred?.version;
      baseline.dataset.route = key ?? "";
      clear(baseline, [...(program?.versions ?? [])].reverse().map((v) => h("option", { value: v.version, selected: v.version === current }, baselineOption(v.version, v.title, preferred))));
      const ps = app.ws.analysis?.outline.parameters ?? [];
      clear(params, h("legend", {}, ps.length ? "Parameters (change a value to simulate it)" : "This policy has no parameters to vary"),
        ps.map((p) => {
          const id = `sim-param-${p.name}`;
          const input = typeof p.value === "boolean"
            ? h("input", { id, type: "checkbox", checked: p.value, "data-param": p.name })
            : h("input", { id, type: typeof p.value === "number" ? "number" : "text", value: String(p.value), step: "any", "data-param": p.name });
          return h("div", { class: "param" }, h("label", { for: id, title: p.description ?? "" }, p.name), input);
        }));
    },
    async refresh() {
      if (!app.route) return;
      try {
        const list = await api.requestSets(app.route.program);
        clear(sets, list.map((s) => h("option", { value: s.id }, `${s.name ?? s.id} — ${s.count.toLocaleString("en-US")} requests${s.from ? `, ${s.from} to ${s.to ?? "…"}` : ""}${s.invented ? " (synthetic)" : ""}`)));
        run.disabled = list.length === 0;
        say(status, list.length ? "" : `The server has no request sets for ${app.route.program}.`, "info");
      } catch (err) {
        clear(sets);
        run.disabled = true;
        say(status, inWords(err, "Listing request sets"), "error");
      }
    },
  };
}
