/**
 * A simulation report for people: outcome shares side by side, the transition matrix, review workload per week as
 * a chart (with the same numbers in words), cost, the changed requests (each openable in try-it) and the rules that
 * never fired. Tolerant of the report's optional parts, whose exact shapes the simulation API owns.
 */
import { api, inWords, type ChangedRequest, type SimulationReport } from "../api.js";
import type { App } from "../app.js";
import { h } from "../dom.js";

const fmt = (n: number): string => n.toLocaleString("en-US", { maximumFractionDigits: 2 });
const one = (n: number): string => n.toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const pct = (n: number, total: number): string => (total ? `${((100 * n) / total).toFixed(1)}%` : "–");
const SVG = "http://www.w3.org/2000/svg";

function svg(tag: string, attrs: Record<string, string | number>, ...children: Node[]): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}

function shares(r: SimulationReport): HTMLElement {
  const outcomes = [...new Set([...Object.keys(r.baseline.counts), ...Object.keys(r.candidate.counts)])];
  const total = r.total || 1;
  const bar = (n: number, cls: string) => h("span", { class: "track", "aria-hidden": "true" }, h("span", { class: `bar ${cls}`, style: `width:${Math.round((100 * n) / total)}%` }));
  return h("table", { class: "shares", id: "sim-shares" },
    h("caption", {}, "Outcomes"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "outcome"), h("th", { scope: "col" }, "baseline"), h("th", { scope: "col" }, "draft"), h("th", { scope: "col" }, "change"))),
    h("tbody", {}, outcomes.map((o) => {
      const a = r.baseline.counts[o] ?? 0;
      const b = r.candidate.counts[o] ?? 0;
      return h("tr", {},
        h("th", { scope: "row" }, o),
        h("td", {}, h("div", { class: "barcell" }, bar(a, "base"), h("span", {}, `${fmt(a)} (${pct(a, total)})`))),
        h("td", {}, h("div", { class: "barcell" }, bar(b, "cand"), h("span", {}, `${fmt(b)} (${pct(b, total)})`))),
        h("td", { class: "num" }, b === a ? "=" : `${b > a ? "+" : ""}${fmt(b - a)}`),
      );
    })),
  );
}

function transitions(r: SimulationReport): HTMLElement {
  const pairs = Object.entries(r.transitions).map(([k, n]) => [...k.split("->"), n] as [string, string, number]);
  const from = [...new Set([...Object.keys(r.baseline.counts), ...pairs.map((p) => p[0])])];
  const to = [...new Set([...Object.keys(r.candidate.counts), ...pairs.map((p) => p[1])])];
  const count = (a: string, b: string): number => pairs.find((p) => p[0] === a && p[1] === b)?.[2] ?? 0;
  return h("table", { class: "matrix", id: "sim-transitions" },
    h("caption", {}, "Transitions (rows: baseline, columns: draft)"),
    h("thead", {}, h("tr", {}, h("td", {}), to.map((b) => h("th", { scope: "col" }, b)))),
    h("tbody", {}, from.map((a) => h("tr", {}, h("th", { scope: "row" }, a), to.map((b) => {
      const n = count(a, b);
      return h("td", { class: a === b ? "same" : n ? "moved" : "" }, n ? fmt(n) : "·");
    })))),
  );
}

function workload(r: SimulationReport): HTMLElement | string {
  const weeks = Object.entries(r.reviewsPerWeek).sort(([a], [b]) => a.localeCompare(b));
  if (!weeks.length) return "";
  // A flat line at zero says nothing: say it in words (a program may send nothing to review; its story may be fund control).
  if (weeks.every(([, v]) => v.baseline === 0 && v.candidate === 0)) return h("p", { id: "sim-workload", class: "muted" }, "No request goes to manual review on either side.");
  const W = 400, H = 140, P = 24;
  const max = Math.max(1, ...weeks.flatMap(([, v]) => [v.baseline, v.candidate]));
  const x = (i: number): number => P + (weeks.length === 1 ? 0 : (i * (W - 2 * P)) / (weeks.length - 1));
  const y = (v: number): number => H - P - (v * (H - 2 * P)) / max;
  const line = (key: "baseline" | "candidate", cls: string) =>
    svg("polyline", { class: cls, fill: "none", points: weeks.map(([, v], i) => `${x(i)},${y(v[key])}`).join(" ") });
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-labelledby": "sim-workload-text" },
    svg("line", { x1: P, y1: H - P, x2: W - P, y2: H - P, class: "axis" }),
    svg("text", { x: 2, y: P - 6, class: "tick" }, document.createTextNode(fmt(max))),
    svg("text", { x: 2, y: H - P, class: "tick" }, document.createTextNode("0")),
    svg("text", { x: P, y: H - 6, class: "tick" }, document.createTextNode(weeks[0]![0])),
    svg("text", { x: W - P, y: H - 6, class: "tick", "text-anchor": "end" }, document.createTextNode(weeks[weeks.length - 1]![0])),
    line("baseline", "base"),
    line("candidate", "cand"),
  );
  return h("figure", { class: "workload", id: "sim-workload" },
    h("figcaption", {}, "Reviews per week ", h("span", { class: "legend base" }, "baseline"), " ", h("span", { class: "legend cand" }, "draft")),
    chart,
    h("p", { id: "sim-workload-text", class: "muted" }, `Over ${weeks.length} weeks: on average ${one(r.reviews.baseline.perWeek)} reviews a week under the baseline, ${one(r.reviews.candidate.perWeek)} under the draft${typeof r.reviews.changeShare === "number" ? ` (${r.reviews.changeShare > 0 ? "+" : ""}${(100 * r.reviews.changeShare).toFixed(1)}%)` : ""}.`),
  );
}

