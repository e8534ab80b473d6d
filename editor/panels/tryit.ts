/**
 * Try it: a request (JSON, checked against the program's request schema by Monaco's JSON language, with completion
 * of its fields) evaluated under the draft in the browser, with the decision and its explanation.
 */
import type { editor } from "monaco-editor/editor/editor.api";
import type { CompiledPolicy } from "../../dsl/index.js";
import { createEvaluator, type Decision, type Evaluator } from "../../engine/index.js";
import type { App } from "../app.js";
import { clear, h, say } from "../dom.js";
import { jsonDefaults, monaco } from "../monaco.js";
import { caseFromDecision } from "../test-cases.js";
import { renderDecision } from "./decision.js";

const REQUEST_URI = "inmemory://try/request.json";

export interface TryIt {
  /** Forgets the last decision (another program or version was opened). */
  reset(): void;
  load(request: unknown, decisionDate?: string): void;
  evaluate(): Promise<void>;
  setSchema(schema: object | undefined): void;
  refreshExamples(): void;
}

export function createTryIt(app: App, root: HTMLElement): TryIt {
  const model = monaco.editor.createModel("{\n}\n", "json", monaco.Uri.parse(REQUEST_URI));
  const host = h("div", { class: "json-host", id: "try-request" });
  const examples = h("select", { id: "try-example" });
  const date = h("input", { id: "try-date", type: "date" });
  const status = h("p", { class: "status", role: "status", "aria-live": "polite", hidden: true });
  const result = h("div", { class: "result", id: "try-result", "aria-live": "polite" });
  let last: { policy: CompiledPolicy; request: unknown; decision: Decision } | undefined;
  let evaluator: Evaluator | undefined;

  const addCase = h("button", { type: "button", id: "try-add-case", disabled: true, onclick: () => {
    if (!last) return;
    const name = `${last.decision.outcome}: ${summarize(last.request)}`;
    app.addTestCase(caseFromDecision(name, last.request, last.decision, date.value || undefined));
    say(status, `Added “${name}” to the tests (see the Tests tab).`, "ok");
  } }, "Add as test case");

  root.append(
    h("p", { class: "intro" }, "Evaluate a request under the draft, here in the browser. Nothing is sent to the server."),
    h("div", { class: "row" },
      h("label", { for: "try-example" }, "Start from "), examples,
    ),
    h("label", { id: "try-request-label", class: "block" }, "Request (JSON)"),
    host,
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
    if (c) tryIt.load(c.request, c.decisionDate ? String(c.decisionDate) : undefined);
  });

  const tryIt: TryIt = {
    reset() {
      last = undefined;
      evaluator = undefined;
      addCase.disabled = true;
      clear(result);
      say(status, "");
    },
    load(request, decisionDate) {
      model.setValue(JSON.stringify(request, null, 2));
      date.value = decisionDate ?? "";
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
      const issues = evaluator.validate(request);
      if (issues.length) {
        clear(result, h("ul", { class: "issues" }, issues.map((i) => h("li", {}, h("code", {}, i.path), ` ${i.message}`))));
        say(status, `The request does not fit the ${policy.program} request schema (${issues.length} problem${issues.length === 1 ? "" : "s"}).`, "error");
        addCase.disabled = true;
        return;
      }
      const decision = evaluator.evaluate(request, { explain: true, ...(date.value ? { decisionDate: date.value } : {}) });
      last = { policy, request, decision };
      addCase.disabled = false;
      say(status, `Decided by the draft: ${decision.outcome}.`, "ok");
      clear(result, renderDecision(app, policy, decision));
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
