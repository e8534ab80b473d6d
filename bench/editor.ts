/**
 * Editor benchmark: `node --import tsx bench/editor.ts` prints JSON lines.
 *
 *   bundle            size of the built editor (every file, and the JS the page loads first, raw and gzip)
 *   first_load        what the browser really transferred for a first visit of `/` (compressed, from the DevTools
 *                     protocol's encodedDataLength), and the time to the editor being ready
 *   page_ready        from navigation to a policy open and analysed
 *   keystroke_markers on the largest shipped policy (ihs-chs 2008.1) and on a ~2,000-line one: from the keydown of a character that breaks (or fixes) a rule to
 *                     the markers showing it, measured inside the page (no DevTools round trip in the figure)
 *   keystroke_frame   from the keydown to the next painted frame: is typing still responsive while it compiles?
 *   worker_compile    the compile worker's own time per text
 *
 * Options: --lines N (default 2000), --keys N (keystrokes, default 40), PRECEPT_EDITOR_DIST to skip the build.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { buildEditor, evalApp, ROOT, startHarness } from "../test/editor/harness.js";

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const LINES = arg("lines", 2000);
const KEYS = arg("keys", 40);
const print = (o: object): void => console.log(JSON.stringify(o));
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return { n: s.length, median: +q(0.5).toFixed(1), p90: +q(0.9).toFixed(1), max: +s[s.length - 1]!.toFixed(1), min: +s[0]!.toFixed(1) };
};

/** ice-tar 2005.1 (self-contained) grown to `lines` lines with generated rules, as version 9999.1. */
function bigPolicy(lines: number): string {
  // Effective in the future: a past date would need a confirmed retroactive publish (server/publish-review.ts).
  let text = readFileSync(join(ROOT, "policies/ice-tar/2005.1.policy"), "utf8").replace('version: "2005.1"', 'version: "9999.1"').replace(/^effective: .*$/m, "effective: 2099-01-01");
  for (let i = 0; text.split("\n").length < lines; i++) {
    text += `\n# generated rule ${i}\nrule gen-${i}\n  when service.category = "dental" and service.estimatedCost > ${100 + i} and not (service.category in caseByCase)\n  then pend\n  code gen-${i}\n  reason "Generated rule ${i}"\n  cite "bench"\n`;
  }
  return text;
}

const t0 = performance.now();
const dist = await buildEditor();
print({ metric: "build", ms: Math.round(performance.now() - t0), dir: process.env.PRECEPT_EDITOR_DIST ? dist : "temp" });

const files = (readdirSync(join(dist, "assets")).map((f) => join("assets", f)).concat(["index.html"])).map((f) => {
  const bytes = readFileSync(join(dist, f));
  return { file: f, bytes: statSync(join(dist, f)).size, gzip: /\.(js|css|html)$/.test(f) ? gzipSync(bytes).length : undefined };
});
const entry = /src="\.\/(assets\/index-[^"]+\.js)"/.exec(readFileSync(join(dist, "index.html"), "utf8"))?.[1];
const sum = (xs: { bytes: number; gzip?: number | undefined }[]) => ({ bytes: xs.reduce((s, f) => s + f.bytes, 0), gzip: xs.reduce((s, f) => s + (f.gzip ?? f.bytes), 0) });
const css = files.filter((f) => f.file.endsWith(".css"));
const first = files.filter((f) => f.file === entry || f.file.endsWith(".css") || f.file === "index.html");
print({ metric: "bundle", files: files.length, total: sum(files), firstLoad: sum(first), entry: files.find((f) => f.file === entry), css: sum(css), workers: files.filter((f) => /worker/.test(f.file)).map((f) => ({ file: f.file, bytes: f.bytes })) });

