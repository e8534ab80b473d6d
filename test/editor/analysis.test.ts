/**
 * The solver in the editor (issue 14), in Debian's chromium against the real server and real z3: findings as
 * markers with the catalogue's help (on demand and when the author pauses), the verified differences in Changes with
 * an example opened in try-it (both decisions side by side), the verdict in Publish, and "what would change this
 * decision" in try-it and in the decision log. Screenshots at 1024×768 in artifacts/editor/ (not in the repository).
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogue } from "../../dsl/catalogue.js";
import { ARTIFACTS, chromiumAvailable, collectErrors, evalApp, lineOf, markers, ROOT, settled, startHarness, type Harness } from "./harness.js";

const BASE = readFileSync(join(ROOT, "policies/ice-tar/2010.1.policy"), "utf8");
const MRI = JSON.parse(readFileSync(join(ROOT, "policies/ice-tar/examples/urgent-mri.json"), "utf8")) as Record<string, unknown>;
// A rule no request can meet, which only the solver sees: a basic lab is costly only over the threshold.
const IMPOSSIBLE = `${BASE}
rule never-happens
  when costlyService and service.category = "lab-basic" and service.estimatedCost <= costThreshold
  then deny
  code impossible
  reason "Never"
  cite "test only"
`;
const SOLVER = 60_000;

describe.skipIf(!chromiumAvailable())("the solver in the editor (issue 14)", () => {
  let h: Harness;
  let page: Page;
  let errors: string[];
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
  const setText = async (text: string) => {
    await evalApp(page, `(app.ws.model.setValue(${JSON.stringify(text)}), true)`);
    await settled(page);
  };

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    h = await startHarness({ solver: true });
    page = await h.browser.newPage({ viewport: { width: 1024, height: 768 } });
    errors = collectErrors(page);
    await page.goto(`${h.url}/#/ice-tar/2010.1`);
    await page.waitForFunction(() => window.ready === true);
    await settled(page);
  }, 180_000);

  afterAll(async () => {
    await h?.close();
  });

  it("when a rule can never fire, then the solver marks it with the catalogue's help, by itself once the author pauses", async () => {
    await setText(IMPOSSIBLE);
    // No click: the pause after an error-free compile starts the solver.
    await page.waitForFunction(() => document.getElementById("solver-status")?.dataset.state === "done", undefined, { timeout: SOLVER });
    const line = await lineOf(page, "rule never-happens");
    const found = await markers(page, "precept-analysis");
    const never = found.filter((m) => m.message.includes(catalogue["analysis-never-fires"].help));
    expect(never.map((m) => m.startLineNumber)).toEqual([line]);
    expect(never[0]!.severity).toBe(await evalApp<number>(page, "monaco.MarkerSeverity.Warning"));
    expect(await page.locator('#solver-findings li[data-code="analysis-never-fires"]').textContent()).toContain(`line ${line}`);
    expect(await page.textContent("#solver-status")).toMatch(/^Solver: 1 warning/);
    // The compiler's markers are not the solver's: the draft compiles cleanly.
    expect(await markers(page)).toEqual([]);
    await page.click('#solver-findings li[data-code="analysis-never-fires"] button');
    await page.waitForTimeout(200);
    await shot("14-01-solver-marker");
    // An edit makes the findings stale at once; the Analyze button brings them back.
    await evalApp(page, `(document.getElementById("solver-auto").click(), true)`);
    await setText(`${IMPOSSIBLE}\n`);
    expect(await markers(page, "precept-analysis")).toEqual([]);
    await page.click("#solver-run");
    await page.waitForFunction(() => document.getElementById("solver-status")?.dataset.state === "done", undefined, { timeout: SOLVER });
    expect((await markers(page, "precept-analysis")).some((m) => m.startLineNumber === line)).toBe(true);
    await evalApp(page, `(document.getElementById("solver-auto").click(), true)`);
  }, 180_000);

  it("when the threshold is raised to 5000, then Changes proves pend -> approve and its example opens in try-it with both decisions", async () => {
    await setText(BASE.replace("value: 2500", "value: 5000"));
    await page.click("#tab-changes");
    await page.waitForFunction(() => ["different", "equivalent", "unknown", "error"].includes(document.getElementById("changes-verdict")?.dataset.verdict ?? ""), undefined, { timeout: SOLVER });
    expect(await page.getAttribute("#changes-verdict", "data-verdict")).toBe("different");
    expect(await page.textContent("#changes-verdict")).toContain("pend → approve");
    const transition = page.locator('#changes-verified li[data-transition="pend->approve"]');
    expect(await transition.locator(".where").first().textContent()).toMatch(/estimatedCost/);
    await shot("14-02-changes-verified");
    await transition.locator(".region-try").first().click();
    await page.locator("#try-compare").waitFor();
    expect(await page.getAttribute('#try-compare [data-side="baseline"] .outcome-line .outcome', "data-outcome")).toBe("pend");
    expect(await page.getAttribute('#try-compare [data-side="draft"] .outcome-line .outcome', "data-outcome")).toBe("approve");
    // The example is the solver's, and it sits inside the changed region: a cost over 2500, at most 5000.
    const cost = await evalApp<number>(page, "JSON.parse(monaco.editor.getModel(monaco.Uri.parse('inmemory://try/request.json')).getValue()).service.estimatedCost");
    expect(cost).toBeGreaterThan(2500);
    expect(cost).toBeLessThanOrEqual(5000);
    expect(await page.locator("#try-compare .differs").count()).toBeGreaterThan(0);
    await shot("14-03-example-side-by-side");
  }, 180_000);

  it("when the Publish tab is opened, then it shows the verdict against the version the draft replaces before anything is sent", async () => {
    await page.click("#tab-publish");
    await page.waitForFunction(() => ["different", "equivalent", "unknown", "error"].includes(document.getElementById("publish-verdict")?.dataset.verdict ?? ""), undefined, { timeout: SOLVER });
    expect(await page.getAttribute("#publish-verdict", "data-verdict")).toBe("different");
    expect(await page.textContent("#publish-verdict")).toMatch(/^Different from 2010\.1: .*pend → approve/);
    await page.locator("#publish-verdict").scrollIntoViewIfNeeded();
    await shot("14-04-publish-verdict");
    // The text as published is proved equivalent.
    await setText(BASE);
    await page.click("#tab-try");
    await page.click("#tab-publish");
    await page.waitForFunction(() => document.getElementById("publish-verdict")?.dataset.verdict === "equivalent", undefined, { timeout: SOLVER });
    expect(await page.textContent("#publish-verdict")).toContain("Equivalent to 2010.1 (proved)");
  }, 180_000);

  it("when try-it asks what would change a pended MRI, then it says approve if onsiteApproval changes, and that request is approved", async () => {
    await page.click("#tab-try");
    await evalApp(page, `(app.tryRequest(${JSON.stringify(MRI)}, "2010-03-02"), true)`);
    await page.locator("#try-result .outcome").waitFor();
    expect(await page.getAttribute("#try-result .outcome-line .outcome", "data-outcome")).toBe("pend");
    await page.click("#try-result .cf-run");
    const approve = page.locator('#try-result .cf-alt[data-outcome="approve"]');
    await approve.waitFor({ timeout: SOLVER });
    expect(await approve.textContent()).toMatch(/^approve if: onsiteApproval = (physician|clinical-director) /);
    await shot("14-05-counterfactual-try-it");
    await approve.locator(".cf-try").click();
    await page.waitForFunction(() => document.querySelector("#try-result .outcome-line .outcome")?.getAttribute("data-outcome") === "approve");
    const now = await evalApp<Record<string, unknown>>(page, "JSON.parse(monaco.editor.getModel(monaco.Uri.parse('inmemory://try/request.json')).getValue())");
    expect(now.onsiteApproval).toMatch(/physician|clinical-director/);
    expect({ ...now, onsiteApproval: MRI.onsiteApproval }).toEqual(MRI);
  }, 180_000);

  it("when a logged decision is explained, then it too says what would change it, under the version that made it", async () => {
    const made = (await (await fetch(`${h.url}/v1/programs/ice-tar/versions/2010.1/evaluate?decisionDate=2010-03-02`, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(MRI),
    })).json()) as { id: string; outcome: string };
    expect(made.outcome).toBe("pend");
    await page.click("#tab-decisions");
    await page.click("#decisions-refresh");
    await page.locator(`#decisions-list button[data-id="${made.id}"]`).click();
    await page.locator("#decision-detail .cf-run").click();
    const approve = page.locator('#decision-detail .cf-alt[data-outcome="approve"]');
    await approve.waitFor({ timeout: SOLVER });
    expect(await approve.textContent()).toMatch(/^approve if: onsiteApproval = (physician|clinical-director) /);
    expect(errors).toEqual([]);
  }, 180_000);
});
