/**
 * Format Document in the real editor (Debian's chromium): the editor's own action (Ctrl+Shift+I on Linux, or the
 * context menu) lays the draft out as `precept fmt` does,
 * through the provider in editor/format.ts, and a draft with a syntax error is left as it is.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatPolicy } from "../../dsl/format.js";
import { evalApp, ROOT, settled, startHarness, type Harness } from "./harness.js";

describe("Format Document", () => {
  let h: Harness;
  let page: Page;
  const shipped = readFileSync(join(ROOT, "policies/ice-tar/2010.1.policy"), "utf8");

  beforeAll(async () => {
    h = await startHarness();
    page = await h.browser.newPage({ viewport: { width: 1200, height: 800 } });
    await page.goto(`${h.url}/#/ice-tar/2010.1`);
    await page.waitForFunction(() => window.ready === true);
  });

  afterAll(async () => {
    await h?.close();
  });

  const setDraft = (text: string) => evalApp(page, `(app.ws.model.setValue(${JSON.stringify(text)}), true)`);
  const draft = () => evalApp<string>(page, "app.ws.model.getValue()");
  const formatDocument = async () => {
    await evalApp(page, "(app.ws.editor.focus(), true)");
    expect(await evalApp<boolean>(page, `app.ws.editor.getAction("editor.action.formatDocument").isSupported()`)).toBe(true);
    await page.keyboard.press("Control+Shift+I");
    await settled(page);
  };

  it("lays a spoiled draft out as precept fmt does", async () => {
    // One rule's clauses joined on one line, and its condition packed tight.
    const messy = shipped.replace(/\nrule ([a-z-]+)\n {2}when ([^\n]*)\n {2}then/, (_m, id: string, when: string) => `\nrule   ${id}   when ${when.replace(/ = /g, "=")} then`);
    expect(messy).not.toBe(shipped);
    await setDraft(messy);
    await formatDocument();
    await page.waitForFunction((want) => window.precept.ws.model.getValue() === want, formatPolicy(messy).text, { timeout: 10_000 });
    expect(await draft()).toBe(shipped);
  });

  it("leaves a draft with a syntax error as it is", async () => {
    const broken = shipped.replace("then approve", "then approve (");
    await setDraft(broken);
    await formatDocument();
    expect(await draft()).toBe(broken);
  });
});
