/**
 * The policy editor page. `/` opens the newest version of the first program; `#/<program>/<version>` opens a draft
 * of that version, `#/<program>/<version>/new` a new version that extends it. Drafts are kept in this browser until
 * published. The panels (try-it, tests, changes, simulation, publish) are in editor/panels/.
 */
import type { editor } from "monaco-editor/editor/editor.api";
import "./style.css";
import { api, AppError, apiKey, inWords, type ProgramSummary, type VersionDetail } from "./api.js";
import { parseRoute, routeHash, routeKey, type App, type Route } from "./app.js";
import { byId, clear, h, say, setupTabs } from "./dom.js";
import { drafts, newVersionSource, nextVersionId } from "./drafts.js";
import { monaco } from "./monaco.js";
import { createChangesPanel } from "./panels/changes.js";
import { createPublishPanel } from "./panels/publish.js";
import { createDecisionsPanel } from "./panels/decisions.js";
import { createOutlinePanel } from "./panels/outline.js";
import { createSimulatePanel } from "./panels/simulate.js";
import { createTestsPanel } from "./panels/tests.js";
import { createTryIt } from "./panels/tryit.js";
import { loadTestCases, type TestCase } from "./test-cases.js";
import { Workspace } from "./workspace.js";

declare global {
  interface Window {
    /** Set once the first policy is open and analysed (browser tests wait for it). */
    ready?: boolean;
    monaco?: typeof monaco;
    precept?: App;
  }
}

const banner = byId("banner");
const programSelect = byId<HTMLSelectElement>("program");
const versionSelect = byId<HTMLSelectElement>("version");
const keyInput = byId<HTMLInputElement>("api-key");
const draftStatus = byId("draft-status");
const details = new Map<string, Promise<VersionDetail>>();
const openedListeners: (() => void)[] = [];

const ws = new Workspace();
const app: App = {
  ws,
  programs: [],
  route: undefined,
  base: undefined,
  testCases: [],
  detail(program, version, withCompiled = false) {
    const full = details.get(`${program}/${version}/c`);
    if (full) return full;
    const key = `${program}/${version}/${withCompiled ? "c" : "s"}`;
    let p = details.get(key);
    if (!p) {
      p = api.version(program, version, withCompiled);
      p.catch(() => details.delete(key));
      details.set(key, p);
    }
    return p;
  },
  async reloadPrograms() {
    app.programs = await api.programs();
    renderPickers();
  },
  refreshVersion() {
    const route = app.route;
    if (!route) return;
    for (const k of [...details.keys()]) if (k.startsWith(`${route.program}/${route.version}/`)) details.delete(k);
    void openRoute(route);
  },
  navigate(route, line) {
    const hash = routeHash(route);
    if (location.hash === hash && app.route && routeKey(app.route) === routeKey(route)) {
      if (line) ws.revealLine(line);
    } else if (location.hash === hash) void openRoute(route, line);
    else {
      pendingLine = line;
      location.hash = hash;
    }
  },
  tryRequest(request, decisionDate, ctx) {
    selectTab("tab-try");
    tryIt.load(request, decisionDate, ctx);
    void tryIt.evaluate();
  },
  addTestCase(c: TestCase) {
    app.testCases.push(c);
    tests.render();
    tryIt.refreshExamples();
  },
  selectTab: (id) => selectTab(id),
  discardDraft: () => saver?.discard(),
  onDraftOpened: (fn) => void openedListeners.push(fn),
};
window.monaco = monaco;
window.precept = app;

let pendingLine: number | undefined;
const tryIt = createTryIt(app, byId("panel-try"));
const tests = createTestsPanel(app, byId("panel-tests"));
const changes = createChangesPanel(app, byId("panel-changes"));
const simulate = createSimulatePanel(app, byId("panel-simulate"));
const publish = createPublishPanel(app, byId("panel-publish"));
const decisions = createDecisionsPanel(app, byId("panel-decisions"));
const outline = createOutlinePanel(app, byId("panel-outline"));
const selectTab = setupTabs(byId("tabs"), (id) => {
  if (id === "tab-changes") void changes.refresh();
  if (id === "tab-decisions") void decisions.refresh();
  if (id === "tab-publish") void publish.refresh();
  if (id === "tab-outline") outline.render();
  if (id === "tab-simulate") {
    simulate.render();
    void simulate.refresh();
  }
});