const h = await startHarness();
try {
  const source = bigPolicy(LINES);
  const res = await fetch(`${h.url}/v1/programs/ice-tar/versions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ source }) });
  if (res.status !== 201) throw new Error(`could not publish the bench policy: ${res.status} ${await res.text()}`);
  // A first visit: a fresh browser context (empty cache), everything the page fetches until the editor is ready.
  {
    const ctx = await h.browser.newContext({ viewport: { width: 1400, height: 860 } });
    const page = await ctx.newPage();
    const cdp = await ctx.newCDPSession(page);
    await cdp.send("Network.enable");
    let transferred = 0;
    let requests = 0;
    const encodings = new Map<string, string>();
    cdp.on("Network.responseReceived", (e: any) => encodings.set(e.requestId, String(e.response.headers["content-encoding"] ?? e.response.headers["Content-Encoding"] ?? "none")));
    cdp.on("Network.loadingFinished", (e: any) => {
      transferred += e.encodedDataLength;
      requests++;
    });
    const t = performance.now();
    await page.goto(h.url);
    await page.waitForFunction(() => window.ready === true, null, { timeout: 60_000 });
    const readyMs = Math.round(performance.now() - t);
    print({ metric: "first_load", url: "/", requests, transferredBytes: transferred, encodings: Object.fromEntries([...new Set(encodings.values())].map((v) => [v, [...encodings.values()].filter((x) => x === v).length])), readyMs });
    await ctx.close();
  }

  async function keystrokes(hash: string, label: string, lineMatch: RegExp): Promise<void> {
    const page = await h.browser.newPage({ viewport: { width: 1400, height: 860 } });
    const tReady = performance.now();
    await page.goto(`${h.url}/${hash}`);
    await page.waitForFunction(() => window.ready === true, null, { timeout: 60_000 });
    const lines = await evalApp<number>(page, "app.ws.model.getLineCount()");
    print({ metric: "page_ready", policy: label, lines, ms: Math.round(performance.now() - tReady) });

    // In-page probes: keydown time, the next frame after it, and the time markers last changed.
    await evalApp(page, `(() => {
      window.__probe = { key: 0, frame: 0, markers: 0, results: [] };
      document.addEventListener("keydown", () => {
        const t = performance.now(); window.__probe.key = t;
        requestAnimationFrame(() => { window.__probe.frame = performance.now() - t; });
      }, true);
      monaco.editor.onDidChangeMarkers(() => { window.__probe.markers = performance.now(); });
      app.ws.onResult((r) => window.__probe.results.push(r.ms));
      return true;
    })()`);
    const found = await evalApp<[number, string]>(page, `(() => { const ls = app.ws.model.getLinesContent(); const i = ls.findIndex((l) => ${lineMatch.toString()}.test(l)); return [i + 1, ls[i]]; })()`);
    const [line, text] = found;
    if (line < 1) throw new Error(`${label}: no line matches ${lineMatch}`);
    await evalApp(page, `(app.ws.editor.setPosition({ lineNumber: ${line}, column: ${text.length + 1} }), app.ws.editor.revealLineInCenter(${line}), app.ws.editor.focus(), true)`);

    const latencies: number[] = [];
    const frames: number[] = [];
    for (let i = 0; i < KEYS; i++) {
      const breaking = i % 2 === 0;
      await page.keyboard.press(breaking ? "x" : "Backspace");
      await page.waitForFunction((want) => {
        const p = (window as any).__probe;
        const n = (window as any).monaco.editor.getModelMarkers({ owner: "precept" }).filter((m: any) => m.severity === 8).length;
        return p.markers > p.key && (want ? n > 0 : n === 0);
      }, breaking, { timeout: 10_000, polling: 5 });
      const p = await evalApp<{ key: number; frame: number; markers: number }>(page, "window.__probe");
      latencies.push(p.markers - p.key);
      frames.push(p.frame);
      await page.waitForTimeout(150); // a pause between keystrokes, as an author makes
    }
    const compiles = await evalApp<number[]>(page, "window.__probe.results");
    print({ metric: "keystroke_markers", policy: label, lines, unit: "ms", ...stats(latencies), goal: 100 });
    print({ metric: "keystroke_frame", policy: label, unit: "ms", ...stats(frames) });
    print({ metric: "worker_compile", policy: label, unit: "ms", ...stats(compiles.slice(1)) });
    await page.close();
  }

  await keystrokes("#/ihs-chs/2008.1", "ihs-chs 2008.1 (largest shipped)", /^ {2}then (deny|defer|approve)$/);
  await keystrokes("#/ice-tar/9999.1", `generated ${source.split("\n").length} lines`, /^ {2}then pend$/);
} finally {
  await h.close();
}
