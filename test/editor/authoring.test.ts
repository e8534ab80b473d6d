/**
 * Issue 15's remaining authoring help, in Debian's chromium against the real server: the diagnostic catalogue's help
 * under each marker and in its hover; the missing-`cite` quick fix as a snippet whose placeholder is selected (and
 * marked until it is replaced) or with the nearest rule's citation; try-it deciding a usms-claim-like duplicate
 * through the server's dry run of the draft, with nothing logged.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogue } from "../../dsl/catalogue.js";
import { ARTIFACTS, collectErrors, cursorAt, evalApp, lineOf, settled, startHarness, type Harness } from "./harness.js";

const AUTHOR = "author-key-authoring-01";
const ANALYST = "analyst-key-authoring-1";
const SERVICE = "service-key-authoring-1";

type Marker = { message: string; startLineNumber: number; code: string };
const allMarkers = (page: Page): Promise<Marker[]> =>
  evalApp(page, `monaco.editor.getModelMarkers({ owner: "precept", resource: app.ws.model.uri }).map((m) => ({ message: m.message, startLineNumber: m.startLineNumber, code: String(m.code) }))`);

describe("authoring help (issue 15)", () => {
  let h: Harness;
  let page: Page;
  let errors: string[];
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
  const api = (path: string, init: { key?: string; body?: unknown } = {}) =>
    fetch(`${h.url}${path}`, {
      method: init.body === undefined ? "GET" : "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${init.key ?? ANALYST}` },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    }).then((r) => r.json() as Promise<any>);
  const open = async (hash: string, check: string) => {
    await page.goto("about:blank");
    await page.goto(`${h.url}/${hash}`);
    await page.waitForFunction((c) => window.ready === true && window.precept?.ws.model?.getValue().includes(c), check);
    await settled(page);
  };
  const line = (n: number) => evalApp<string>(page, `app.ws.model.getLineContent(${n})`);

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    h = await startHarness({ keys: `author:${AUTHOR},analyst:${ANALYST},service:${SERVICE}` });
    page = await h.browser.newPage({ viewport: { width: 1400, height: 860 } });
    errors = collectErrors(page);
    await page.goto(h.url);
    await page.fill("#api-key", AUTHOR);
    await page.press("#api-key", "Enter");
    await page.waitForFunction(() => window.ready === true);
  });

  afterAll(async () => {
    await h?.close();
  });

  it("when a marker shows, then its message and hover carry the site's help and the catalogue's help for its code", async () => {
    await open("#/ice-tar/2010.1", 'version: "2010.1"');
    const n = await lineOf(page, "when service.category in basicLabs");
    await cursorAt(page, n, (await line(n)).length + 1);
    await page.keyboard.type("x");
    await page.waitForFunction(() => window.monaco!.editor.getModelMarkers({ owner: "precept" }).length > 0);
    const [m] = await allMarkers(page);
    const general = (catalogue as Record<string, { help: string }>)[m!.code]!.help;
    expect(m!.message.split("\n")).toEqual(["unknown name `basicLabsx`", "help: did you mean `basicLabs`?", `in general: ${general}`]);
    // The hover on the marker's range shows the same words.
    await cursorAt(page, n, (await line(n)).length - 2);
    await evalApp(page, "(app.ws.editor.trigger('test', 'editor.action.showHover', {}), true)");
    const hover = page.locator(".monaco-hover:not(.hidden)", { hasText: "in general:" });
    await hover.first().waitFor();
    expect(await hover.first().textContent()).toContain(general);
    await shot("15-10-marker-help");
    await page.keyboard.press("Escape");
    expect(await page.textContent("#problems")).toContain(general);
    await evalApp(page, "(app.ws.model.setValue(app.base.source), true)");
    await settled(page);
  });

  it("when a rule lacks its `cite`, then the quick fix inserts one with the placeholder selected, marked until it is replaced", async () => {
    const citeLine = await lineOf(page, 'cite "000_143979f455261efb.txt, Management Comments');
    await evalApp(page, `(app.ws.editor.executeEdits("test", [{ range: new monaco.Range(${citeLine - 1}, 10000, ${citeLine}, 10000), text: "" }]), true)`);
    await settled(page);
    const rule = await lineOf(page, "rule follow-up-visit");
    const missing = (await allMarkers(page)).filter((m) => m.code === "policy/missing-citation");
    expect(missing.map((m) => m.startLineNumber)).toEqual([rule]);
    expect(missing[0]!.message).toContain(`in general: ${catalogue["policy/missing-citation"].help}`);
    // Both fixes are offered: the placeholder snippet, and the nearest rule's citation.
    await cursorAt(page, rule, 2);
    await evalApp(page, "(app.ws.editor.trigger('test', 'editor.action.quickFix', {}), true)");
    const menu = page.locator(".action-widget", { hasText: "Add a `cite` line" });
    await menu.locator(".monaco-list-row", { hasText: "Add a `cite` line" }).first().waitFor();
    expect(await menu.textContent()).toContain("Cite as rule `basic-lab` does: “000_143979f455261efb.txt, The Current Process Is Inefficient”");
    await shot("15-11-cite-quick-fix");
    await menu.locator(".monaco-list-row", { hasText: "Add a `cite` line" }).first().click();
    const inserted = citeLine;
    await expect.poll(() => line(inserted)).toBe('  cite "seed file, §section"');
    // The tab stop selects the placeholder, so typing replaces it.
    expect(await evalApp<string>(page, "app.ws.model.getValueInRange(app.ws.editor.getSelection())")).toBe("seed file, §section");
    await settled(page);
    const placeholder = (await allMarkers(page)).filter((m) => m.code === "policy/missing-citation");
    expect(placeholder.map((m) => m.startLineNumber)).toEqual([inserted]);
    expect(placeholder[0]!.message).toContain("still holds the placeholder");
    await page.keyboard.type("000_143979f455261efb.txt, Recommendation #1");
    expect(await line(inserted)).toBe('  cite "000_143979f455261efb.txt, Recommendation #1"');
    await settled(page);
    expect(await allMarkers(page)).toEqual([]);
    // The other fix: the nearest rule's citation, selected to confirm or edit.
    await evalApp(page, `(app.ws.editor.executeEdits("test", [{ range: new monaco.Range(${inserted - 1}, 10000, ${inserted}, 10000), text: "" }]), true)`);
    await settled(page);
    await cursorAt(page, rule, 2);
    await evalApp(page, "(app.ws.editor.trigger('test', 'editor.action.quickFix', {}), true)");
    await menu.locator(".monaco-list-row", { hasText: "Cite as rule" }).first().click();
    await expect.poll(() => line(inserted)).toBe('  cite "000_143979f455261efb.txt, The Current Process Is Inefficient"');
    expect(await evalApp<string>(page, "app.ws.model.getValueInRange(app.ws.editor.getSelection())")).toBe("000_143979f455261efb.txt, The Current Process Is Inefficient");
    await evalApp(page, "(app.ws.model.setValue(app.base.source), true)");
    await settled(page);
  });

  it("when an accepted claim is in the server's log, then try-it decides its copy `duplicate` through the server's dry run, logging nothing", async () => {
    await open("#/usms-claim/2000.1", 'version: "2000.1"');
    const name = "same prisoner, provider, date of service and amount as an accepted claim -> duplicate";
    const c = (await api("/v1/programs/usms-claim/versions/2000.1/tests")).cases.find((x: { name: string }) => x.name === name);
    const earlier = { ...c.history[0], claimId: "LOG-1" };
    const accepted = await api(`/v1/programs/usms-claim/versions/2000.1/evaluate?decisionDate=${c.decisionDate}`, { key: SERVICE, body: earlier });
    expect(accepted.outcome).toBe("valid");
    // What the server decides live for the copy, to compare with (under another id, so the copy itself is new).
    const live = await api(`/v1/programs/usms-claim/versions/2000.1/evaluate?decisionDate=${c.decisionDate}&explain=false`, { key: SERVICE, body: { ...c.request, claimId: "LOG-2" } });
    expect(live.reasons.map((r: { code: string }) => r.code)).toContain("duplicate");
    await page.click("#tab-try");
    // No earlier claims listed in the panel: only the server's log knows of LOG-1.
    await evalApp(page, `(app.tryRequest(${JSON.stringify({ ...c.request, claimId: "TRY-1" })}, ${JSON.stringify(c.decisionDate)}), true)`);
    await expect.poll(() => page.textContent("#try-result .outcome")).toBe(live.outcome);
    expect(await page.textContent("#try-result .reasons")).toContain("duplicate");
    const status = await page.textContent("#panel-try p.status");
    expect(status).toContain("Decided by the server under the draft");
    expect(status).toContain("LOG-1");
    expect(await page.inputValue("#try-history")).toBe("");
    await shot("15-12-duplicate-dry-run");
    // A test case cannot carry the server's log: adding it without the earlier claim is refused, in words.
    await page.click("#try-add-case");
    expect(await page.textContent("#panel-try p.status")).toContain("Not added: the server found this a duplicate of LOG-1");
    const log = await api("/v1/decisions?program=usms-claim&limit=100");
    const ids = log.items.map((d: { request: { claimId: string } }) => d.request.claimId);
    expect(ids).toContain("LOG-1");
    expect(ids.filter((id: string) => id.startsWith("TRY-"))).toEqual([]);
    expect(errors).toEqual([]);
  });
});