ws.onOpenVersion = (program, version, line) => app.navigate({ program, version, fresh: false }, line);
ws.onTryExample = (request, decisionDate) => app.tryRequest(request, decisionDate);
ws.editor.addAction({
  id: "precept.analyze",
  label: "Analyze the draft with the solver (rules that never fire or never decide, overlaps, gaps)",
  keybindings: [monaco.KeyMod.CtrlCmd | monaco.KeyMod.Shift | monaco.KeyCode.KeyA],
  run: () => void ws.solver?.run(),
});
ws.editor.addAction({
  id: "precept.evaluate",
  label: "Evaluate the try-it request under the draft",
  keybindings: [monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter],
  run: () => {
    selectTab("tab-try");
    void tryIt.evaluate();
  },
});

function showBanner(text: string): void {
  say(banner, text, "error");
}

function renderPickers(): void {
  const route = app.route;
  clear(programSelect, app.programs.map((p) => h("option", { value: p.program, selected: p.program === route?.program }, p.program)));
  const program = app.programs.find((p) => p.program === route?.program);
  clear(versionSelect, [...(program?.versions ?? [])].reverse().map((v) =>
    h("option", { value: v.version, selected: v.version === route?.version }, `${v.version} (from ${v.effective})${v.status === "withdrawn" ? " (withdrawn)" : ""}`),
  ));
  const newBtn = byId<HTMLButtonElement>("new-version");
  newBtn.disabled = !route || route.fresh;
}

function defaultRoute(programs: readonly ProgramSummary[]): Route | undefined {
  const p = programs[0];
  const v = p?.versions.at(-1);
  return p && v ? { program: p.program, version: v.version, fresh: false } : undefined;
}

function updateDraftStatus(published: string | undefined): void {
  const text = ws.model?.getValue();
  if (text !== undefined) setDraftStatus(text !== published, published === undefined);
}

function setDraftStatus(changed: boolean, fresh: boolean): void {
  const route = app.route;
  if (!route) return;
  draftStatus.textContent = fresh ? `New version, extends ${route.version}` : changed ? "Unpublished changes" : "Published";
  draftStatus.title = changed ? "A draft: kept in this browser until you publish it" : "The text as published";
  byId<HTMLButtonElement>("revert").disabled = !changed;
}

/** Keeps the open draft in localStorage (debounced); forgets it when it is back to the published text. */
class DraftSaver {
  private timer: ReturnType<typeof setTimeout> | undefined;
  constructor(
    private readonly key: string,
    private readonly model: editor.ITextModel,
    private readonly published: string | undefined,
  ) {
    model.onDidChangeContent(() => {
      // Said at once; the save (and the check against the published text) follows when typing pauses.
      if (published !== undefined) setDraftStatus(true, false);
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.flush(), 300);
    });
  }

  flush(): void {
    if (this.timer === undefined || this.model.isDisposed()) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    const text = this.model.getValue();
    if (text === this.published) drafts.remove(this.key);
    else drafts.set(this.key, text);
    updateDraftStatus(this.published);
  }

  /** Forgets the draft (it was published). */
  discard(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    drafts.remove(this.key);
  }
}

let saver: DraftSaver | undefined;

