/**
 * Publish, reviewed (server/publish-review.ts): the author submits the draft for review (the version id,
 * effective date and change note go into the draft's envelope first, where the author sees the edit and can undo
 * it); a second author approves it, and only then is it published. The server refuses failing test cases and, unless
 * the submitter says it is meant and the approver confirms the number of logged decisions it moves, a past
 * effective date; its reasons are shown as it gives them. With no keys configured the one person at the machine may
 * approve their own draft, and the panel says so.
 * The version opened is described (who submitted, who approved, when, the change note) and can be withdrawn.
 * Before anything is sent, the form shows the solver's verdict on the draft against the version it replaces
 * (editor/verified-diff.ts); each waiting review can be verified the same way before it is approved.
 */
import type { Diagnostic } from "../../dsl/index.js";
import { AppError, api, apiKey, inWords, type Person, type PublishChecks, type Review, type VersionDetail } from "../api.js";
import { routeKey, type App } from "../app.js";
import { clear, h, say } from "../dom.js";
import { drafts, nextVersionId, readEnvelope, setEnvelopeFields } from "../drafts.js";
import { setMarkers, SERVER_MARKER_OWNER } from "../markers.js";
import { monaco } from "../monaco.js";
import { casesToSave } from "../test-cases.js";
import { baselineOfSource, defaultBaseline } from "../baseline.js";
import { showVerifiedDiff } from "../verified-diff.js";
import { autoAnalyze } from "../solver.js";

export interface PublishPanel {
  render(): void;
  /** Reads the reviews waiting for this program (the panel is shown). */
  refresh(): Promise<void>;
}

const str = (v: unknown): string => (v === undefined || v === null ? "" : String(v));
const today = (): string => new Date().toISOString().slice(0, 10);
const who = (p: Person): string => (p.name ? `${p.name} (${p.id})` : p.id);
const when = (iso: string): string => iso.slice(0, 16).replace("T", " ");

function checksInWords(c: PublishChecks | undefined): string[] {
  if (!c) return [];
  const out: string[] = [];
  out.push(c.tests.count === 0 ? "No test case to run." : c.failing.length ? `${c.failing.length} of ${c.tests.count} test cases fail.` : `All ${c.tests.count} test cases pass${c.tests.from && c.tests.from !== "sent" ? ` (those of ${c.tests.from})` : ""}.`);
  if (c.retroactive) out.push(`The effective date ${c.retroactive.effective} lies before today (${c.retroactive.today}): ${c.retroactive.decisions} logged decision${c.retroactive.decisions === 1 ? "" : "s"} would be under this version instead of the one that made ${c.retroactive.decisions === 1 ? "it" : "them"}.`);
  return out;
}

