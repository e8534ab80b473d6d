/**
 * Browser-test harness: builds the editor with Vite (into a temp dir, so a test never runs a stale editor/dist),
 * starts the real server on port 0 with a temp data dir serving that build, and launches Debian's chromium through
 * playwright-core (Debian's Chromium, no browser download).
 *
 * PRECEPT_EDITOR_DIST=<dir> skips the build and serves an existing one (e.g. editor/dist after `vite build editor`).
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { createAuth, parseKeySpec } from "../../server/auth.js";
import { readConfig } from "../../server/config.js";
import { createLogger } from "../../server/logging.js";
import { startServer, type Running } from "../../server/start.js";

declare global {
  // What the editor page exposes to tests (editor/main.ts declares the precise types for the page itself).
  interface Window {
    ready?: boolean;
    precept?: any;
    monaco?: any;
  }
}

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const ARTIFACTS = join(ROOT, "artifacts", "editor");
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Builds the editor once per process; returns the folder to serve. */
let built: Promise<string> | undefined;
export function buildEditor(): Promise<string> {
  const given = process.env.PRECEPT_EDITOR_DIST;
  if (given) return Promise.resolve(given);
  built ??= (async () => {
    const { build } = await import("vite");
    const outDir = mkdtempSync(join(tmpdir(), "precept-editor-dist-"));
    process.once("exit", () => rmSync(outDir, { recursive: true, force: true }));
    await build({ configFile: join(ROOT, "editor/vite.config.ts"), build: { outDir, emptyOutDir: true }, logLevel: "warn" });
    return outDir;
  })();
  return built;
}

export interface Harness {
  readonly url: string;
  readonly server: Running;
  readonly browser: Browser;
  close(): Promise<void>;
}

/**
 * The server (with the given API keys, or none; the shipped policies unless another folder is given) and a browser.
 * Pages start with the solver's automatic runs off (editor/solver.ts `autoAnalyze`) unless `solver` is set: z3 runs
 * on the server's main thread, and suites about other things should not wait behind it.
 */
export async function startHarness(opts: { keys?: string; policiesDir?: string; solver?: boolean } = {}): Promise<Harness> {
  const editorDir = await buildEditor();
  const dataDir = mkdtempSync(join(tmpdir(), "precept-editor-data-"));
  const config = { ...readConfig({ PORT: "0", PRECEPT_POLL_MS: "500" }, ROOT), dataDir, editorDir, ...(opts.policiesDir ? { policiesDir: opts.policiesDir } : {}) };
  const server = await startServer(config, createLogger(process.env.TEST_LOG_LEVEL ?? "silent"), {
    auth: createAuth(opts.keys ? parseKeySpec(opts.keys) : []),
  });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-quic", "--no-first-run", "--disable-sync", "--disable-dev-shm-usage"],
  });
  if (!opts.solver) {
    const newPage = browser.newPage.bind(browser);
    browser.newPage = async (options) => {
      const page = await newPage(options);
      await page.addInitScript(() => {
        // about:blank has no localStorage (reading it throws there).
        try {
          if (localStorage.getItem("precept.autoAnalyze") === null) localStorage.setItem("precept.autoAnalyze", "off");
        } catch {
          /* not the editor's page */
        }
      });
      return page;
    };
  }
  return {
    url: server.url,
    server,
    browser,
    async close() {
      await browser.close().catch(() => undefined);
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const chromiumAvailable = (): boolean => existsSync(CHROMIUM);

/** Page errors (uncaught exceptions) seen on a page, for a final "no errors" check. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  return errors;
}

/** Runs code against the page's editor state (window.precept, window.monaco). */
export const evalApp = <T>(page: Page, fn: string): Promise<T> =>
  page.evaluate(`(() => { const app = window.precept, monaco = window.monaco; return ${fn}; })()`) as Promise<T>;

/** The 1-based line of the first line of the draft that contains `text`. */
export const lineOf = (page: Page, text: string): Promise<number> =>
  evalApp<number>(page, `app.ws.model.getLinesContent().findIndex((l) => l.includes(${JSON.stringify(text)})) + 1`);

/** Markers of the draft model by owner. */
export const markers = (page: Page, owner = "precept"): Promise<{ message: string; startLineNumber: number; severity: number }[]> =>
  evalApp(page, `monaco.editor.getModelMarkers({ owner: ${JSON.stringify(owner)}, resource: app.ws.model.uri }).map((m) => ({ message: m.message, startLineNumber: m.startLineNumber, severity: m.severity }))`);

/** Waits until the draft's analysis is up to date with its text. */
export const settled = (page: Page): Promise<unknown> => evalApp(page, "app.ws.analysis.settled().then(() => true)");

/** Puts the cursor at a line and column of the draft and focuses the editor. */
export async function cursorAt(page: Page, line: number, column: number): Promise<void> {
  await evalApp(page, `(app.ws.editor.setPosition({ lineNumber: ${line}, column: ${column} }), app.ws.editor.revealLineInCenter(${line}), app.ws.editor.focus(), true)`);
}
