/**
 * The policy editor end to end: the built editor served by the real server, driven in Debian's chromium. One page
 * walks through what a policy author does, in order (the steps share the page's state, like a session). Screenshots
 * of the main views go to artifacts/editor/ (gitignored; CI keeps them as artifacts).
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARTIFACTS, chromiumAvailable, collectErrors, cursorAt, evalApp, lineOf, markers, ROOT, settled, startHarness, type Harness } from "./harness.js";

const AUTHOR = "author-key-0123456789";
const APPROVER = "author-key-approver-01";
const ANALYST = "analyst-key-0123456789";
const SERVICE = "service-key-0123456789";

// No skip when chromium is missing: scripts/test.sh installs it, and a browser suite that can quietly not run proves nothing.
describe("policy editor", () => {
  it("runs in Debian's chromium", () => expect(chromiumAvailable()).toBe(true));
  let h: Harness;
  let page: Page;
  let errors: string[];
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    h = await startHarness({ keys: `author:${AUTHOR},author:${APPROVER},analyst:${ANALYST},service:${SERVICE}` });
    page = await h.browser.newPage({ viewport: { width: 1400, height: 860 } });
    errors = collectErrors(page);
  });

  afterAll(async () => {
    await h?.close();
  });

  it("when the server needs a key, then the page asks for one, and with it opens the newest version of the first program", async () => {
    await page.goto(h.url);
    await page.locator("#banner:not([hidden])").waitFor();
    expect(await page.textContent("#banner")).toContain("needs an API key");
    await page.fill("#api-key", ANALYST);
    await page.press("#api-key", "Enter");
    await page.waitForFunction(() => window.ready === true);
    expect(new URL(page.url()).hash).toBe("#/ice-tar/2010.1");
    expect(await page.textContent("#file-title")).toContain("ice-tar 2010.1");
    expect(await page.textContent("#problem-count")).toBe("none");
    // Monarch colours: keywords, outcomes and rule ids get their own token classes.
    const line = await lineOf(page, "rule basic-lab");
    await cursorAt(page, line, 1);
    await shot("01-open");
    const tokens = await page.locator(".view-lines .view-line span span").evaluateAll((spans) => new Set(spans.map((s) => s.className)).size);
    expect(tokens).toBeGreaterThan(5);
  });

  it("the highlighter colours keywords, outcomes, rule ids, facts, functions and the YAML envelope (table-driven)", async () => {
    const text = '---\nprogram: ice-tar  # id\nversion: "2010.1"\n---\nrule tb-x-ray\n  when service.category in costly and days(a, b) > 3\n  then pend\n  reason "r"\nlet x = y is missing or not true\n';
    const lines = await page.evaluate((t) => {
      const src = t.split("\n");
      return (window.monaco.editor.tokenize(t, "precept") as { offset: number; type: string }[][]).map((toks, i) =>
        toks.map((tok, j) => [src[i]!.slice(tok.offset, toks[j + 1]?.offset ?? src[i]!.length), tok.type.replace(/\.precept$/, "")] as [string, string]).filter(([x]) => x.trim() !== ""),
      );
    }, text);
    const table: [number, [string, string][]][] = [
      [0, [["---", "meta.fence"]]],
      [1, [["program", "key.yaml"], [":", "delimiter"], ["ice-tar", "string.yaml"], ["# id", "comment"]]],
      [2, [["version", "key.yaml"], [":", "delimiter"], ['"2010.1"', "string.yaml"]]],
      [4, [["rule", "keyword.declaration"], ["tb-x-ray", "entity.name.rule"]]],
      [5, [["when", "keyword"], ["service.category", "identifier.fact"], ["in", "keyword"], ["costly", "identifier.fact"], ["and", "keyword"], ["days", "support.function"], ["(", "delimiter.parenthesis"], ["a", "identifier.fact"], [",", "delimiter"], ["b", "identifier.fact"], [")", "delimiter.parenthesis"], [">", "operator"], ["3", "number"]]],
      [6, [["then", "keyword"], ["pend", "constant.outcome"]]],
      [7, [["reason", "keyword"], ['"r"', "string"]]],
      [8, [["let", "keyword.declaration"], ["x", "identifier.fact"], ["=", "operator"], ["y", "identifier.fact"], ["is", "keyword"], ["missing", "keyword.presence"], ["or", "keyword"], ["not", "keyword"], ["true", "constant.language"]]],
    ];
    for (const [i, want] of table) expect(lines[i]!.map(([t, type]) => [t.trim(), type]), `line ${i + 1}`).toEqual(want);
  });

  it("when a deep link names a version, then that version opens", async () => {
    await page.goto(`${h.url}/#/ice-tar/2005.1`);
    await page.waitForFunction(() => window.precept?.route?.version === "2005.1" && window.precept.ws.model?.getValue().includes('version: "2005.1"'));
    expect(await page.inputValue("#version")).toBe("2005.1");
    await page.goto(`${h.url}/#/ice-tar/2010.1`);
    await page.waitForFunction(() => window.precept?.route?.version === "2010.1" && window.precept.ws.model?.getValue().includes('version: "2010.1"'));
    await settled(page);
  });

  it("when an error is typed, then a marker with its message appears at its line, and goes when it is fixed", async () => {
    const line = await lineOf(page, "when service.category in basicLabs");
    const column = (await evalApp<string>(page, `app.ws.model.getLineContent(${line})`)).length + 1;
    await cursorAt(page, line, column);
    await page.keyboard.type("x");
    await page.waitForFunction(() => window.monaco!.editor.getModelMarkers({ owner: "precept" }).length > 0);
    const [m] = await markers(page);
    expect(m?.startLineNumber).toBe(line);
    expect(m?.message).toContain("unknown name `basicLabsx`");
    expect(m?.message).toContain("help: did you mean `basicLabs`?");
    await page.locator(".squiggly-error").first().waitFor();
    expect(await page.textContent("#problems")).toContain(`line ${line}: unknown name \`basicLabsx\``);
    await shot("02-marker");
    await page.keyboard.press("Backspace");
    await page.waitForFunction(() => window.monaco!.editor.getModelMarkers({ owner: "precept" }).length === 0);
    expect(await page.textContent("#problem-count")).toBe("none");
  });

  it("when a fact path is being typed, then completion offers it with its type and Tab accepts it (Enter never does)", async () => {
    const line = await lineOf(page, "let onsiteApproved");
    await cursorAt(page, line, 1);
    await page.keyboard.press("Enter");
    await cursorAt(page, line, 1);
    await page.keyboard.type("let probe = service.est");
    const item = page.locator(".suggest-widget .monaco-list-row", { hasText: "service.estimatedCost" });
    await item.first().waitFor();
    await page.locator(".suggest-widget .monaco-list-row.focused", { hasText: "service.estimatedCost" }).waitFor();
    await shot("03-completion");
    await page.keyboard.press("Tab");
    expect(await evalApp(page, `app.ws.model.getLineContent(${line})`)).toBe("let probe = service.estimatedCost");
    await settled(page);
    expect(await markers(page)).toEqual([]);
    // After `then`, the outcomes.
    await page.keyboard.press("Enter");
    await page.keyboard.type("rule probe-rule when probe > 1 then ");
    await page.locator(".suggest-widget .monaco-list-row", { hasText: "not-required" }).first().waitFor();
    const labels = await page.locator(".suggest-widget .monaco-list-row .label-name").allTextContents();
    expect(labels.slice(0, 4)).toEqual(["not-required", "deny", "pend", "approve"]);
    await page.keyboard.press("Escape");
    // Leave the draft as published.
    await evalApp(page, "(app.ws.model.setValue(app.base.source), true)");
    await settled(page);
  });

  it("when the request breaks the request schema, then the JSON editor marks it and the evaluation lists the problem", async () => {
    const bad = { tarId: "T-0", service: { category: "lab-basic", estimatedCost: "cheap" } };
    await evalApp(page, `(monaco.editor.getModel(monaco.Uri.parse("inmemory://try/request.json")).setValue(${JSON.stringify(JSON.stringify(bad, null, 2))}), true)`);
    await page.waitForFunction(() => window.monaco.editor.getModelMarkers({ resource: window.monaco.Uri.parse("inmemory://try/request.json") }).length > 0, null, { timeout: 15_000 });
    // Ctrl+Enter in the request editor evaluates.
    await page.click("#try-request .view-lines");
    await page.keyboard.press("Control+Enter");
    await page.locator("#try-result .issues").waitFor();
    expect(await page.textContent("#try-result .issues")).toContain("/service/estimatedCost must be number");
  });

  it("when a request is evaluated, then the decision shows, and a reason leads to its rule's line", async () => {
    const request = { tarId: "T-1", alienNumber: "A12345678", dateOfService: "2010-03-03", service: { category: "lab-basic", estimatedCost: 120 } };
    await evalApp(page, `(monaco.editor.getModel(monaco.Uri.parse("inmemory://try/request.json")).setValue(${JSON.stringify(JSON.stringify(request, null, 2))}), true)`);
    await page.click("#try-evaluate");
    await page.locator("#try-result .outcome").waitFor();
    expect(await page.textContent("#try-result .outcome")).toBe("approve");
    const reason = page.locator('#try-result .reasons .rule-link[data-rule="basic-lab"]');
    await shot("04-try-it");
    const line = Number(await reason.getAttribute("data-line"));
    expect(await evalApp(page, `app.ws.model.getLineContent(${line})`)).toBe("rule basic-lab");
    await reason.click();
    expect(await evalApp(page, "app.ws.editor.getPosition().lineNumber")).toBe(line);
    expect(await page.evaluate(() => document.activeElement?.closest(".monaco-editor") !== null)).toBe(true);
  });

  it("when the mouse rests on a table, then its contents show; F12 on a let goes to its definition", async () => {
    const line = await lineOf(page, "let costlyService = service.category in costly");
    const col = (await evalApp<string>(page, `app.ws.model.getLineContent(${line})`)).indexOf("in costly") + 5;
    await cursorAt(page, line, col);
    await page.keyboard.press("Control+K");
    await page.keyboard.press("Control+I");
    const hover = page.locator(".monaco-hover-content", { hasText: "costly" });
    await hover.first().waitFor();
    expect(await hover.first().textContent()).toContain("inpatient-admission");
    await shot("04b-hover");
    await page.keyboard.press("Escape");
    const use = await lineOf(page, "when costlyService and not onsiteApproved");
    await cursorAt(page, use, "  when costlyS".length);
    await page.keyboard.press("F12");
    await page.waitForFunction((l) => window.precept.ws.editor.getPosition().lineNumber === l, line);
  });

  it("when a reason's request is added as a test case, then the tests list it", async () => {
    await page.click("#tab-try");
    await page.click("#try-add-case");
    await page.click("#tab-tests");
    expect(await page.locator("#tests-list li", { hasText: "approve: T-1" }).count()).toBe(1);
  });

  it("when the tests run, then every shipped case of 2010.1 passes against the unchanged draft", async () => {
    await page.click("#tab-tests");
    await page.click("#tests-run");
    await page.locator("#tests-list li.pass").first().waitFor();
    const summary = await page.textContent("#tests-summary");
    expect(summary).toMatch(/^\d+ passed, 0 failed\.$/);
    await shot("05-tests");
  });

  it("when the tests are saved with the author key, then the server keeps them with 2010.1, the added case included", async () => {
    await page.click("#tab-tests");
    await page.fill("#tests-key", AUTHOR);
    await page.click("#tests-save");
    await expect.poll(() => page.textContent("#tests-summary")).toMatch(/^Saved \d+ test cases with ice-tar 2010\.1; under that version \d+ pass, 0 fail\.$/);
    expect(await page.locator("#tests-list .tag", { hasText: "added" }).count()).toBe(0);
    const stored = await (await fetch(`${h.url}/v1/programs/ice-tar/versions/2010.1/tests`, { headers: { authorization: `Bearer ${ANALYST}` } })).json();
    expect(stored.origin).toBe("api");
    expect(stored.cases.map((c: { name: string }) => c.name)).toContain("approve: T-1");
    await shot("05b-tests-saved");
  });

  it("when the tool tabs have focus, then the arrow keys move between them", async () => {
    await page.focus("#tab-tests");
    await page.keyboard.press("ArrowRight");
    expect(await page.getAttribute("#tab-changes", "aria-selected")).toBe("true");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("tab-changes");
  });

  it("when compared with 2005.1, then the changes list names the rules added and removed, and the diff editor shows", async () => {
    await page.selectOption("#changes-base", "2005.1");
    await page.locator("#changes-list li").first().waitFor();
    const text = await page.textContent("#changes-list");
    expect(text).toContain("basic-lab");
    expect(text).toMatch(/removed\s*rule\s*physician-authorized/);
    await page.click("#changes-diff");
    await page.locator("#diff .monaco-diff-editor").waitFor();
    await page.waitForTimeout(300);
    await shot("06-diff");
    await page.click("#changes-diff");
  });

  it("when a new version is submitted and a second author approves it, then it is listed and opens", async () => {
    await page.click("#new-version");
    await page.waitForFunction(() => location.hash === "#/ice-tar/2010.1/new" && window.precept?.route?.fresh === true);
    await settled(page);
    // Pasted as a block (typing is covered above): Monaco would re-indent typed lines.
    const rule = 'rule dental-review\n  when service.category = "dental" and service.estimatedCost > 90000\n  then pend\n  code dental-review\n  reason "Dental care is reviewed by a managed care coordinator"\n  cite "test"\n';
    await evalApp(page, `(() => { const n = app.ws.model.getLineCount(); app.ws.editor.executeEdits("test", [{ range: new monaco.Range(n, 1, n, 1), text: ${JSON.stringify(rule)} }]); return true; })()`);
    await settled(page);
    expect(await markers(page)).toEqual([]);
    await page.click("#tab-publish");
    await page.fill("#publish-version", "2010.2");
    await page.fill("#publish-effective", "2031-01-01");
    await page.fill("#publish-change", "Dental care goes to review");
    await page.fill("#publish-key", AUTHOR);
    await page.click("#publish-submit");
    await page.locator('#reviews-list li[data-version="2010.2"]').waitFor();
    await page.fill("#approve-key", APPROVER);
    await page.click('#reviews-list li[data-version="2010.2"] .review-approve');
    await page.waitForFunction(() => location.hash === "#/ice-tar/2010.2");
    await expect.poll(() => page.textContent("#publish-status")).toContain("Published ice-tar 2010.2");
    expect(await page.locator("#version option").allTextContents()).toContain("2010.2 (from 2031-01-01)");
    await page.waitForFunction(() => window.precept?.ws.model?.getValue().includes("rule dental-review"));
    await shot("07-published");
    // The new version was published with the tests panel's cases (2010.1's, as saved): it has its own now.
    await expect.poll(() => page.textContent("#publish-status")).toMatch(/with \d+ test cases/);
    const parent = await (await fetch(`${h.url}/v1/programs/ice-tar/versions/2010.1/tests`, { headers: { authorization: `Bearer ${ANALYST}` } })).json();
    const own = await (await fetch(`${h.url}/v1/programs/ice-tar/versions/2010.2/tests`, { headers: { authorization: `Bearer ${ANALYST}` } })).json();
    expect(own.cases).toEqual(parent.cases);
  });

  it("when the version id is already published, then the 409 is said in words", async () => {
    await page.click("#tab-publish");
    // A draft of a published version offers the next free id (the one opened is taken, and would answer 409).
    expect(await page.inputValue("#publish-version")).toBe("2010.3");
    await page.fill("#publish-version", "2010.2");
    await page.fill("#publish-change", "Dental care goes to review");
    await page.fill("#publish-key", AUTHOR);
    await page.click("#publish-submit");
    await expect.poll(() => page.textContent("#publish-status")).toContain("version 2010.2 of ice-tar already exists");
    await shot("08-publish-409");
  });

  it("when the draft does not compile, then the server's 422 is said in words and its diagnostics are placed in the editor", async () => {
    const line = await lineOf(page, "  then pend");
    await cursorAt(page, line, "  then pend".length + 1);
    await page.keyboard.type("x");
    await page.fill("#publish-version", "2010.3");
    await page.click("#publish-submit");
    await expect.poll(() => page.textContent("#publish-status")).toContain("the server found 1 error");
    const server = await markers(page, "precept-server");
    expect(server).toHaveLength(1);
    expect(server[0]!.startLineNumber).toBe(line);
    expect(server[0]!.message).toContain("unknown outcome `pendx`");
    await shot("09-publish-422");
    expect(await page.locator("#version option").allTextContents()).not.toContain("2010.3 (from 2031-01-01)");
  });

  it("when the author key is wrong, then the 401 is said in words", async () => {
    await page.fill("#publish-key", "not-a-valid-key");
    await page.fill("#publish-version", "2010.4");
    await page.click("#publish-submit");
    await expect.poll(() => page.textContent("#publish-status")).toContain("needs an API key the server accepts");
  });

  it("when go-to-definition names an inherited table, then the version it comes from opens at its line", async () => {
    await page.goto(`${h.url}/#/ice-tar/2010.1`);
    await page.waitForFunction(() => window.precept?.route?.version === "2010.1" && !window.precept.route.fresh && window.precept.ws.model?.getValue().includes('version: "2010.1"'));
    await settled(page);
    const line = await lineOf(page, "when service.category in covered and");
    await cursorAt(page, line, (await evalApp<string>(page, `app.ws.model.getLineContent(${line})`)).indexOf("covered") + 2);
    await page.keyboard.press("F12");
    await page.waitForFunction(() => window.precept?.route?.version === "2005.1");
    await settled(page);
    const at = await evalApp<number>(page, "app.ws.editor.getPosition().lineNumber");
    expect(await evalApp(page, `app.ws.model.getLineContent(${at})`)).toBe("  covered:");
  });

  it("when the 2005.1 vs 2010.1 simulation runs on the shipped history, then its summary shows", async () => {
    await page.goto(`${h.url}/#/ice-tar/2010.1`);
    await page.waitForFunction(() => window.precept?.route?.version === "2010.1" && window.precept.ws.model?.getValue().includes('version: "2010.1"'));
    await settled(page);
    await page.click("#tab-simulate");
    await page.locator("#sim-set option").first().waitFor({ state: "attached" });
    await page.selectOption("#sim-baseline", "2005.1");
    await page.click("#sim-run");
    await page.locator('#sim-status[data-tone="ok"]').waitFor({ timeout: 120_000 });
    expect(await page.textContent("#sim-status")).toMatch(/^Done: [\d,]+ requests replayed\.$/);
    expect(await page.locator("#sim-shares tbody tr").count()).toBeGreaterThanOrEqual(3);
    await page.locator("#sim-transitions").waitFor();
    await page.locator("#sim-workload").waitFor();
    await shot("10-simulation");
    await page.evaluate(() => document.getElementById("sim-workload")!.scrollIntoView({ block: "start" }));
    await shot("11-simulation-workload");
    // The changed requests page in from the server, 50 at a time.
    expect(await page.locator("#sim-changed li").count()).toBe(50);
    await page.click("#sim-changed-more");
    await page.waitForFunction(() => document.querySelectorAll("#sim-changed li").length === 100);
    expect(await page.textContent("#sim-changed h3")).toMatch(/^Changed requests: [\d,]+ \(the first 100\)$/);
    // A changed request opens in try-it, where the draft decides it as the simulation said.
    const first = page.locator("#sim-changed li").first();
    const want = await first.locator("strong").textContent();
    await first.locator("button.try").click();
    await page.locator("#try-result .outcome").waitFor();
    expect(await page.textContent("#try-result .outcome")).toBe(want);
  });

  it("when a decision the server made is opened, then it is explained again under its version, and its rules lead to their lines", async () => {
    // A calling service asks the server for a decision (logged with the version that made it).
    const request = JSON.parse(readFileSync(join(ROOT, "policies/ice-tar/examples/urgent-mri.json"), "utf8"));
    const made = await (await fetch(`${h.url}/v1/programs/ice-tar/versions/2010.1/evaluate?decisionDate=2009-03-02`, {
      method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${SERVICE}` }, body: JSON.stringify(request),
    })).json();
    await page.goto(`${h.url}/#/ice-tar/2010.1`);
    await page.waitForFunction(() => window.precept?.route?.version === "2010.1" && window.precept.ws.model?.getValue().includes('version: "2010.1"'));
    await settled(page);
    await page.click("#tab-decisions");
    const row = page.locator(`#decisions-list button[data-id="${made.id}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain(made.outcome);
    await row.click();
    await page.locator("#decision-reproduced").waitFor();
    expect(await page.textContent("#decision-reproduced")).toBe("Explained again with decision date 2009-03-02: the same decision.");
    expect(await page.textContent("#decision-detail .outcome")).toBe(made.outcome);
    await shot("12-decision-explained");
    const reason = page.locator("#decision-detail .reasons .rule-link").first();
    const line = Number(await reason.getAttribute("data-line"));
    await reason.click();
    await page.waitForFunction((l) => window.precept.ws.editor.getPosition().lineNumber === l, line);
  });

  it("every form control has a label a screen reader can read", async () => {
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>("input:not([type=hidden]):not([hidden]), select, textarea, button")]
        .filter((el) => !el.closest(".monaco-editor, .monaco-diff-editor, .context-view, .quick-input-widget"))
        .filter((el) => {
          const labels = (el as HTMLInputElement).labels;
          const name = (labels && labels.length ? [...labels].map((l) => l.textContent).join(" ") : "") || el.getAttribute("aria-label") || (el.tagName === "BUTTON" ? el.textContent : "");
          return !name?.trim();
        })
        .map((el) => el.id || el.outerHTML.slice(0, 80)),
    );
    expect(unlabelled).toEqual([]);
  });

  it("then no uncaught error happened on the page", () => {
    expect(errors).toEqual([]);
  });
});