/** The version's test cases; a version without its own file uses those of the version it extends. */
async function testCasesFor(program: string, version: VersionDetail): Promise<TestCase[]> {
  for (let v: VersionDetail | undefined = version, seen = 0; v && seen < 10; seen++) {
    const cases = await loadTestCases(program, v.version);
    if (cases.length || !v.extends) return cases;
    v = await app.detail(program, v.extends);
  }
  return [];
}
let opening = 0;
async function openRoute(route: Route, line?: number): Promise<void> {
  const mine = ++opening;
  const program = app.programs.find((p) => p.program === route.program);
  if (!program) return showBanner(`There is no program “${route.program}” on this server.`);
  if (!program.versions.some((v) => v.version === route.version)) return showBanner(`${route.program} has no published version “${route.version}”.`);
  say(banner, "");
  let base: VersionDetail;
  const sources: Record<string, string> = {};
  try {
    [base] = await Promise.all([
      app.detail(route.program, route.version, true),
      ...program.versions.map(async (v) => void (sources[v.version] = (await app.detail(route.program, v.version)).source)),
    ]);
  } catch (err) {
    return showBanner(inWords(err, `Opening ${route.program} ${route.version}`));
  }
  if (mine !== opening) return;
  app.route = route;
  app.base = base;
  const key = routeKey(route);
  const published = route.fresh ? undefined : base.source;
  saver?.flush();
  const initial = drafts.get(key) ?? published ?? newVersionSource(base, nextVersionId(base.version, program.versions.map((v) => v.version)), new Date().toISOString().slice(0, 10));
  ws.open(key, initial, { program: route.program, ...(base.compiled ? { schema: base.compiled.requestSchema } : {}), sources }, `${route.program} ${route.version}${route.fresh ? " (new version)" : ""}`);
  byId("file-title").textContent = route.fresh ? `New version of ${route.program} (extends ${route.version})` : `${route.program} ${route.version} — ${base.title}`;
  document.title = `${route.program} ${route.version} · Precept`;
  saver = new DraftSaver(key, ws.model!, published);
  updateDraftStatus(published);
  renderPickers();
  tryIt.setSchema(base.compiled?.requestSchema);
  // Every panel follows the program and version: what they showed belongs to the one before.
  tryIt.reset();
  app.testCases = await testCasesFor(route.program, base).catch(() => []);
  tryIt.refreshExamples();
  const first = app.testCases[0];
  tryIt.setPolicy(base.compiled);
  tryIt.load(first?.request ?? {}, first?.decisionDate ? String(first.decisionDate) : undefined, first?.history ? { history: first.history } : {});
  tests.render();
  changes.render();
  publish.render();
  decisions.render();
  simulate.render();
  if (!byId("panel-simulate").hidden) void simulate.refresh();
  if (!byId("panel-decisions").hidden) void decisions.refresh();
  if (!byId("panel-publish").hidden) void publish.refresh();
  for (const fn of openedListeners) fn();
  await ws.analysis?.settled();
  if (mine !== opening) return;
  const at = line ?? pendingLine;
  pendingLine = undefined;
  if (at) ws.revealLine(at);
  simulate.render();
  if (!byId("panel-outline").hidden) outline.render();
  window.ready = true;
}

async function start(): Promise<void> {
  try {
    await app.reloadPrograms();
  } catch (err) {
    if (err instanceof AppError && err.status === 401) {
      showBanner("The server needs an API key to show its policies. Enter your key in “API key” at the top, then press Enter.");
      keyInput.focus();
    } else showBanner(inWords(err, "Loading the programs"));
    return;
  }
  const route = parseRoute(location.hash) ?? defaultRoute(app.programs);
  if (!route) return showBanner("The server has no published policy yet.");
  if (!parseRoute(location.hash)) history.replaceState(null, "", routeHash(route));
  await openRoute(route);
}

keyInput.value = apiKey.get();
byId("key-form").addEventListener("submit", (e) => e.preventDefault());
keyInput.addEventListener("change", () => {
  apiKey.set(keyInput.value.trim());
  details.clear();
  void start();
});
programSelect.addEventListener("change", () => {
  const p = app.programs.find((x) => x.program === programSelect.value);
  const v = p?.versions.at(-1);
  if (p && v) app.navigate({ program: p.program, version: v.version, fresh: false });
});
versionSelect.addEventListener("change", () => {
  if (app.route) app.navigate({ program: app.route.program, version: versionSelect.value, fresh: false });
});
byId("new-version").addEventListener("click", () => {
  if (!app.route) return;
  app.navigate({ ...app.route, fresh: true });
  // A new version starts almost empty: the Outline shows what it inherits (read-only, each rule expandable).
  selectTab("tab-outline");
});
byId("revert").addEventListener("click", () => {
  const route = app.route;
  const model = ws.model;
  if (!route || !model || !app.base) return;
  drafts.remove(routeKey(route));
  const program = app.programs.find((p) => p.program === route.program);
  const text = route.fresh
    ? newVersionSource(app.base, nextVersionId(app.base.version, program?.versions.map((v) => v.version) ?? []), new Date().toISOString().slice(0, 10))
    : app.base.source;
  model.pushEditOperations([], [{ range: model.getFullModelRange(), text }], () => null);
  publish.render();
});
window.addEventListener("hashchange", () => {
  const route = parseRoute(location.hash);
  if (route) void openRoute(route);
});

void start();