const money = (n: number): string => `${n < 0 ? "−" : ""}$${Math.abs(Math.round(n)).toLocaleString("en-US")}`;

/**
 * CHS fund control (engine/simulate/fund-control.ts): per quarter, the funds available, the weekly spending rate,
 * the week the projected balance goes below zero and the highest priority level the funds cover, on each side; and
 * a chart of the projected balance week by week (its numbers are the table's, said again in words beside it).
 */
function fundControl(r: SimulationReport): HTMLElement | string {
  const fc = r.fundControl;
  if (!fc || !fc.quarters.length) return "";
  const runs = (s: { runsOut: { week: number; start: string } | null }): string => (s.runsOut ? `week ${s.runsOut.week} (${s.runsOut.start})` : "not within the quarter");
  const table = h("table", { class: "fund", id: "sim-fund-table" },
    h("caption", {}, "Fund control per quarter (baseline / draft)"),
    h("thead", {}, h("tr", {},
      h("th", { scope: "col" }, "quarter"), h("th", { scope: "col" }, "funds available"), h("th", { scope: "col" }, "weekly spending rate"),
      h("th", { scope: "col" }, "funds run out"), h("th", { scope: "col" }, "highest priority covered"))),
    h("tbody", {}, fc.quarters.map((q) => h("tr", {},
      h("th", { scope: "row" }, q.quarter),
      h("td", { class: "num" }, money(q.candidate.totalFundsAvailable)),
      h("td", { class: "num" }, money(q.candidate.weeklySpendingRate)),
      h("td", {}, `${runs(q.baseline)} / ${runs(q.candidate)}`),
      h("td", { class: "num" }, `${q.baseline.highestPriorityCovered} / ${q.candidate.highestPriorityCovered}`),
    ))),
  );
  // The chart: projected balance per week, quarter after quarter; below the zero line the funds have run out.
  const points = fc.quarters.flatMap((q) => q.baseline.weeks.map((w, i) => ({ q: q.quarter, week: w.week, base: w.projectedBalance, cand: q.candidate.weeks[i]?.projectedBalance ?? w.projectedBalance })));
  const W = 400, H = 150, P = 28;
  const values = points.flatMap((p) => [p.base, p.cand, 0]);
  const max = Math.max(...values), min = Math.min(...values);
  const x = (i: number): number => P + (points.length <= 1 ? 0 : (i * (W - 2 * P)) / (points.length - 1));
  const y = (v: number): number => H - P - ((v - min) * (H - 2 * P)) / (max - min || 1);
  const segments = (key: "base" | "cand", cls: string): SVGElement[] =>
    fc.quarters.map((q) => svg("polyline", { class: cls, fill: "none", points: points.map((p, i) => [p, i] as const).filter(([p]) => p.q === q.quarter).map(([p, i]) => `${x(i)},${y(p[key])}`).join(" ") }));
  const s = fc.summary;
  const words = `Projected CHS balance week by week over ${fc.quarters.length} quarter${fc.quarters.length === 1 ? "" : "s"}. ` +
    fc.quarters.map((q) => `${q.quarter}: ${money(q.candidate.totalFundsAvailable)} available, ${money(q.candidate.weeklySpendingRate)} a week; under the baseline the funds ${q.baseline.runsOut ? `run out in week ${q.baseline.runsOut.week}` : "last the quarter"} and cover priority levels up to ${q.baseline.highestPriorityCovered}; under the draft they ${q.candidate.runsOut ? `run out in week ${q.candidate.runsOut.week}` : "last the quarter"} and cover levels up to ${q.candidate.highestPriorityCovered}.`).join(" ") +
    ` Obligations: ${money(s.baseline.obligations)} under the baseline, ${money(s.candidate.obligations)} under the draft.`;
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-labelledby": "sim-fund-text", id: "sim-fund-chart" },
    svg("line", { x1: P, y1: y(0), x2: W - P, y2: y(0), class: "axis zero" }),
    svg("text", { x: 2, y: P - 8, class: "tick" }, document.createTextNode(money(max))),
    svg("text", { x: 2, y: y(0) - 2, class: "tick" }, document.createTextNode("$0")),
    svg("text", { x: 2, y: H - P + 12, class: "tick" }, document.createTextNode(money(min))),
    ...fc.quarters.map((q) => {
      const i = points.findIndex((p) => p.q === q.quarter);
      return svg("text", { x: x(i), y: H - 4, class: "tick" }, document.createTextNode(q.quarter));
    }),
    ...segments("base", "base"),
    ...segments("cand", "cand"),
  );
  return h("section", { class: "fund-control", id: "sim-fund" },
    h("h3", {}, "Fund control"),
    h("figure", { class: "workload" },
      h("figcaption", {}, "Projected balance per week ", h("span", { class: "legend base" }, "baseline"), " ", h("span", { class: "legend cand" }, "draft")),
      chart,
      h("p", { id: "sim-fund-text", class: "muted" }, words),
    ),
    table,
  );
}