export function createPublishPanel(app: App, root: HTMLElement): PublishPanel {
  const version = h("input", { id: "publish-version", required: true, autocomplete: "off", spellcheck: false });
  const effective = h("input", { id: "publish-effective", type: "date", required: true });
  const change = h("textarea", { id: "publish-change", rows: 3, required: true });
  const retro = h("input", { id: "publish-retroactive", type: "checkbox" });
  const retroRow = h("div", { class: "row", id: "publish-retroactive-row", hidden: true }, retro, h("label", { for: "publish-retroactive" }, "The effective date lies in the past, and that is meant (an approver confirms it)"));
  const name = h("input", { id: "publish-name", autocomplete: "name", placeholder: "shown with the version" });
  const key = h("input", { id: "publish-key", type: "password", autocomplete: "off", placeholder: "the API key above, if empty" });
  const selfNote = h("p", { class: "status", id: "publish-self", "data-tone": "info", hidden: true },
    "No API keys are configured on this server (it answers this machine only), so you may approve your own draft. With keys, a second author approves it.");
  const status = h("div", { class: "status", id: "publish-status", role: "status", "aria-live": "polite", hidden: true });
  const details = h("ul", { class: "issues", id: "publish-diagnostics" });
  const verdict = h("p", { class: "status", id: "publish-verdict", role: "status", "aria-live": "polite", hidden: true });
  const verifyNow = h("button", { type: "button", id: "publish-verify", hidden: true, onclick: () => void verify() }, "Verify the change with the solver");
  const verdictBox = h("div", { id: "publish-verdict-box" }, h("h4", {}, "What the draft changes, verified"), verifyNow, verdict,
    h("button", { type: "button", class: "linklike", id: "publish-verdict-changes", onclick: () => app.selectTab("tab-changes") }, "See every difference with its example (Changes)"));
  let verifying = 0;
  /** The solver's verdict on the draft against the version it replaces, refreshed when the panel is shown. */
  const verify = async (): Promise<void> => {
    const baseline = defaultBaseline(app);
    const text = app.ws.model?.getValue();
    const mine = ++verifying;
    if (!baseline || text === undefined) return;
    const analysis = await app.ws.analysis?.settled();
    if (mine !== verifying) return;
    if (!analysis?.compiled) {
      say(verdict, "The draft has errors: the solver compares it with the version it replaces once they are fixed.", "error");
      verdict.dataset.verdict = "error";
      return;
    }
    await showVerifiedDiff(app, baseline.version, text, verdict, undefined, () => mine === verifying && app.ws.model?.getValue() === text);
  };
  const form = h("form", { class: "form", id: "publish-form", novalidate: true },
    h("label", { for: "publish-version" }, "Version id"), version,
    h("label", { for: "publish-effective" }, "Effective from"), effective,
    retroRow,
    h("label", { for: "publish-change" }, "Change note (what changes and why)"), change,
    h("label", { for: "publish-name" }, "Your name"), name,
    h("label", { for: "publish-key" }, "Author key"), key,
    verdictBox,
    h("button", { type: "submit", class: "primary", id: "publish-submit" }, "Submit for review"),
  );
  const approveKey = h("input", { id: "approve-key", type: "password", autocomplete: "off", placeholder: "the API key above, if empty" });
  const approveName = h("input", { id: "approve-name", autocomplete: "name" });
  const reviewsStatus = h("p", { class: "status", id: "reviews-status", role: "status", "aria-live": "polite", hidden: true });
  const reviewsList = h("ol", { class: "cases", id: "reviews-list" });
  const info = h("section", { id: "version-info", "aria-labelledby": "version-info-title" });
  root.append(
    h("p", { class: "intro" }, "Publishing takes two people: submit the draft for review, and another author approves it; only then is it a published, immutable version. The version id, date and note are written into the draft's envelope first."),
    selfNote,
    form,
    status,
    details,
    h("section", { "aria-labelledby": "reviews-title" },
      h("h3", { id: "reviews-title" }, "Waiting for review"),
      h("div", { class: "row small" }, h("label", { for: "approve-name" }, "Approver's name"), approveName, h("label", { for: "approve-key" }, "Approver's key"), approveKey),
      reviewsStatus,
      reviewsList,
    ),
    info,
  );

  const updateRetro = (): void => {
    retroRow.hidden = !(effective.value && effective.value < today());
  };
  effective.addEventListener("input", updateRetro);
  effective.addEventListener("change", updateRetro);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void submit();
  });

  // The success message outlives the navigation to the new version that follows it.
  let keepStatus = false;
  /** Drafts submitted from this page, by review id: forgotten once published. */
  const submittedFrom = new Map<string, string>();

  async function submit(): Promise<void> {
    const model = app.ws.model;
    if (!model || !app.route) return;
    clear(details);
    say(status, "Checking the draft…", "info");
    const missing = [[version, "a version id"], [effective, "an effective date"], [change, "a change note"]].filter(([el]) => !(el as HTMLInputElement).value.trim());
    if (missing.length) {
      say(status, `Give ${missing.map(([, w]) => w).join(", ")} before submitting.`, "error");
      (missing[0]![0] as HTMLElement).focus();
      return;
    }
    // Checked before it is written into the draft (the envelope schema's pattern, said in words).
    if (!/^[0-9A-Za-z][0-9A-Za-z.-]*$/.test(version.value.trim())) {
      say(status, `“${version.value.trim()}” cannot be a version id: use letters, digits, dots and dashes, starting with a letter or digit, such as ${nextVersionId(app.route.version, [])}. The draft was not changed.`, "error");
      version.focus();
      return;
    }
    const note = change.value.trim().replace(/\s+/g, " ");
    const text = setEnvelopeFields(model.getValue(), { version: version.value.trim(), effective: effective.value, change: note });
    if (text !== model.getValue()) {
      model.pushEditOperations([], [{ range: model.getFullModelRange(), text }], () => null);
    }
    const analysis = await app.ws.analysis?.settled();
    const program = str(readEnvelope(text)?.program) || app.route.program;
    const errors = analysis?.diagnostics.filter((d) => d.severity === "error").length ?? 0;
    say(status, errors ? `Sending… (the draft has ${errors} error${errors === 1 ? "" : "s"}: the server will most likely refuse it)` : "Sending…", "info");
    try {
      // The cases in the tests panel go with the version, so it has its own from the start.
      const sent = await api.submitReview(program, {
        source: text, note, tests: casesToSave(app.testCases), ...(retro.checked && !retroRow.hidden ? { retroactive: true } : {}), ...(name.value.trim() ? { name: name.value.trim() } : {}),
      }, key.value || apiKey.get());
      submittedFrom.set(sent.review.id, routeKey(app.route));
      const blocking = sent.checks.failing.length > 0 || (sent.checks.retroactive !== undefined && !sent.review.retroactive);
      say(status, `Submitted ${program} ${sent.review.version} for review. ${checksInWords(sent.checks).join(" ")}${blocking ? " As it stands it cannot be approved: fix what is listed and submit again." : sent.selfApproval ? " You may approve it yourself below." : " Another author approves it below, with their own key."}`, blocking ? "error" : "ok");
      clear(details, sent.checks.failing.map((f) => h("li", {}, `“${f.name}”: ${f.problems.join("; ")}`)));
      await panel.refresh();
    } catch (err) {
      if (err instanceof AppError && err.status === 409) {
        say(status, `Not submitted: version ${(err.details as { version?: string } | undefined)?.version ?? version.value} of ${program} already exists, and published versions never change. Choose another version id.`, "error");
        version.focus();
      } else if (err instanceof AppError && (err.code === "test-cases-invalid" || err.code === "invalid-body")) {
        const issues: { path: string; message: string }[] = (err.details as { errors?: { path: string; message: string }[] } | undefined)?.errors ?? [];
        say(status, `Not submitted: ${err.message}. Fix the case in the tests panel, or remove it, and submit again.`, "error");
        clear(details, issues.map((i) => {
          const n = Number(/^\/tests\/(\d+)/.exec(i.path)?.[1]);
          const caseName = Number.isInteger(n) ? app.testCases[n]?.name : undefined;
          return h("li", {}, `${caseName ? `“${caseName}”` : i.path}: ${i.path.replace(/^\/tests\/\d+/, "") || "the case"} ${i.message}`);
        }));
      } else if (err instanceof AppError && err.status === 422) {
        const diagnostics: Diagnostic[] = (err.details as { diagnostics?: Diagnostic[] } | undefined)?.diagnostics ?? [];
        const errs = diagnostics.filter((d) => d.severity === "error");
        setMarkers(monaco, model, SERVER_MARKER_OWNER, diagnostics);
        say(status, `Not submitted: the server found ${errs.length} error${errs.length === 1 ? "" : "s"} in the policy (${err.message}). They are marked in the editor.`, "error");
        clear(details, errs.map((d) => h("li", {}, h("button", { type: "button", class: "linklike", onclick: () => app.ws.revealLine(d.start.line, d.start.column) }, `line ${d.start.line}`), `: ${d.message}${d.help ? ` (help: ${d.help})` : ""}`)));
      } else {
        say(status, `Not submitted. ${inWords(err, "Submitting")}`, "error");
      }
    }
  }

  async function approve(r: Review, checks: PublishChecks | undefined, confirm: HTMLInputElement | undefined, out: HTMLElement): Promise<void> {
    const program = r.program;
    if (checks?.retroactive && r.retroactive && !confirm?.checked) {
      say(out, `Tick the confirmation first: ${checks.retroactive.decisions} logged decisions would change version.`, "error");
      confirm?.focus();
      return;
    }
    say(out, "Approving…", "info");
    try {
      const published = await api.approveReview(program, r.id, {
        ...(checks?.retroactive && r.retroactive ? { confirmRetroactive: checks.retroactive.decisions } : {}),
        ...(approveName.value.trim() ? { name: approveName.value.trim() } : {}),
      }, approveKey.value || apiKey.get());
      const from = submittedFrom.get(r.id);
      if (from) drafts.remove(from);
      if (app.route && from === routeKey(app.route)) app.discardDraft();
      say(status, `Published ${program} ${published.version}, in force from ${published.effective}${r.testCount ? `, with ${r.testCount} test case${r.testCount === 1 ? "" : "s"}` : ""}${published.review?.selfApproved ? " (approved by its author: no keys are configured)" : ""}.`, "ok");
      keepStatus = true;
      await app.reloadPrograms();
      app.navigate({ program, version: published.version, fresh: false });
    } catch (err) {
      if (err instanceof AppError && err.code === "publish-refused") {
        const reasons: { code: string; message: string }[] = (err.details as { reasons?: { code: string; message: string }[] } | undefined)?.reasons ?? [];
        say(out, `Not published: ${reasons.map((x) => x.message).join(" ")}`, "error");
      } else if (err instanceof AppError && err.code === "same-person") {
        say(out, "Not published: a draft is approved by a second author, not by the one who submitted it. Enter another author's key as the approver's key.", "error");
      } else say(out, `Not published. ${inWords(err, "Approving")}`, "error");
    }
  }

  async function reject(r: Review, out: HTMLElement, reason: HTMLInputElement): Promise<void> {
    if (!reason.value.trim()) {
      say(out, "Say why it goes back to its author.", "error");
      reason.focus();
      return;
    }
    try {
      await api.rejectReview(r.program, r.id, { reason: reason.value.trim(), ...(approveName.value.trim() ? { name: approveName.value.trim() } : {}) }, approveKey.value || apiKey.get());
      await panel.refresh();
    } catch (err) {
      say(out, inWords(err, "Sending it back"), "error");
    }
  }

  /** The solver's verdict on a waiting review, asked for by the approver (the solver takes seconds). */
  function reviewVerdict(source: string): HTMLElement {
    const baseline = baselineOfSource(app, source);
    // Not `.status`: the review's own status line is the one its approve and send-back answers go to.
    const out = h("p", { class: "verdict review-verdict", role: "status", "aria-live": "polite", hidden: true });
    const ask = h("button", { type: "button", class: "review-verify" }, `Verify the change against ${baseline ?? "the version it replaces"}`);
    ask.addEventListener("click", () => {
      if (baseline) void showVerifiedDiff(app, baseline, source, out, undefined, () => true);
    });
    return h("div", { class: "row" }, ask, out);
  }

  function reviewItem(r: Review, checks: PublishChecks | undefined, selfApproval: boolean): HTMLElement {
    const out = h("p", { class: "status", role: "status", "aria-live": "polite", hidden: true });
    const confirmId = `review-confirm-${r.id}`;
    const reasonId = `review-reason-${r.id}`;
    const confirm = checks?.retroactive && r.retroactive
      ? h("input", { type: "checkbox", id: confirmId, class: "review-confirm" })
      : undefined;
    const reason = h("input", { id: reasonId, class: "review-reason", autocomplete: "off" });
    return h("li", { class: "review", "data-review": r.id, "data-version": r.version },
      h("strong", {}, `${r.program} ${r.version}`), ` — ${r.note}`,
      h("div", { class: "muted" }, `Submitted by ${who(r.submittedBy)} on ${when(r.submittedAt)}${selfApproval ? "" : "; approved by another author"}.`),
      h("ul", { class: "review-checks" }, checksInWords(checks).map((t) => h("li", {}, t)), (checks?.failing ?? []).map((f) => h("li", { class: "issues" }, `“${f.name}”: ${f.problems.join("; ")}`))),
      confirm ? h("div", { class: "row" }, confirm, h("label", { for: confirmId }, `I confirm: ${checks!.retroactive!.decisions} logged decision${checks!.retroactive!.decisions === 1 ? "" : "s"} will be under ${r.version} from now on`)) : "",
      checks?.retroactive && !r.retroactive ? h("p", { class: "issues" }, "The submitter did not say the past date is meant: it cannot be approved as it is.") : "",
      r.source ? reviewVerdict(r.source) : "",
      h("div", { class: "row" },
        h("button", { type: "button", class: "primary review-approve", "aria-label": `Approve and publish ${r.program} ${r.version}`, onclick: () => void approve(r, checks, confirm, out) }, "Approve and publish"),
        h("label", { for: reasonId }, "Reason"), reason,
        h("button", { type: "button", class: "review-reject", "aria-label": `Send ${r.program} ${r.version} back to its author`, onclick: () => void reject(r, out, reason) }, "Send back"),
      ),
      out,
    );
  }

  function renderInfo(d: VersionDetail | undefined): void {
    const route = app.route;
    if (!route || route.fresh || !d) {
      clear(info);
      return;
    }
    const rv = d.review;
    const w = d.withdrawn;
    const reason = h("textarea", { id: "withdraw-reason", rows: 2 });
    const out = h("p", { class: "status", id: "withdraw-status", role: "status", "aria-live": "polite", hidden: true });
    const wkey = h("input", { id: "withdraw-key", type: "password", autocomplete: "off", placeholder: "the API key above, if empty" });
    const withdraw = async (): Promise<void> => {
      if (!reason.value.trim()) {
        say(out, "Say why the version is withdrawn: the reason is kept with it and given to every caller.", "error");
        reason.focus();
        return;
      }
      try {
        await api.withdraw(route.program, route.version, { reason: reason.value.trim(), ...(name.value.trim() ? { name: name.value.trim() } : {}) }, wkey.value || apiKey.get());
        await app.reloadPrograms();
        app.refreshVersion();
      } catch (err) {
        say(out, inWords(err, "Withdrawing"), "error");
      }
    };
    clear(info,
      h("h3", { id: "version-info-title" }, `${d.program} ${d.version}`),
      h("dl", { class: "attributes", id: "version-facts" },
        h("dt", {}, "status"), h("dd", { "data-status": d.status ?? "published" }, w ? `withdrawn on ${when(w.at)} by ${who(w.by)}: ${w.reason}` : (d.status ?? "published")),
        h("dt", {}, "in force"), h("dd", {}, `from ${d.effective}${d.end ? ` to ${d.end}` : ""}`),
        ...(rv ? [
          h("dt", {}, "change"), h("dd", {}, rv.note),
          h("dt", {}, "submitted"), h("dd", {}, `${who(rv.submittedBy)}, ${when(rv.submittedAt)}`),
          h("dt", {}, "approved"), h("dd", {}, `${who(rv.approvedBy)}, ${when(rv.approvedAt)}${rv.selfApproved ? " (by its author: no keys were configured)" : ""}`),
          ...(rv.retroactive ? [h("dt", {}, "retroactive"), h("dd", {}, `confirmed with ${rv.retroactive.confirmedDecisions} logged decisions moved`)] : []),
        ] : [h("dt", {}, "origin"), h("dd", {}, d.origin === "shipped" ? "shipped with the server (policies/)" : `published ${d.publishedAt ? when(d.publishedAt) : ""}`)]),
      ),
      w ? "" : h("form", { class: "form", id: "withdraw-form", onsubmit: (e: Event) => { e.preventDefault(); void withdraw(); } },
        h("label", { for: "withdraw-reason" }, `Withdraw ${d.version}: why`), reason,
        h("label", { for: "withdraw-key" }, "Author key to withdraw with"), wkey,
        h("button", { type: "submit", id: "withdraw-submit" }, `Withdraw ${d.version}`),
        h("p", { class: "muted" }, "A withdrawn version stays readable and its decisions explainable, but it is no longer in force, and evaluating under it answers 410 with your reason."),
      ),
      out,
    );
  }

  let loading = 0;
  const panel: PublishPanel = {
    render() {
      const route = app.route;
      const env = app.ws.model ? readEnvelope(app.ws.model.getValue()) : undefined;
      const program = app.programs.find((p) => p.program === route?.program);
      const taken = program?.versions.map((v) => v.version) ?? [];
      // A draft of a published version becomes a new version: offer the next free id, never the taken one.
      const id = str(env?.version);
      version.value = route && !route.fresh && taken.includes(id) ? nextVersionId(id, taken) : id;
      effective.value = /^\d{4}-\d{2}-\d{2}$/.test(str(env?.effective)) ? str(env?.effective) : "";
      change.value = route && !route.fresh && app.base?.change === str(env?.change) ? "" : str(env?.change);
      retro.checked = false;
      updateRetro();
      if (!keepStatus) say(status, "");
      keepStatus = false;
      clear(details);
      say(verdict, "");
      clear(reviewsList);
      say(reviewsStatus, "");
      renderInfo(app.base);
    },
    async refresh() {
      const route = app.route;
      if (!route) return;
      verifyNow.hidden = autoAnalyze.get();
      if (autoAnalyze.get()) void verify();
      const mine = ++loading;
      try {
        const { reviews, selfApproval } = await api.reviews(route.program);
        const pending = reviews.filter((r) => r.status === "pending");
        const full = await Promise.all(pending.map((r) => api.review(route.program, r.id).catch(() => ({ review: r, checks: undefined }))));
        if (mine !== loading) return;
        selfNote.hidden = !selfApproval;
        clear(reviewsList, full.map((x) => reviewItem(x.review, x.checks, selfApproval)));
        say(reviewsStatus, pending.length ? "" : `No draft of ${route.program} is waiting for review.`, "info");
      } catch (err) {
        if (mine === loading) say(reviewsStatus, inWords(err, "Reading the reviews"), "error");
      }
    },
  };
  return panel;
}
