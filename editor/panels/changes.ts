/**
 * Changes: the draft against a published version (by default the one it replaces: baseline.ts), as Monaco's diff
 * editor and as a list in words of the rules (and parameters, tables …) added, removed and changed; then the
 * verified differences (the solver, editor/verified-diff.ts): every kind of request decided differently, each with a
 * proven example openable in try-it. The solver runs when the author pauses, not per keystroke.
 */
import type { App } from "../app.js";
import { baselineOption, defaultBaseline } from "../baseline.js";
import { compareCompiled } from "../changes.js";
import { clear, h, say } from "../dom.js";
import { autoAnalyze, PAUSE_MS } from "../solver.js";
import { showVerifiedDiff } from "../verified-diff.js";

export interface ChangesPanel {
  render(): void;
  /** `pause`: the draft just changed, so the solver waits for the author to pause. */
  refresh(pause?: boolean): Promise<void>;
}

export function createChangesPanel(app: App, root: HTMLElement): ChangesPanel {
  const base = h("select", { id: "changes-base" });
  const toggle = h("button", { type: "button", id: "changes-diff", "aria-pressed": "false" }, "Show the diff");
  const status = h("p", { class: "status", role: "status", "aria-live": "polite" });
  const list = h("ul", { class: "changes", id: "changes-list" });
  const verdict = h("p", { class: "status", id: "changes-verdict", role: "status", "aria-live": "polite", hidden: true });
  const verified = h("ul", { class: "changes verified", id: "changes-verified" });
  const verify = h("button", { type: "button", id: "changes-verify", hidden: true }, "Verify with the solver");
  let verifyTimer: ReturnType<typeof setTimeout> | undefined;
  let verifying = 0;
  let shownFor: string | undefined;
  root.append(
    h("p", { class: "intro" }, "What the draft changes compared with a published version."),
    h("div", { class: "row" }, h("label", { for: "changes-base" }, "Compare with "), base, toggle),
    status,
    list,
    h("h3", {}, "Verified differences (the solver)"),
    h("p", { class: "muted" }, "Every kind of request the draft decides differently, proved by the solver, each with an example both evaluators confirmed."),
    verify,
    verdict,
    verified,
  );

  const setPressed = (on: boolean): void => {
    toggle.setAttribute("aria-pressed", String(on));
    toggle.textContent = on ? "Back to the editor" : "Show the diff";
  };
  toggle.addEventListener("click", () => {
    if (!app.route) return;
    if (app.ws.diffShown) app.ws.closeDiff();
    else app.ws.showDiff(app.route.program, base.value);
    setPressed(app.ws.diffShown);
  });
  base.addEventListener("change", () => {
    if (app.ws.diffShown && app.route) app.ws.showDiff(app.route.program, base.value);
    void panel.refresh();
  });

  /** The solver's part: right away when asked, after a pause when the draft just changed, or on its button. */
  function scheduleVerify(mine: number, pause: boolean): void {
    if (mine !== verifying) return;
    const baseline = base.value;
    const text = app.ws.model?.getValue() ?? "";
    const current = (): boolean => mine === verifying && !root.hidden && app.ws.model?.getValue() === text && base.value === baseline;
    const run = (): void => {
      shownFor = text;
      void showVerifiedDiff(app, baseline, text, verdict, verified, current);
    };
    verify.hidden = autoAnalyze.get();
    verify.onclick = run;
    if (!autoAnalyze.get()) {
      if (text !== shownFor) {
        clear(verified);
        say(verdict, "");
      }
      return;
    }
    const changed = pause && text !== shownFor;
    if (changed && verdict.dataset.verdict !== "running") {
      say(verdict, "The draft changed: the solver compares it again when you pause.", "info");
      verdict.dataset.verdict = "waiting";
      clear(verified);
    }
    verifyTimer = setTimeout(run, changed ? PAUSE_MS : 0);
  }

  const panel: ChangesPanel = {
    render() {
      const program = app.programs.find((p) => p.program === app.route?.program);
      const versions = program?.versions ?? [];
      const preferred = defaultBaseline(app);
      clear(base, [...versions].reverse().map((v) => h("option", { value: v.version, selected: v.version === preferred?.version }, baselineOption(v.version, v.title, preferred))));
      setPressed(app.ws.diffShown);
      clear(list);
      clear(verified);
      say(status, "");
      say(verdict, "");
    },
    async refresh(pause = false) {
      if (!app.route || !base.value) return;
      clearTimeout(verifyTimer);
      const mine = ++verifying;
      const [analysis, published] = await Promise.all([app.ws.analysis?.settled(), app.detail(app.route.program, base.value, true)]);
      if (!analysis?.compiled || !published.compiled) {
        clear(list);
        say(status, "The draft has errors: fix them to see which rules it changes (the diff still works).", "error");
        clear(verified);
        say(verdict, "");
        return;
      }
      const changes = compareCompiled(published.compiled, analysis.compiled);
      say(status, changes.length ? `${changes.length} change${changes.length === 1 ? "" : "s"} from ${base.value}.` : `No change in what the policy decides, compared with ${base.value}.`, "info");
      clear(list, changes.map((c) =>
        h("li", { class: `change ${c.kind}` },
          h("span", { class: `tag ${c.kind}` }, c.kind), " ",
          h("span", {}, `${c.what} `),
          c.line ? h("button", { type: "button", class: "linklike", onclick: () => app.ws.revealLine(c.line!) }, h("code", {}, c.name)) : h("code", {}, c.name),
          h("div", { class: "change-text" }, c.text),
        ),
      ));
      scheduleVerify(mine, pause);
    },
  };
  app.ws.onResult(() => {
    if (!root.hidden) void panel.refresh(true);
  });
  return panel;
}
