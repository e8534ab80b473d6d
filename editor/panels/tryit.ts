/**
 * Try it: a request (JSON, checked against the program's request schema by Monaco's JSON language, with completion
 * of its fields) evaluated under the draft in the browser, with the decision and its explanation.
 *
 * A policy that detects duplicates (`duplicateOf`) needs the claims decided before. With no earlier claims given, the
 * server decides the draft (POST /v1/programs/{p}/dry-run: its decision log answers `duplicateOf` as for a live
 * claim, nothing is logged), so the decision shown is the one the server would give; when the server cannot be
 * asked (offline, a key without the author role) the browser decides and says that duplicates went unseen.
 * The panel also shows an editable list of earlier claims (a test case's `history`, or the server's logged claims,
 * "Earlier claims from the log"), decided first in the browser exactly as the tests do (engine caseContext), for
 * a what-if. A decision opened from the log keeps what `duplicateOf` was told.
 */
import type { editor } from "monaco-editor/editor/editor.api";
import type { CompiledPolicy } from "../../dsl/index.js";
import { createEvaluator, detectsDuplicates, type Decision, type Evaluator } from "../../engine/index.js";
import { caseContext } from "../../engine/test-cases.js";
import { api, AppError, inWords } from "../api.js";
import { manifestOf, type App } from "../app.js";
import { clear, h, say } from "../dom.js";
import { jsonDefaults, monaco } from "../monaco.js";
import { caseFromDecision } from "../test-cases.js";
import { counterfactualSection } from "./counterfactual.js";
import { differingConditions, renderDecision } from "./decision.js";

const REQUEST_URI = "inmemory://try/request.json";

/** What a request is decided with besides itself: earlier claims, or the lookups a logged decision saw. */
export interface TryContext {
  readonly history?: readonly unknown[];
  readonly lookups?: Readonly<Record<string, string | null>>;
  /** Decide under this published version too, beside the draft (an example of the verified differences). */
  readonly compare?: { readonly version: string; readonly policy: CompiledPolicy };
}

export interface TryIt {
  /** Forgets the last decision (another program or version was opened). */
  reset(): void;
  load(request: unknown, decisionDate?: string, ctx?: TryContext): void;
  evaluate(): Promise<void>;
  setSchema(schema: object | undefined): void;
  /** Shows the earlier-claims list when the policy detects duplicates. */
  setPolicy(policy: CompiledPolicy | undefined): void;
  refreshExamples(): void;
}

