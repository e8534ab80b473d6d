/**
 * Publish: the version id, effective date and change note go into the draft's envelope (the author sees the edit,
 * and can undo it), then the draft goes to the server with the author key and the tests panel's cases. The
 * server's answers are put in words:
 * 201 lists the new version, 409 says the id is taken, 422 places the server's diagnostics in the editor.
 */
import type { Diagnostic } from "../../dsl/index.js";
import { ApiError, api, apiKey, inWords } from "../api.js";
import type { App } from "../app.js";
import { clear, h, say } from "../dom.js";
import { readEnvelope, setEnvelopeFields } from "../drafts.js";
import { setMarkers, SERVER_MARKER_OWNER } from "../markers.js";
import { monaco } from "../monaco.js";
import { casesToSave } from "../test-cases.js";

export interface PublishPanel {
  render(): void;
}

const str = (v: unknown): string => (v === undefined || v === null ? "" : String(v));

export function createPublishPanel(app: App, root: HTMLElement): PublishPanel {
  const version = h("input", { id: "publish-version", required: true, autocomplete: "off", spellcheck: false });
  const effective = h("input", { id: "publish-effective", type: "date", required: true });
  const change = h("textarea", { id: "publish-change", rows: 3, required: true });
  const key = h("input", { id: "publish-key", type: "password", autocomplete: "off", placeholder: "the API key above, if empty" });
  const status = h("div", { class: "status", id: "publish-status", role: "status", "aria-live": "polite", hidden: true });
  const details = h("ul", { class: "issues", id: "publish-diagnostics" });
  const form = h("form", { class: "form", id: "publish-form", novalidate: true },
    h("label", { for: "publish-version" }, "Version id"), version,
    h("label", { for: "publish-effective" }, "Effective from"), effective,
    h("label", { for: "publish-change" }, "Change note (what changes and why)"), change,
    h("label", { for: "publish-key" }, "Author key"), key,
    h("button", { type: "submit", class: "primary", id: "publish-submit" }, "Publish"),
  );
  root.append(
    h("p", { class: "intro" }, "Publishing makes the draft a new, immutable version on the server. The version id, date and note are written into the draft's envelope first."),
    form,
    status,
    details,
  );

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void publish();
  });

  // The success message outlives the navigation to the new version that follows it.
  let keepStatus = false;

  async function publish(): Promise<void> {
    const model = app.ws.model;
    if (!model || !app.route) return;
    clear(details);
    say(status, "Checking the draft…", "info");
    const missing = [[version, "a version id"], [effective, "an effective date"], [change, "a change note"]].filter(([el]) => !(el as HTMLInputElement).value.trim());
    if (missing.length) {
      say(status, `Give ${missing.map(([, w]) => w).join(", ")} before publishing.`, "error");
      (missing[0]![0] as HTMLElement).focus();
      return;
    }
    const text = setEnvelopeFields(model.getValue(), { version: version.value.trim(), effective: effective.value, change: change.value.trim().replace(/\s+/g, " ") });
    if (text !== model.getValue()) {
      model.pushEditOperations([], [{ range: model.getFullModelRange(), text }], () => null);
    }
    const analysis = await app.ws.analysis?.settled();
    const program = str(readEnvelope(text)?.program) || app.route.program;
    const errors = analysis?.diagnostics.filter((d) => d.severity === "error").length ?? 0;
    say(status, errors ? `Sending… (the draft has ${errors} error${errors === 1 ? "" : "s"}: the server will most likely refuse it)` : "Sending…", "info");
    try {
      // The cases in the tests panel are published with the version, so it has its own from the start.
      const published = await api.publish(program, text, key.value || apiKey.get(), casesToSave(app.testCases));
      const n = app.testCases.length;
      say(status, `Published ${program} ${published.version}, in force from ${published.effective}${n ? `, with ${n} test case${n === 1 ? "" : "s"}` : ""}.`, "ok");
      app.discardDraft();
      keepStatus = true;
      await app.reloadPrograms();
      app.navigate({ program, version: published.version, fresh: false });
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        say(status, `Not published: version ${err.details?.version ?? version.value} of ${program} already exists, and published versions never change. Choose another version id.`, "error");
        version.focus();
      } else if (err instanceof ApiError && (err.code === "test-cases-invalid" || err.code === "invalid-body")) {
        // The policy is fine; a test case published with it is not (say which, by its place in the tests panel).
        const issues: { path: string; message: string }[] = err.details?.errors ?? [];
        say(status, `Not published: ${err.message}. Fix the case in the tests panel, or remove it, and publish again.`, "error");
        clear(details, issues.map((i) => {
          const n = Number(/^\/tests\/(\d+)/.exec(i.path)?.[1]);
          const name = Number.isInteger(n) ? app.testCases[n]?.name : undefined;
          return h("li", {}, `${name ? `“${name}”` : i.path}: ${i.path.replace(/^\/tests\/\d+/, "") || "the case"} ${i.message}`);
        }));
      } else if (err instanceof ApiError && err.status === 422) {
        const diagnostics: Diagnostic[] = err.details?.diagnostics ?? [];
        const errs = diagnostics.filter((d) => d.severity === "error");
        setMarkers(monaco, model, SERVER_MARKER_OWNER, diagnostics);
        say(status, `Not published: the server found ${errs.length} error${errs.length === 1 ? "" : "s"} in the policy (${err.message}). They are marked in the editor.`, "error");
        clear(details, errs.map((d) => h("li", {}, h("button", { type: "button", class: "linklike", onclick: () => app.ws.revealLine(d.start.line, d.start.column) }, `line ${d.start.line}`), `: ${d.message}${d.help ? ` (help: ${d.help})` : ""}`)));
      } else {
        say(status, `Not published. ${inWords(err, "Publishing")}`, "error");
      }
    }
  }

  return {
    render() {
      const env = app.ws.model ? readEnvelope(app.ws.model.getValue()) : undefined;
      version.value = str(env?.version);
      effective.value = /^\d{4}-\d{2}-\d{2}$/.test(str(env?.effective)) ? str(env?.effective) : "";
      change.value = str(env?.change);
      if (!keepStatus) say(status, "");
      keepStatus = false;
      clear(details);
    },
  };
}
