/**
 * The policy author's loop of issue 15, in Debian's chromium against the real server: explanations that keep their
 * `not` in every panel, the parameter form, comparisons against the replaced version (the ice-tar $2,500 → $5,000
 * change), reviewed publishing (a failing test, an error, a past date, a second key), withdrawal and 410, panels
 * that follow the program, the ihs-chs fund-control chart, a duplicate in try-it, quick fixes, Tab and Enter,
 * accessible names, the layout at 1024×768 and 1920×1080, and the editor served compressed. One page, in order,
 * like a session. Screenshots in artifacts/editor/ (looked at by whoever changes the layout).
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARTIFACTS, collectErrors, cursorAt, evalApp, lineOf, markers, ROOT, settled, startHarness, type Harness } from "./harness.js";

const ALICE = "author-key-alice-0123";
const BOB = "author-key-bob-456789";
const ANALYST = "analyst-key-0123456789";
const SERVICE = "service-key-0123456789";

const json = (r: Response) => r.json() as Promise<any>;

describe("the author's loop (issue 15)", () => {
  let h: Harness;
  let page: Page;
  let errors: string[];
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
  const api = (path: string, init: { key?: string; body?: unknown } = {}) =>
    fetch(`${h.url}${path}`, {
      method: init.body === undefined ? "GET" : "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${init.key ?? ANALYST}` },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
  const open = async (hash: string, check: string) => {
    // A fresh page load (a hash-only navigation would keep the page's state, test cases included).
    await page.goto("about:blank");
    await page.goto(`${h.url}/${hash}`);
    await page.waitForFunction((c) => window.ready === true && window.precept?.ws.model?.getValue().includes(c), check);
    await settled(page);
  };
  const tryRequest = async (request: unknown, date?: string) => {
    await page.click("#tab-try");
    await evalApp(page, `(app.tryRequest(${JSON.stringify(request)}, ${JSON.stringify(date)}), true)`);
    await page.locator("#try-result .outcome").waitFor();
  };

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    h = await startHarness({ keys: `author:${ALICE},author:${BOB},analyst:${ANALYST},service:${SERVICE}` });
    page = await h.browser.newPage({ viewport: { width: 1400, height: 860 } });
    errors = collectErrors(page);
    await page.goto(h.url);
    await page.fill("#api-key", ANALYST);
    await page.press("#api-key", "Enter");
    await page.waitForFunction(() => window.ready === true);
  });

  afterAll(async () => {
    await h?.close();
  });

  it("when a fired rule has a `not` condition, then try-it, the tests and the decision log all say `not …` and that it holds", async () => {
    await open("#/ice-tar/2010.1", 'version: "2010.1"');
    const mri = JSON.parse(readFileSync(join(ROOT, "policies/ice-tar/examples/urgent-mri.json"), "utf8"));
    await tryRequest(mri, "2010-03-02");
    const negated = (scope: string) => page.locator(`${scope} .explanation .rule-link[data-rule="costly-service-preauth"]`).first().locator("xpath=..").locator('li[data-negated="true"]');
    const inTry = negated("#try-result");
    expect(await inTry.locator("code.condition").textContent()).toBe("not onsiteApproved");
    expect(await inTry.getAttribute("class")).toContain("held");
    expect(await inTry.locator(".mark").textContent()).toBe("✓");
    await shot("15-01-not-in-try-it");
    // The tests panel: a case the same rule decides.
    await page.click("#tab-tests");
    await page.click("#tests-run");
    await page.locator("#tests-list li.pass").first().waitFor();
    const inTests = page.locator('#tests-list li[data-negated="true"]');
    expect(await inTests.count()).toBeGreaterThan(0);
    for (const t of await inTests.locator("code.condition").allTextContents()) expect(t).toMatch(/^not /);
    const firedInTests = negated("#tests-list");
    expect(await firedInTests.first().getAttribute("class")).toContain("held");
    // The decision log: the server's decision explained again.
    const made = await json(await api("/v1/programs/ice-tar/versions/2010.1/evaluate?decisionDate=2010-03-02", { key: SERVICE, body: mri }));
    await page.click("#tab-decisions");
    await page.click("#decisions-refresh");
    await page.locator(`#decisions-list button[data-id="${made.id}"]`).click();
    await page.locator("#decision-reproduced").waitFor();
    const inLog = negated("#decision-detail");
    expect(await inLog.locator("code.condition").textContent()).toBe("not onsiteApproved");
    expect(await inLog.getAttribute("class")).toContain("held");
  });

  it("when the Decisions panel is filtered by date, then only decisions of those days are listed", async () => {
    const today = new Date().toISOString().slice(0, 10);
    await page.click("#tab-decisions");
    await page.fill("#decisions-from", "2001-01-01");
    await page.fill("#decisions-to", "2001-12-31");
    await page.click("#decisions-refresh");
    await expect.poll(() => page.textContent("#decisions-status")).toBe("No decisions logged for these filters yet.");
    await page.fill("#decisions-from", today);
    await page.fill("#decisions-to", today);
    await page.click("#decisions-refresh");
    await page.locator("#decisions-list li").first().waitFor();
    await page.fill("#decisions-from", "");
    await page.fill("#decisions-to", "");
  });

  it("when costThreshold is set to 5000 in the form, then only that value changes in the source, comments and layout kept", async () => {
    await open("#/ice-tar/2010.1", 'version: "2010.1"');
    const before = await evalApp<string>(page, "app.ws.model.getValue()");
    await page.click("#tab-outline");
    await page.locator("#param-costThreshold").waitFor();
    // The outline lists the parameters, tables, facts and rules, inherited ones with their version.
    const outline = await page.textContent("#outline-list");
    for (const want of ["Parameters", "costThreshold", "Tables", "costly", "Facts", "costlyService", "Rules", "costly-service-preauth", "emergency-care"]) expect(outline).toContain(want);
    expect(outline).toContain("of 2005.1");
    await page.fill("#param-costThreshold", "5000");
    await page.press("#param-costThreshold", "Tab");
    await expect.poll(() => evalApp<string>(page, "app.ws.model.getValue()")).toBe(before.replace("value: 2500", "value: 5000"));
    await settled(page);
    expect(await markers(page)).toEqual([]);
    await shot("15-02-outline-form");
  });

  it("when the draft is simulated, then the baseline is the version it replaces, and the change touches a handful of requests", async () => {
    await page.click("#tab-simulate");
    await page.locator("#sim-set option").first().waitFor({ state: "attached" });
    expect(await page.inputValue("#sim-baseline")).toBe("2010.1");
    expect(await page.locator("#sim-baseline option:checked").textContent()).toContain("the version this draft replaces");
    await page.click("#sim-run");
    await page.locator('#sim-status[data-tone="ok"]').waitFor({ timeout: 180_000 });
    const heading = (await page.textContent("#sim-changed h3")) ?? "";
    const n = Number(/^Changed requests: ([\d,]+)/.exec(heading)?.[1]?.replace(/,/g, ""));
    // Against 2005.1 it looked like 45,419 changed requests; against 2010.1 it is a handful, each pend → approve.
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(25);
    for (const t of await page.locator("#sim-changed li").allTextContents()) expect(t).toMatch(/ pend → approve /);
    expect(await page.textContent("#sim-summary")).toContain("baseline 2010.1");
    // The Changes panel compares with the same version.
    await page.click("#tab-changes");
    expect(await page.inputValue("#changes-base")).toBe("2010.1");
    await page.locator("#changes-list li").first().waitFor();
    expect(await page.textContent("#changes-list")).toContain("costThreshold");
    await page.click("#tab-simulate");
    await shot("15-03-simulation-baseline");
  });

  it("when a changed request is opened, then both decisions show side by side with the differing conditions marked", async () => {
    await page.locator("#sim-changed li button.compare").first().click();
    await page.locator("#sim-compare .side-by-side").waitFor();
    expect(await page.locator('#sim-compare [data-side="baseline"] .outcome').textContent()).toBe("pend");
    expect(await page.locator('#sim-compare [data-side="draft"] .outcome').textContent()).toBe("approve");
    const differing = await page.locator('#sim-compare [data-side="draft"] li.differs code.condition').allTextContents();
    expect(differing).toContain("costlyService");
    expect(await page.locator('#sim-compare [data-side="baseline"] li.differs code.condition').allTextContents()).toContain("costlyService");
    await page.evaluate(() => document.getElementById("sim-compare")!.scrollIntoView({ block: "start" }));
    await shot("15-04-why-changed");
  });

  it("every button, input and select has an accessible name of its own, in every tool tab", async () => {
    const duplicatesIn = () => page.evaluate(() => {
      const seen = new Map<string, number>();
      for (const el of document.querySelectorAll<HTMLElement>("button, input:not([type=hidden]), select, textarea")) {
        if (el.closest(".monaco-editor, .monaco-diff-editor, .context-view, .quick-input-widget, [hidden]")) continue;
        const labels = (el as HTMLInputElement).labels;
        const name = (el.getAttribute("aria-label") || (labels && labels.length ? [...labels].map((l) => l.textContent).join(" ") : "") || (el.tagName === "BUTTON" ? el.textContent : "") || "").trim();
        seen.set(name, (seen.get(name) ?? 0) + 1);
      }
      return [...seen].filter(([name, n]) => n > 1 || name === "").map(([name, n]) => `${name || "(no name)"} ×${n}`);
    });
    // The simulation report (fifty changed requests and a comparison) first, then each tab in turn.
    expect(await duplicatesIn()).toEqual([]);
    await page.click("#tab-tests");
    await page.click("#tests-run");
    await page.locator("#tests-list li.pass").first().waitFor();
    for (const tab of ["#tab-try", "#tab-tests", "#tab-changes", "#tab-publish", "#tab-decisions", "#tab-outline"]) {
      await page.click(tab);
      await page.waitForTimeout(100);
      expect(await duplicatesIn(), tab).toEqual([]);
    }
    await page.click("#tab-simulate");
  });

  it("when another program is opened, then the simulation report and try-it's decision of the old one are gone", async () => {
    await tryRequest(JSON.parse(readFileSync(join(ROOT, "policies/ice-tar/examples/urgent-mri.json"), "utf8")), "2010-03-02");
    expect(await page.locator("#sim-report .report").count()).toBe(1);
    await page.click("#revert");
    await page.selectOption("#program", "ihs-chs");
    await page.waitForFunction(() => window.precept?.route?.program === "ihs-chs" && window.precept.ws.model?.getValue().includes("program: ihs-chs"));
    await settled(page);
    expect(await page.locator("#sim-report").innerHTML()).toBe("");
    expect(await page.locator("#try-result").innerHTML()).toBe("");
    expect(await page.locator("#changes-list li").count()).toBe(0);
  });

  it("when ihs-chs is simulated, then fund control shows per quarter as a chart with a text alternative and as a table", async () => {
    await page.click("#tab-simulate");
    await page.locator("#sim-set option").first().waitFor({ state: "attached" });
    await page.fill("#sim-param-fundedLevel", "4");
    await page.click("#sim-run");
    await page.locator('#sim-status[data-tone="ok"]').waitFor({ timeout: 180_000 });
    const chart = page.locator("#sim-fund-chart");
    await chart.waitFor();
    expect(await chart.getAttribute("role")).toBe("img");
    const alt = await page.textContent(`#${await chart.getAttribute("aria-labelledby")}`);
    expect(alt).toMatch(/FY2009 Q1: \$[\d,]+ available, \$[\d,]+ a week/);
    const rows = page.locator("#sim-fund-table tbody tr");
    expect(await rows.count()).toBe(4);
    expect(await rows.first().locator("th").textContent()).toBe("FY2009 Q1");
    expect(await chart.locator("polyline.cand").count()).toBe(4);
    await page.evaluate(() => document.getElementById("sim-fund")!.scrollIntoView({ block: "start" }));
    await shot("15-05-fund-control");
  });

  it("when a usms-claim test case has earlier claims, then try-it decides it a duplicate, as the server does from its log", async () => {
    await open("#/usms-claim/2000.1", 'version: "2000.1"');
    await page.click("#tab-tests");
    const name = "same prisoner, provider, date of service and amount as an accepted claim -> duplicate";
    await page.click(`#tests-list button[aria-label="Open “${name}” in try-it"]`);
    await page.click("#try-evaluate");
    await expect.poll(() => page.textContent("#try-result .outcome")).toBe("invalid");
    expect(await page.textContent("#try-result .reasons")).toContain("duplicate");
    expect(await page.isVisible("#try-history")).toBe(true);
    // The same claims sent to the server: the first is accepted, the second is its duplicate.
    const c = (await json(await api("/v1/programs/usms-claim/versions/2000.1/tests"))).cases.find((x: { name: string }) => x.name === name);
    await api(`/v1/programs/usms-claim/versions/2000.1/evaluate?decisionDate=${c.decisionDate}`, { key: SERVICE, body: c.history[0] });
    const server = await json(await api(`/v1/programs/usms-claim/versions/2000.1/evaluate?decisionDate=${c.decisionDate}`, { key: SERVICE, body: c.request }));
    expect(server.reasons.map((r: { code: string }) => r.code)).toContain("duplicate");
    // In try-it without the case's history, then with the earlier claims of the server's log.
    await evalApp(page, `(app.tryRequest(${JSON.stringify({ ...c.request, claimId: "C-102" })}, ${JSON.stringify(c.decisionDate)}), true)`);
    await page.locator("#try-result .outcome").waitFor();
    expect(await page.textContent("#try-result .outcome")).toBe("valid");
    await page.click("#try-history-log");
    await expect.poll(() => page.textContent("#try-history-note")).toMatch(/decided claims? from the server's log/);
    await page.click("#try-evaluate");
    await expect.poll(() => page.textContent("#try-result .outcome")).toBe(server.outcome);
    expect(await page.textContent("#try-result .reasons")).toContain("duplicate");
    await shot("15-06-duplicate-in-try-it");
  });

  it("when a misspelt name is fixed by the quick fix, then the suggestion replaces it", async () => {
    await open("#/ice-tar/2010.1", 'version: "2010.1"');
    const line = await lineOf(page, "when service.category in basicLabs");
    const column = (await evalApp<string>(page, `app.ws.model.getLineContent(${line})`)).length + 1;
    await cursorAt(page, line, column);
    await page.keyboard.type("x");
    await page.waitForFunction(() => window.monaco!.editor.getModelMarkers({ owner: "precept" }).length > 0);
    await cursorAt(page, line, column - 2);
    await evalApp(page, "app.ws.editor.getAction('editor.action.autoFix').run().then(() => true)");
    await expect.poll(() => evalApp<string>(page, `app.ws.model.getLineContent(${line})`)).toBe("  when service.category in basicLabs");
    await settled(page);
    expect(await markers(page)).toEqual([]);
  });

  it("when Tab is pressed in the editor, then the focus moves on; with tab-insertion on it indents; Enter never accepts a completion", async () => {
    const before = await evalApp<string>(page, "app.ws.model.getValue()");
    await cursorAt(page, 1, 1);
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.closest(".monaco-editor") === null)).toBe(true);
    expect(await evalApp<string>(page, "app.ws.model.getValue()")).toBe(before);
    await page.check("#tab-insert");
    const last = await evalApp<number>(page, "app.ws.model.getLineCount()");
    await cursorAt(page, last, 1);
    await page.keyboard.press("Tab");
    expect(await evalApp<string>(page, `app.ws.model.getLineContent(${last})`)).toBe("  ");
    await page.uncheck("#tab-insert");
    await evalApp(page, "(app.ws.model.setValue(app.base.source), true)");
    await settled(page);
    // A completion is open after `service.est`: Enter breaks the line, Tab accepts.
    const end = await evalApp<number>(page, "app.ws.model.getLineCount()");
    await cursorAt(page, end, 1);
    await page.keyboard.type("let probe = service.est");
    await page.locator(".suggest-widget .monaco-list-row.focused", { hasText: "service.estimatedCost" }).waitFor();
    await page.keyboard.press("Enter");
    expect(await evalApp<string>(page, `app.ws.model.getLineContent(${end})`)).toBe("let probe = service.est");
    expect(await evalApp<number>(page, "app.ws.model.getLineCount()")).toBe(end + 1);
    await page.keyboard.press("Backspace");
    await page.keyboard.type("i");
    await page.keyboard.press("Backspace");
    await page.locator(".suggest-widget .monaco-list-row.focused", { hasText: "service.estimatedCost" }).waitFor();
    await page.keyboard.press("Tab");
    expect(await evalApp<string>(page, `app.ws.model.getLineContent(${end})`)).toBe("let probe = service.estimatedCost");
    await evalApp(page, "(app.ws.model.setValue(app.base.source), true)");
    await settled(page);
  });

  it("when a new version shows what it inherits, then its rules are listed read-only and open to their text", async () => {
    await page.click("#new-version");
    await page.waitForFunction(() => location.hash === "#/ice-tar/2010.1/new" && window.precept?.route?.fresh === true);
    await settled(page);
    // The Outline opens by itself on a new version.
    expect(await page.getAttribute("#tab-outline", "aria-selected")).toBe("true");
    const rule = page.locator('#outline-inherited details[data-rule="costly-service-preauth"]');
    await rule.waitFor();
    await rule.locator("summary").click();
    expect(await rule.locator("pre").textContent()).toContain("when costlyService and not onsiteApproved");
    expect(await rule.locator("summary").textContent()).toContain("from 2010.1");
  });

  const addRule = (rule: string) =>
    evalApp(page, `(() => { const n = app.ws.model.getLineCount(); app.ws.editor.executeEdits("test", [{ range: new monaco.Range(n, 1, n, 1), text: ${JSON.stringify(rule)} }]); return true; })()`);
  const fillPublish = async (version: string, effective: string, note: string) => {
    await page.click("#tab-publish");
    await page.fill("#publish-version", version);
    await page.fill("#publish-effective", effective);
    await page.dispatchEvent("#publish-effective", "change");
    await page.fill("#publish-change", note);
    await page.fill("#publish-name", "Alice");
    await page.fill("#publish-key", ALICE);
  };
  const review = (version: string) => page.locator(`#reviews-list li[data-version="${version}"]`);

  it("when a draft is submitted, then its author cannot approve it, and a second author's key publishes it with both names kept", async () => {
    await addRule('rule dental-review\n  when service.category = "dental" and service.estimatedCost > 90000\n  then pend\n  code dental-review\n  reason "Dental care is reviewed by a managed care coordinator"\n  cite "test"\n');
    await settled(page);
    expect(await markers(page)).toEqual([]);
    await fillPublish("2010.2", "2030-01-01", "Dental care goes to review");
    await page.click("#publish-submit");
    await expect.poll(() => page.textContent("#publish-status")).toMatch(/^Submitted ice-tar 2010\.2 for review\. All \d+ test cases pass\. Another author approves it below/);
    expect(await page.isVisible("#publish-self")).toBe(false);
    await review("2010.2").waitFor();
    await page.fill("#approve-key", ALICE);
    await review("2010.2").locator(".review-approve").click();
    await expect.poll(() => review("2010.2").locator(".status").textContent()).toContain("approved by a second author");
    expect((await api("/v1/programs/ice-tar/versions/2010.2")).status).toBe(404);
    await shot("15-07-review-same-person");
    await page.fill("#approve-key", BOB);
    await page.fill("#approve-name", "Bob");
    await review("2010.2").locator(".review-approve").click();
    await page.waitForFunction(() => location.hash === "#/ice-tar/2010.2");
    await expect.poll(() => page.textContent("#publish-status")).toContain("Published ice-tar 2010.2");
    await page.locator("#version-facts").waitFor();
    const facts = await page.textContent("#version-facts");
    expect(facts).toContain("Dental care goes to review");
    expect(facts).toMatch(/submittedAlice \(key:[0-9a-f]{12}\)/);
    expect(facts).toMatch(/approvedBob \(key:[0-9a-f]{12}\)/);
    await shot("15-08-published-reviewed");
  });

  it("when a test case fails under the draft, then it is submitted with the failure named and cannot be approved", async () => {
    await open("#/ice-tar/2010.1/new", "extends:");
    await addRule('rule labs-denied\n  when service.category = "lab-basic"\n  then deny\n  code labs-denied\n  reason "No labs"\n  cite "test"\n');
    await settled(page);
    await fillPublish("2010.3", "2030-02-01", "Labs denied");
    await page.click("#publish-submit");
    await expect.poll(() => page.getAttribute("#publish-status", "data-tone")).toBe("error");
    expect(await page.textContent("#publish-status")).toMatch(/\d+ of \d+ test cases fail\. .*cannot be approved/);
    expect(await page.locator("#publish-diagnostics li").count()).toBeGreaterThan(0);
    await page.fill("#approve-key", BOB);
    await review("2010.3").locator(".review-approve").click();
    await expect.poll(() => review("2010.3").locator(".status").textContent()).toMatch(/^Not published: \d+ of \d+ test cases fail/);
    await review("2010.3").locator(".review-reason").fill("labs must stay approved");
    await review("2010.3").locator(".review-reject").click();
    await expect.poll(() => review("2010.3").count()).toBe(0);
    await shot("15-09-review-failing-test");
    // In the tests panel the failing cases come first, and one can be told to expect the new result.
    await page.click("#tab-tests");
    await page.click("#tests-run");
    await page.locator("#tests-list li.fail").first().waitFor();
    expect(await page.locator("#tests-list > li").first().getAttribute("class")).toBe("fail");
    const failing = await page.locator("#tests-list > li.fail").count();
    await page.locator("#tests-list > li.fail button.accept").first().click();
    await expect.poll(() => page.locator("#tests-list > li.fail").count()).toBe(failing - 1);
    expect(await page.textContent("#tests-summary")).toMatch(new RegExp(`, ${failing - 1} failed\\.$`));
  });

  it("when the version id is not one, then the form says so in words and the draft is not changed", async () => {
    const before = await evalApp<string>(page, "app.ws.model.getValue()");
    await fillPublish("2010 final!", "2030-02-01", "Labs denied");
    await page.click("#publish-submit");
    await expect.poll(() => page.textContent("#publish-status")).toContain("“2010 final!” cannot be a version id: use letters, digits, dots and dashes");
    expect(await evalApp<string>(page, "app.ws.model.getValue()")).toBe(before);
  });

  it("when the draft has an error, then submitting is refused with the server's diagnostics in the editor", async () => {
    await evalApp(page, "(app.ws.model.setValue(app.ws.model.getValue().replace('then deny', 'then denyx')), true)");
    await settled(page);
    await fillPublish("2010.3", "2030-02-01", "Labs denied");
    await page.click("#publish-submit");
    await expect.poll(() => page.textContent("#publish-status")).toContain("Not submitted: the server found 1 error");
    expect((await markers(page, "precept-server"))[0]?.message).toContain("unknown outcome `denyx`");
  });

  it("when the effective date lies in the past, then the author must say so and the approver confirms the decisions it moves", async () => {
    // A decision of 2009-07 (under 2005.1 then) that a version effective 2009-06-01 would take over.
    const tar = { ...JSON.parse(readFileSync(join(ROOT, "policies/ice-tar/examples/urgent-mri.json"), "utf8")), tarId: "T-RETRO", dateOfService: "2009-07-01" };
    expect((await api("/v1/programs/ice-tar/evaluate", { key: SERVICE, body: tar })).status).toBe(200);
    await open("#/ice-tar/2010.1/new", "extends:");
    await page.click("#revert");
    await settled(page);
    await fillPublish("2010.4", "2009-06-01", "Backdated by mistake");
    expect(await page.isVisible("#publish-retroactive")).toBe(true);
    await page.click("#publish-submit");
    await review("2010.4").waitFor();
    expect(await review("2010.4").textContent()).toContain("The submitter did not say the past date is meant");
    expect(await page.textContent("#publish-status")).toContain("cannot be approved");
    await fillPublish("2010.5", "2009-06-01", "Backdated on purpose");
    await page.check("#publish-retroactive");
    await page.click("#publish-submit");
    await review("2010.5").waitFor();
    const id = await review("2010.5").getAttribute("data-review");
    const checks = (await json(await api(`/v1/programs/ice-tar/reviews/${id}`))).checks;
    expect(checks.retroactive.decisions).toBeGreaterThanOrEqual(1);
    expect(await review("2010.5").locator("label", { hasText: "I confirm" }).textContent()).toBe(`I confirm: ${checks.retroactive.decisions} logged decision${checks.retroactive.decisions === 1 ? "" : "s"} will be under 2010.5 from now on`);
    await shot("15-10-review-retroactive");
    await page.fill("#approve-key", BOB);
    await review("2010.5").locator(".review-approve").click();
    await expect.poll(() => review("2010.5").locator(".status").textContent()).toContain("Tick the confirmation first");
    await review("2010.5").locator(".review-confirm").check();
    await review("2010.5").locator(".review-approve").click();
    await page.waitForFunction(() => location.hash === "#/ice-tar/2010.5");
    await page.locator("#version-facts").waitFor();
    expect(await page.textContent("#version-facts")).toContain(`confirmed with ${checks.retroactive.decisions} logged decisions moved`);
  });

  it("when a version is withdrawn with a reason, then it stays readable, is marked withdrawn, and evaluating under it answers 410", async () => {
    await page.click("#tab-publish");
    await page.fill("#withdraw-reason", "Backdating was not approved by the program office");
    await page.fill("#withdraw-key", ALICE);
    await page.click("#withdraw-submit");
    await page.locator('#version-facts [data-status="withdrawn"]').waitFor();
    expect(await page.textContent('#version-facts [data-status="withdrawn"]')).toContain("Backdating was not approved by the program office");
    expect(await page.locator("#version option:checked").textContent()).toBe("2010.5 (from 2009-06-01) (withdrawn)");
    expect(await evalApp<string>(page, "app.ws.model.getValue()")).toContain('version: "2010.5"');
    const tar = JSON.parse(readFileSync(join(ROOT, "policies/ice-tar/examples/urgent-mri.json"), "utf8"));
    const gone = await api("/v1/programs/ice-tar/versions/2010.5/evaluate", { key: SERVICE, body: tar });
    expect(gone.status).toBe(410);
    expect((await json(gone)).error.details.reason).toBe("Backdating was not approved by the program office");
    const byDate = await json(await api("/v1/programs/ice-tar/evaluate", { key: SERVICE, body: { ...tar, dateOfService: "2009-07-02" } }));
    expect(byDate.version).toBe("2005.1");
    await shot("15-11-withdrawn");
  });

  it("at 1024×768 and 1920×1080 the tools, their tabs and the report's tables fit", async () => {
    await open("#/ice-tar/2010.1", 'version: "2010.1"');
    for (const [w, hgt] of [[1024, 768], [1920, 1080]] as const) {
      await page.setViewportSize({ width: w, height: hgt });
      await page.waitForTimeout(200);
      for (const tab of ["#tab-decisions", "#tab-outline"]) {
        const box = await page.locator(tab).boundingBox();
        expect(box!.x + box!.width, `${tab} at ${w}`).toBeLessThanOrEqual(w);
        expect(box!.y + box!.height).toBeLessThanOrEqual(hgt);
      }
      await page.click("#tab-simulate");
      await shot(`15-12-layout-${w}x${hgt}`);
      await page.click("#tab-decisions");
      await page.click("#decisions-refresh");
      await page.locator("#decisions-list li").first().waitFor();
      await shot(`15-13-decisions-${w}x${hgt}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);
    }
    await page.setViewportSize({ width: 1400, height: 860 });
  });

  it("the editor is served compressed, its hashed assets cached for good and the page revalidated", async () => {
    const html = await fetch(`${h.url}/`, { headers: { "accept-encoding": "br, gzip" } });
    expect(html.headers.get("content-encoding")).toBe("br");
    expect(html.headers.get("cache-control")).toBe("no-cache");
    const script = /src="\.?(\/assets\/index-[^"]+\.js)"/.exec(await html.text())![1]!;
    const js = await fetch(`${h.url}${script}`, { headers: { "accept-encoding": "gzip" } });
    expect(js.headers.get("content-encoding")).toBe("gzip");
    expect(js.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    // API answers are left alone (small, and the hot path).
    const programs = await fetch(`${h.url}/v1/programs`, { headers: { "accept-encoding": "br, gzip", authorization: `Bearer ${ANALYST}` } });
    expect(programs.headers.get("content-encoding")).toBeNull();
  });

  it("then no uncaught error happened on the page", () => {
    expect(errors).toEqual([]);
  });
});

describe("with no keys configured (loopback only)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it("when the one person at the machine submits a draft, then the panel says they may approve it, and they do", async () => {
    const page = await h.browser.newPage({ viewport: { width: 1400, height: 860 } });
    await page.goto(`${h.url}/#/ice-tar/2010.1/new`);
    await page.waitForFunction(() => window.ready === true && window.precept?.route?.fresh === true);
    await page.click("#tab-publish");
    await page.locator("#publish-self:not([hidden])").waitFor();
    expect(await page.textContent("#publish-self")).toContain("you may approve your own draft");
    await page.fill("#publish-version", "2010.9");
    await page.fill("#publish-effective", "2031-01-01");
    await page.fill("#publish-change", "Nothing changes but the date");
    await page.click("#publish-submit");
    await expect.poll(() => page.textContent("#publish-status"), { timeout: 30_000 }).toContain("You may approve it yourself below");
    await page.locator('#reviews-list li[data-version="2010.9"] .review-approve').click();
    await page.waitForFunction(() => location.hash === "#/ice-tar/2010.9");
    await expect.poll(() => page.textContent("#publish-status"), { timeout: 30_000 }).toContain("(approved by its author: no keys are configured)");
    await page.locator("#version-facts").waitFor();
    expect(await page.textContent("#version-facts")).toContain("by its author: no keys were configured");
    await page.screenshot({ path: join(ARTIFACTS, "15-14-self-approved.png") });
    await page.close();
  });
});