export function createTryIt(app: App, root: HTMLElement): TryIt {
  const model = monaco.editor.createModel("{\n}\n", "json", monaco.Uri.parse(REQUEST_URI));
  const host = h("div", { class: "json-host", id: "try-request" });
  const examples = h("select", { id: "try-example" });
  const date = h("input", { id: "try-date", type: "date" });
  const status = h("p", { class: "status", role: "status", "aria-live": "polite", hidden: true });
  const result = h("div", { class: "result", id: "try-result", "aria-live": "polite" });
  /** `found`: the earlier claims the server's log matched (a dry run), which a test case cannot carry by id. */
  let last: { policy: CompiledPolicy; request: unknown; decision: Decision; found?: readonly string[] } | undefined;
  let evaluator: Evaluator | undefined;
  let lookups: Readonly<Record<string, string | null>> | undefined;
  let compare: TryContext["compare"];
  const history = h("textarea", { id: "try-history", rows: 5, spellcheck: false, placeholder: "[ ] — earlier claims as a JSON list, decided before the request" });
  const historyNote = h("p", { class: "muted", id: "try-history-note" });
  const fromLog = h("button", { type: "button", id: "try-history-log" }, "Earlier claims from the log");
  const historyBox = h("div", { id: "try-history-box", hidden: true },
    h("label", { for: "try-history", class: "block" }, "Earlier claims (this policy detects duplicates)"), history,
    h("div", { class: "row small" }, fromLog), historyNote);

  const addCase = h("button", { type: "button", id: "try-add-case", disabled: true, onclick: () => {
    if (!last) return;
    const name = `${last.decision.outcome}: ${summarize(last.request)}`;
    const earlier = history.value.trim() ? (JSON.parse(history.value) as unknown[]) : [];
    // A case must carry the claims it is a duplicate of: the server's log is not there when the tests run.
    if (last.found?.length && !earlier.length) {
      say(status, `Not added: the server found this a duplicate of ${last.found.join(", ")} in its log, and a test case must carry that claim. Use “Earlier claims from the log”, evaluate again, then add it.`, "error");
      return;
    }
    app.addTestCase({ ...caseFromDecision(name, last.request, last.decision, date.value || undefined), ...(earlier.length ? { history: earlier } : {}) });
    say(status, `Added “${name}” to the tests (see the Tests tab).`, "ok");
  } }, "Add as test case");

  root.append(
    h("p", { class: "intro" }, "Evaluate a request under the draft, here in the browser. A policy that detects duplicates is decided by the server against its decision log (a dry run: nothing is logged)."),
    h("div", { class: "row" },
      h("label", { for: "try-example" }, "Start from "), examples,
    ),
    h("label", { id: "try-request-label", class: "block" }, "Request (JSON)"),
    host,
    historyBox,
    h("div", { class: "row" },
      h("label", { for: "try-date" }, "Decision date "), date,
      h("button", { type: "button", id: "try-evaluate", class: "primary", onclick: () => void tryIt.evaluate() }, "Evaluate"),
      addCase,
    ),
    status,
    result,
  );

  const ed: editor.IStandaloneCodeEditor = monaco.editor.create(host, {
    model,
    theme: "precept",
    automaticLayout: true,
    minimap: { enabled: false },
    lineNumbers: "off",
    folding: false,
    fontSize: 12,
    scrollBeyondLastLine: false,
    ariaLabel: "Request (JSON). Ctrl+Enter evaluates it; Tab moves on.",
    tabFocusMode: true,
    acceptSuggestionOnEnter: "off",
    fixedOverflowWidgets: true,
  });
  ed.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, () => void tryIt.evaluate());
  examples.addEventListener("change", () => {
    const c = app.testCases[Number(examples.value)];
    if (c) tryIt.load(c.request, c.decisionDate ? String(c.decisionDate) : undefined, c.history ? { history: c.history } : {});
  });
  history.addEventListener("input", () => {
    lookups = undefined;
    historyNote.textContent = "";
  });
  fromLog.addEventListener("click", () => void (async () => {
    const route = app.route;
    if (!route) return;
    historyNote.textContent = "Reading the decision log…";
    try {
      // The newest thousand decisions, oldest first: the engine works out which of them were accepted.
      const items = [];
      let cursor: string | undefined;
      for (let page = 0; page < 2; page++) {
        const p = await api.decisions({ program: route.program, limit: 500, ...(cursor ? { cursor } : {}) });
        items.push(...p.items);
        cursor = p.nextCursor;
        if (!cursor) break;
      }
      history.value = JSON.stringify(items.reverse().map((d) => d.request), null, 1);
      lookups = undefined;
      historyNote.textContent = `${items.length} decided claim${items.length === 1 ? "" : "s"} from the server's log, oldest first.`;
    } catch (err) {
      historyNote.textContent = inWords(err, "Reading the decision log");
    }
  })());

  const tryIt: TryIt = {
    reset() {
      last = undefined;
      lookups = undefined;
      compare = undefined;
      history.value = "";
      historyNote.textContent = "";
      evaluator = undefined;
      addCase.disabled = true;
      clear(result);
      say(status, "");
    },
    load(request, decisionDate, ctx = {}) {
      model.setValue(JSON.stringify(request, null, 2));
      date.value = decisionDate ?? "";
      history.value = ctx.history?.length ? JSON.stringify(ctx.history, null, 1) : "";
      lookups = ctx.lookups;
      compare = ctx.compare;
      historyNote.textContent = ctx.lookups ? `Decided with what duplicateOf told the server then (${Object.keys(ctx.lookups).length} lookup${Object.keys(ctx.lookups).length === 1 ? "" : "s"}); edit the list to decide with other earlier claims.` : "";
    },
    async evaluate() {
      let request: unknown;
      try {
        request = JSON.parse(model.getValue());
      } catch (e) {
        say(status, `The request is not valid JSON: ${(e as Error).message}`, "error");
        return;
      }
      const analysis = await app.ws.analysis?.settled();
      const policy = analysis?.compiled;
      if (!policy) {
        clear(result);
        say(status, "The draft has errors, so it cannot decide anything yet: fix the problems listed under the editor.", "error");
        return;
      }
      if (evaluator?.hash !== policy.hash) evaluator = createEvaluator(policy);
      historyBox.hidden = !detectsDuplicates(policy);
      let earlier: unknown[] = [];
      if (!historyBox.hidden && history.value.trim()) {
        try {
          const v: unknown = JSON.parse(history.value);
          if (!Array.isArray(v)) throw new Error("it must be a list: [ {…}, {…} ]");
          earlier = v;
        } catch (e) {
          say(status, `The earlier claims are not a JSON list: ${(e as Error).message}`, "error");
          return;
        }
      }
      let offline: string | undefined;
      const issues = evaluator.validate(request);
      if (issues.length) {
        clear(result, h("ul", { class: "issues" }, issues.map((i) => h("li", {}, h("code", {}, i.path), ` ${i.message}`))));
        say(status, `The request does not fit the ${policy.program} request schema (${issues.length} problem${issues.length === 1 ? "" : "s"}).`, "error");
        addCase.disabled = true;
        return;
      }
      const decisionDate = date.value || undefined;
      if (!historyBox.hidden && !earlier.length && !lookups) {
        // Only the server knows the claims accepted before: ask it, under this very draft.
        const source = app.ws.model?.getValue() ?? "";
        say(status, "Asking the server (a dry run against its decision log)…");
        try {
          const answer = await api.dryRun(policy.program, { source, request: request as Record<string, unknown>, ...(decisionDate ? { decisionDate } : {}), explain: true });
          const found = Object.values(answer.lookups ?? {}).filter((v) => v !== null);
          last = { policy, request, decision: answer, found };
          addCase.disabled = false;
          say(status, `Decided by the server under the draft: ${answer.outcome}${found.length ? ` (an earlier claim in its log: ${found.join(", ")})` : " (no earlier claim in its log matches)"}. A dry run: nothing was logged.`, "ok");
          clear(result, renderDecision(app, policy, answer, { label: "try-it" }));
          return;
        } catch (err) {
          if (!(err instanceof AppError) || err.status === 400 || err.status === 422) {
            clear(result);
            say(status, inWords(err, "Deciding on the server"), "error");
            return;
          }
          offline = inWords(err, "Asking the server");
        }
      }
      // The same context the tests and the server use: earlier claims decided first, or the logged lookups.
      const decide = (ev: Evaluator, p: CompiledPolicy): Decision => ev.evaluate(request, lookups && !earlier.length
        ? { explain: true, ...(decisionDate ? { decisionDate } : {}), findAccepted: (key: string) => lookups?.[key] ?? undefined }
        : caseContext(ev, manifestOf(app, p), { name: "try-it", request, history: earlier, want: { outcome: "" }, ...(decisionDate ? { decisionDate } : {}) }, true));
      const decision = decide(evaluator, policy);
      last = { policy, request, decision };
      addCase.disabled = false;
      const whatIf = counterfactualSection(app, { program: policy.program, policy: { source: app.ws.model?.getValue() ?? "" }, request, ...(decisionDate ? { decisionDate } : {}), label: "try-it" });
      if (compare) {
        // Both decisions side by side, the conditions whose results differ marked on each side.
        const before = decide(createEvaluator(compare.policy), compare.policy);
        const differs = differingConditions(before, decision);
        say(status, `Under ${compare.version}: ${before.outcome}; under the draft: ${decision.outcome}.`, "ok");
        clear(result,
          h("div", { class: "side-by-side", id: "try-compare" },
            h("div", { class: "side", "data-side": "baseline" }, h("h4", {}, `Under ${compare.version} (published)`), renderDecision(app, compare.policy, before, { differing: differs.a, label: compare.version })),
            h("div", { class: "side", "data-side": "draft" }, h("h4", {}, "Under the draft"), renderDecision(app, policy, decision, { differing: differs.b, label: "try-it" })),
          ),
        );
        return;
      }
      say(status, offline
        ? `Decided in the browser by the draft: ${decision.outcome}. ${offline} Without the server's decision log, duplicates of claims decided before are not found: list earlier claims above to include them.`
        : `Decided by the draft: ${decision.outcome}.`, offline ? "error" : "ok");
      // Above the rule-by-rule explanation, which can be long: the question comes right after the outcome.
      const shown = renderDecision(app, policy, decision, { label: "try-it" });
      shown.querySelector(".outcome-line")?.after(whatIf);
      clear(result, shown);
    },
    setPolicy(policy) {
      historyBox.hidden = !policy || !detectsDuplicates(policy);
    },
    setSchema(schema) {
      jsonDefaults.setDiagnosticsOptions({
        validate: true,
        allowComments: false,
        enableSchemaRequest: false,
        schemaValidation: "error",
        schemas: schema ? [{ uri: "inmemory://schema/request.json", fileMatch: [REQUEST_URI], schema }] : [],
      });
    },
    refreshExamples() {
      clear(examples,
        h("option", { value: "" }, app.testCases.length ? "a test case…" : "an empty request"),
        app.testCases.map((c, i) => h("option", { value: String(i) }, c.name)),
      );
    },
  };
  return tryIt;
}

function summarize(request: unknown): string {
  if (!request || typeof request !== "object") return "request";
  const r = request as Record<string, unknown>;
  const id = Object.entries(r).find(([k, v]) => /id$/i.test(k) && typeof v === "string");
  return id ? String(id[1]) : "request";
}
