/**
 * A fourth program, added as a folder (test/fixtures/programs/dme-rental) with no code change, loads in the editor
 * in Debian's chromium: the draft opens without problems, its test cases pass in the browser only because the
 * editor reads the program's manifest from GET /v1/programs (two of them hinge on `grant` accepting although
 * `not-needed` is listed last), and the decision log names a decision by the manifest's request id.
 */
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumAvailable, collectErrors, evalApp, ROOT, settled, startHarness, type Harness } from "./harness.js";

const ANALYST = "analyst-key-0123456789";
const SERVICE = "service-key-0123456789";

describe.skipIf(!chromiumAvailable())("a fourth program in the editor", () => {
  let h: Harness;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    h = await startHarness({ keys: `analyst:${ANALYST},service:${SERVICE}`, policiesDir: join(ROOT, "test/fixtures/programs") });
    page = await h.browser.newPage({ viewport: { width: 1400, height: 860 } });
    errors = collectErrors(page);
    await page.goto(h.url);
    await page.fill("#api-key", ANALYST);
    await page.press("#api-key", "Enter");
    await page.waitForFunction(() => window.ready === true);
  }, 120_000);

  afterAll(async () => {
    await h?.close();
  });

  it("when the editor opens, then the fourth program's version is the draft, with no problems", async () => {
    expect(new URL(page.url()).hash).toBe("#/dme-rental/2024.1");
    await page.waitForFunction(() => window.precept?.ws.model?.getValue().includes("program: dme-rental"));
    await settled(page);
    expect(await page.textContent("#problem-count")).toBe("none");
    expect(await evalApp<string[]>(page, "app.programs.map((p) => p.manifest.requestId)")).toEqual(["orderNo"]);
  });

  it("when its test cases are run in the browser, then all pass, the duplicate cases included", async () => {
    await page.click("#tab-tests");
    await page.click("#tests-run");
    await page.locator("#tests-list li.pass").first().waitFor();
    expect(await page.textContent("#tests-summary")).toBe("5 passed, 0 failed.");
  });

  it("when a decision is logged, then the decision log names it by the manifest's request id", async () => {
    const made = await fetch(`${h.url}/v1/programs/dme-rental/evaluate`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${SERVICE}` },
      body: JSON.stringify({ patient: { id: "P-1" }, orderNo: "O-777", prescriptionId: "RX-1", deliveryDate: "2024-05-01", item: { code: "walker", monthlyRent: 20 } }),
    }).then((r) => r.json() as Promise<{ id: string; outcome: string }>);
    expect(made.outcome).toBe("grant");
    await page.click("#tab-decisions");
    await page.click("#decisions-refresh");
    const row = page.locator(`#decisions-list button[data-id="${made.id}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain("O-777");
    expect(errors).toEqual([]);
  });
});
