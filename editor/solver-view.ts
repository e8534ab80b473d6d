/**
 * The solver's findings as text under the Problems list (for keyboard and screen-reader users, as the Problems list
 * is for the compiler's diagnostics): a status line, the "Analyze" button, the "by itself" switch, and each
 * finding with its line, its help and, when it has one, its proven example, openable in try-it.
 */
import type { IDisposable } from "monaco-editor/editor/editor.api";
import type { Finding } from "../engine/analysis/analyze.js";
import { byId, clear, h, say } from "./dom.js";
import { autoAnalyze, type Solver } from "./solver.js";

export interface SolverViewActions {
  revealLine(line: number, column: number): void;
  tryExample(request: unknown, decisionDate: string): void;
}

const kind = (f: Finding): string => (f.severity === "info" ? "note" : f.severity);

export function attachSolverView(solver: Solver, actions: SolverViewActions): IDisposable {
  const status = byId("solver-status");
  const list = byId("solver-findings");
  const run = byId<HTMLButtonElement>("solver-run");
  const auto = byId<HTMLInputElement>("solver-auto");
  auto.checked = autoAnalyze.get();
  const onRun = (): void => void solver.run();
  const onAuto = (): void => autoAnalyze.set(auto.checked);
  run.addEventListener("click", onRun);
  auto.addEventListener("change", onAuto);
  const sub = solver.onChange((s) => {
    say(status, s.message, s.state === "failed" ? "error" : s.state === "done" ? "ok" : "info");
    status.dataset.state = s.state;
    run.disabled = s.state === "running";
    clear(list, s.findings.map((f) =>
      h("li", { class: `finding ${kind(f)}`, "data-code": f.code },
        h("button", { type: "button", class: "linklike", onclick: () => actions.revealLine(f.start.line, f.start.column) },
          h("span", { class: "sev" }, kind(f)), ` line ${f.start.line}: ${f.message}`),
        f.help ? h("span", { class: "help" }, ` (help: ${f.help})`) : "",
        f.example
          ? h("button", { type: "button", class: "linklike finding-try", onclick: () => actions.tryExample(f.example!.request, f.example!.decisionDate) }, " Open the example in try-it")
          : "",
      ),
    ));
  });
  return {
    dispose() {
      sub.dispose();
      run.removeEventListener("click", onRun);
      auto.removeEventListener("change", onAuto);
      clear(list);
      say(status, "");
    },
  };
}