function cost(r: SimulationReport): HTMLElement | string {
  const a = r.cost.baseline, b = r.cost.candidate;
  const rows: [string, number | undefined, number | undefined][] = [...new Set([...Object.keys(a), ...Object.keys(b)])].map((k) => [k, a[k], b[k]]);
  const money = (v: number | undefined): string => (v === undefined ? "–" : `$${fmt(v)}`);
  return h("table", { class: "cost", id: "sim-cost" },
    h("caption", {}, "Cost (estimated, by outcome)"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, ""), h("th", { scope: "col" }, "baseline"), h("th", { scope: "col" }, "draft"))),
    h("tbody", {}, rows.map(([k, a, b]) => h("tr", {}, h("th", { scope: "row" }, k), h("td", { class: "num" }, money(a)), h("td", { class: "num" }, money(b))))),
  );
}

function changed(app: App, r: SimulationReport, jobId?: string, compare?: (c: ChangedRequest) => void): HTMLElement | string {
  const items = r.changed.first;
  const total = r.changed.total;
  if (!items.length) return h("p", { id: "sim-changed" }, "No request is decided differently.");
  const codes = (s: ChangedRequest["baseline"]) => s.reasons.join(", ");
  let shown = 0;
  const item = (c: ChangedRequest): HTMLElement => {
    shown++;
    const req = c.request as Record<string, unknown> | undefined;
    const id = c.id ?? (req && Object.entries(req).find(([k]) => /id$/i.test(k))?.[1]) ?? `#${shown}`;
    return h("li", {},
      h("code", {}, String(id)), c.date ? h("span", { class: "muted" }, ` ${c.date}`) : "", ` ${c.baseline.outcome} → `, h("strong", {}, c.candidate.outcome), " ",
      h("span", { class: "muted" }, `(${codes(c.baseline) || "–"} → ${codes(c.candidate) || "–"})`), " ",
      c.request !== undefined && compare ? h("button", { type: "button", class: "linklike compare", "aria-label": `Why did ${String(id)} change? Both decisions side by side`, onclick: () => compare(c) }, "Why?") : "", " ",
      c.request !== undefined ? h("button", { type: "button", class: "linklike try", "aria-label": `Open ${String(id)} in try-it`, onclick: () => app.tryRequest(c.request, c.date) }, "Open in try-it") : "",
    );
  };
  const list = h("ul", { class: "changed" }, items.map(item));
  const heading = h("h3", {}, "");
  const label = (): void => void (heading.textContent = `Changed requests: ${fmt(total)}${total > shown ? ` (the first ${fmt(shown)})` : ""}`);
  label();
  // The rest of the changed requests are pages on the server (`GET /v1/simulations/{id}/changed`).
  const more = h("button", { type: "button", id: "sim-changed-more", hidden: !jobId || shown >= total }, "Show 50 more");
  more.addEventListener("click", () => {
    more.setAttribute("disabled", "");
    api.changedPage(jobId!, shown).then(
      (page) => {
        for (const c of page.items) list.append(item(c));
        label();
        more.hidden = shown >= page.total || page.items.length === 0;
        more.removeAttribute("disabled");
      },
      (e: unknown) => {
        more.removeAttribute("disabled");
        heading.append(h("span", { class: "error" }, ` (${inWords(e, "loading more changed requests")})`));
      },
    );
  });
  return h("section", { id: "sim-changed" }, heading, list, more);
}

function neverFired(r: SimulationReport): HTMLElement | string {
  const v = r.rulesNeverFired;
  const lists: [string, unknown][] = Array.isArray(v) ? [["draft", v]] : v && typeof v === "object" ? Object.entries(v) : [];
  const shown = lists.filter(([, l]) => Array.isArray(l) && l.length);
  if (!shown.length) return "";
  return h("section", {}, h("h3", {}, "Rules that never fired"), shown.map(([k, l]) => h("p", {}, `${k}: `, (l as unknown[]).map((x) => String(typeof x === "object" && x ? ((x as { rule?: string }).rule ?? JSON.stringify(x)) : x)).join(", "))));
}

export function renderReport(app: App, r: SimulationReport, baseline: string, jobId?: string, compare?: (c: ChangedRequest) => void): HTMLElement {
  return h("div", { class: "report" },
    h("p", { id: "sim-summary" }, `${fmt(r.total)} requests, baseline ${r.baseline.version} against the draft.${r.invalid.count ? ` ${fmt(r.invalid.count)} requests that break the request schema were left out.` : ""}`),
    shares(r), transitions(r), workload(r), fundControl(r), cost(r), changed(app, r, jobId, compare), neverFired(r),
  );
}
