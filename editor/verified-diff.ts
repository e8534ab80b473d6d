/**
 * The verified difference of the draft against a published version (POST /v1/analysis/diff, z3 on the server):
 * `equivalent` (proved), `different` (each outcome transition with its region in words and a proven example) or
 * `unknown`. One answer per (program, baseline, text), shared by the Changes and Publish panels, since the solver
 * takes seconds: asking twice for the same text waits for the one request.
 */
import { api, inWords, type DiffResult } from "./api.js";
import type { App } from "./app.js";
import { clear, h } from "./dom.js";

const cache = new Map<string, Promise<DiffResult>>();

export function verifiedDiff(program: string, baseline: string, source: string): Promise<DiffResult> {
  const key = `${program}\u0000${baseline}\u0000${source}`;
  let p = cache.get(key);
  if (!p) {
    // Only the newest few texts are worth keeping.
    if (cache.size > 8) cache.delete(cache.keys().next().value!);
    p = api.diff(program, { version: baseline }, { source });
    p.catch(() => cache.delete(key));
    cache.set(key, p);
  }
  return p;
}

/** The verdict in one sentence. */
export function verdictText(d: DiffResult, baseline: string): string {
  if (d.verdict === "equivalent") return `Equivalent to ${baseline} (proved): no request is decided differently.`;
  const moves = d.transitions.map((t) => `${t.from} → ${t.to}`);
  const same = d.reasons.length + d.attributes.length;
  if (d.verdict === "different") {
    return `Different from ${baseline}: ${moves.length ? moves.join(", ") : "the same outcomes"}${same ? `${moves.length ? ", and " : " with "}${same} change${same === 1 ? "" : "s"} in reasons or attributes` : ""}.`;
  }
  return `Unknown against ${baseline}: the solver could not settle every question (${d.unknown.join("; ") || "time limit"})${moves.length ? `; found so far: ${moves.join(", ")}` : ""}.`;
}

type Region = DiffResult["transitions"][number]["regions"][number];

function regionItem(app: App, baseline: string, r: Region, title: string): HTMLElement {
  const ex = r.example;
  return h("li", { class: "region" },
    h("div", {}, h("code", { class: "where" }, r.where || "any request")),
    h("div", { class: "muted" }, `e.g. ${ex.decisionDate}: ${ex.old.outcome} (${ex.old.reasons.join(", ") || "no reason"}) → ${ex.new.outcome} (${ex.new.reasons.join(", ") || "no reason"})`),
    h("button", {
      type: "button", class: "linklike region-try", "aria-label": `Open the example of ${title} in try-it, both decisions side by side`,
      onclick: () => void (async () => {
        const route = app.route;
        if (!route) return;
        const published = await app.detail(route.program, baseline, true);
        if (!published.compiled) return;
        app.tryRequest(ex.request, ex.decisionDate, { ...(ex.accepted && Object.keys(ex.accepted).length ? { lookups: ex.accepted } : {}), compare: { version: baseline, policy: published.compiled } });
      })(),
    }, "Open in try-it, both decisions side by side"),
  );
}

/** The differences as a list: transitions first, then reasons and attributes that change with the same outcome. */
export function renderVerifiedDiff(app: App, d: DiffResult, baseline: string): HTMLElement[] {
  const out: HTMLElement[] = [];
  for (const t of d.transitions) {
    const title = `${t.from} → ${t.to}`;
    out.push(h("li", { class: "transition", "data-transition": `${t.from}->${t.to}` },
      h("strong", {}, h("span", { class: `outcome outcome-${t.from}` }, t.from), " → ", h("span", { class: `outcome outcome-${t.to}` }, t.to)),
      h("ul", { class: "regions" }, t.regions.map((r) => regionItem(app, baseline, r, title)), t.more ? h("li", { class: "muted" }, "… and more regions") : ""),
    ));
  }
  for (const c of [...d.reasons, ...d.attributes]) {
    const title = `${c.outcome}: ${c.what} differ`;
    out.push(h("li", { class: "transition same-outcome" },
      h("strong", {}, `${c.outcome}, with other ${c.what === "reasons" ? "reasons" : `attribute ${c.what}`}`),
      h("ul", { class: "regions" }, c.regions.map((r) => regionItem(app, baseline, r, title)), c.more ? h("li", { class: "muted" }, "… and more regions") : ""),
    ));
  }
  return out;
}

/** Fills a status element and a list with the verdict of the draft against `baseline`; ignores stale answers. */
export async function showVerifiedDiff(app: App, baseline: string, source: string, verdict: HTMLElement, list: HTMLElement | undefined, isCurrent: () => boolean): Promise<DiffResult | undefined> {
  const route = app.route;
  if (!route) return undefined;
  verdict.dataset.verdict = "running";
  verdict.dataset.tone = "info";
  verdict.textContent = `The solver compares the draft with ${baseline}…`;
  verdict.hidden = false;
  if (list) clear(list);
  try {
    const d = await verifiedDiff(route.program, baseline, source);
    if (!isCurrent()) return undefined;
    verdict.dataset.verdict = d.verdict;
    verdict.dataset.tone = d.verdict === "equivalent" ? "ok" : d.verdict === "different" ? "info" : "error";
    verdict.textContent = verdictText(d, baseline);
    if (list) clear(list, renderVerifiedDiff(app, d, baseline));
    return d;
  } catch (err) {
    if (!isCurrent()) return undefined;
    verdict.dataset.verdict = "error";
    verdict.dataset.tone = "error";
    verdict.textContent = inWords(err, "The solver's comparison");
    return undefined;
  }
}
