/**
 * Tests: the draft against the policy's test cases, each passing or failing with its decision and explanation; any
 * case's request opens in the try-it panel. Cases added from there are saved on the server with the published
 * version being edited (author key), published with a new version (publish panel), or downloaded as tests.yaml.
 */
import { api, apiKey, inWords } from "../api.js";
import { manifestOf, type App } from "../app.js";
import { clear, h, say } from "../dom.js";
import { caseFromDecision, casesToSave, casesToYaml, runCases, type CaseResult } from "../test-cases.js";
import { renderDecision } from "./decision.js";

export interface TestsPanel {
  render(): void;
  run(): Promise<CaseResult[] | undefined>;
}

export function createTestsPanel(app: App, root: HTMLElement): TestsPanel {
  const summary = h("p", { class: "status", id: "tests-summary", role: "status", "aria-live": "polite" });
  const list = h("ol", { class: "cases", id: "tests-list" });
  const download = h("button", { type: "button", id: "tests-download", onclick: () => {
    if (!app.route) return;
    const blob = new Blob([casesToYaml(app.testCases)], { type: "text/yaml" });
    const a = h("a", { href: URL.createObjectURL(blob), download: `${app.route.version}.tests.yaml` });
    a.click();
    URL.revokeObjectURL(a.href);
  } }, "Download tests.yaml");
  const save = h("button", { type: "button", id: "tests-save", onclick: () => void saveCases() }, "Save tests");
  const key = h("input", { id: "tests-key", type: "password", autocomplete: "off", placeholder: "the API key above, if empty" });
  const saving = h("div", { class: "row small" }, h("label", { for: "tests-key" }, "Author key (to save)"), key, save);
  root.append(
    h("p", { class: "intro" }, "Runs the policy's test cases against the draft in the browser. Saving stores them with the published version (they can change; the version cannot)."),
    h("div", { class: "row" }, h("button", { type: "button", class: "primary", id: "tests-run", onclick: () => void panel.run() }, "Run tests"), download),
    saving,
    summary,
    list,
  );

  /** A failing case's expectation becomes what the draft decides (the author judged the new result right). */
  const accept = (i: number, decision: NonNullable<CaseResult["decision"]>): void => {
    const c = app.testCases[i];
    if (!c) return;
    const fresh = caseFromDecision(c.name, c.request, decision, c.decisionDate ? String(c.decisionDate) : undefined);
    app.testCases[i] = { ...c, want: fresh.want, added: true };
    void panel.run();
  };

  const renderCases = (results?: readonly CaseResult[]): void => {
    // Failing cases first, so that none hides among the passing ones.
    const order = app.testCases.map((_, i) => i);
    if (results) order.sort((a, b) => Number(results[a]?.passed ?? true) - Number(results[b]?.passed ?? true) || a - b);
    clear(list, order.map((i) => {
      const c = app.testCases[i]!;
      const r = results?.[i];
      const policy = app.ws.analysis?.latest?.compiled;
      return h("li", { class: r ? (r.passed ? "pass" : "fail") : "" },
        h("span", { class: "mark", "aria-label": r ? (r.passed ? "passed" : "failed") : "not run" }, r ? (r.passed ? "✓" : "✗") : "•"), " ",
        h("span", { class: "case-name" }, c.name), c.added ? h("span", { class: "tag" }, "added") : "",
        r && !r.passed ? h("ul", { class: "problems-list" }, r.problems.map((p) => h("li", {}, p))) : "",
        h("div", { class: "row small" },
          h("button", { type: "button", class: "linklike", "aria-label": `Open “${c.name}” in try-it`, onclick: () => app.tryRequest(c.request, c.decisionDate ? String(c.decisionDate) : undefined, c.history ? { history: c.history } : {}) }, "Open in try-it"),
          r && !r.passed && r.decision ? h("button", { type: "button", class: "linklike accept", "aria-label": `Accept the draft's decision as what “${c.name}” expects`, onclick: () => accept(i, r.decision!) }, "Accept the new result") : "",
        ),
        r?.decision && policy ? h("details", {}, h("summary", {}, `Decision: ${r.decision.outcome}`), renderDecision(app, policy, r.decision, { label: `“${c.name}”` })) : "",
      );
    }));
  };

  async function saveCases(): Promise<void> {
    const route = app.route;
    if (!route || route.fresh) return;
    save.disabled = true;
    say(summary, `Saving ${app.testCases.length} test cases with ${route.program} ${route.version}…`, "info");
    try {
      const saved = await api.saveTests(route.program, route.version, casesToSave(app.testCases), key.value || apiKey.get());
      app.testCases = saved.cases;
      const failing = saved.results.filter((r) => !r.passed).length;
      renderCases();
      say(summary, `Saved ${saved.cases.length} test cases with ${route.program} ${route.version}; under that version ${saved.results.length - failing} pass, ${failing} fail.`, failing ? "error" : "ok");
    } catch (err) {
      say(summary, `Not saved. ${inWords(err, "Saving the test cases")}`, "error");
    } finally {
      save.disabled = false;
    }
  }

  const panel: TestsPanel = {
    render() {
      say(summary, app.testCases.length ? `${app.testCases.length} test cases. Run them against the draft.` : "This version has no test cases. Add some from the try-it panel.");
      download.disabled = app.testCases.length === 0;
      // A new version's cases go to the server when it is published.
      saving.hidden = !app.route || Boolean(app.route.fresh);
      renderCases();
    },
    async run() {
      const analysis = await app.ws.analysis?.settled();
      if (!analysis?.compiled) {
        say(summary, "The draft has errors, so the tests cannot run: fix the problems listed under the editor.", "error");
        return undefined;
      }
      const results = runCases(analysis.compiled, manifestOf(app, analysis.compiled), app.testCases);
      const failed = results.filter((r) => !r.passed).length;
      say(summary, `${results.length - failed} passed, ${failed} failed.`, failed ? "error" : "ok");
      renderCases(results);
      return results;
    },
  };
  return panel;
}
