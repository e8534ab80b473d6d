/**
 * Outline: the draft's parameters, tables, facts (`let`) and rules, each a link to where it is written (inherited
 * ones open the version they come from); the draft's own parameters and tables as a form whose edits go back into
 * the source through envelope-edit.ts (only the edited value changes; comments and layout stay); and, for a new
 * version, the rules it inherits, read-only, each expandable to its text in the version it comes from.
 */
import type { editor } from "monaco-editor/editor/editor.api";
import type { App } from "../app.js";
import { clear, h, say } from "../dom.js";
import { addTableItem, removeTableItem, setParameter, setTableItem, type Scalar } from "../envelope-edit.js";
import type { Loc, Outline, OutlineTable } from "../outline.js";

export interface OutlinePanel {
  render(): void;
}

/** Replaces only the part of the model that differs from `next`: one undoable edit, the cursor left alone. */
export function applyText(model: editor.ITextModel, next: string): void {
  const before = model.getValue();
  if (before === next) return;
  let p = 0;
  while (p < before.length && before[p] === next[p]) p++;
  let s = 0;
  while (s < before.length - p && s < next.length - p && before[before.length - 1 - s] === next[next.length - 1 - s]) s++;
  const a = model.getPositionAt(p);
  const b = model.getPositionAt(before.length - s);
  model.pushEditOperations([], [{ range: { startLineNumber: a.lineNumber, startColumn: a.column, endLineNumber: b.lineNumber, endColumn: b.column }, text: next.slice(p, next.length - s) }], () => null);
}

const asValue = (input: HTMLInputElement, like: unknown): Scalar =>
  typeof like === "number" ? Number(input.value) : typeof like === "boolean" ? input.checked : input.value;

export function createOutlinePanel(app: App, root: HTMLElement): OutlinePanel {
  const status = h("p", { class: "status", id: "outline-status", role: "status", "aria-live": "polite", hidden: true });
  const forms = h("div", { id: "envelope-forms" });
  const list = h("div", { id: "outline-list" });
  const inherited = h("section", { id: "outline-inherited" });
  root.append(h("p", { class: "intro" }, "What the draft defines. Edit its parameters and tables here: the change is written into the source, and nothing else in the file moves."), status, forms, list, inherited);

  const edit = (what: string, f: (text: string) => string | undefined): void => {
    const model = app.ws.model;
    if (!model) return;
    const next = f(model.getValue());
    if (next === undefined) {
      say(status, `Could not change ${what}: the envelope's YAML does not parse. Fix it in the source first.`, "error");
      return;
    }
    applyText(model, next);
    say(status, `Changed ${what} in the source.`, "ok");
  };

  const link = (label: string, at: Loc | undefined): HTMLElement => {
    if (!at) return h("code", {}, label);
    const where = at.version ? `line ${at.line} of ${at.version}` : `line ${at.line}`;
    return h("button", { type: "button", class: "linklike", "aria-label": `${label}: go to ${where}`, onclick: () => {
      if (!at.version) app.ws.revealLine(at.line, at.column);
      else if (app.route) app.navigate({ program: app.route.program, version: at.version, fresh: false }, at.line);
    } }, h("code", {}, label), h("span", { class: "muted" }, ` (${where})`));
  };

  function tableForm(t: OutlineTable): HTMLElement {
    const rows = Array.isArray(t.values)
      ? (t.values as readonly Scalar[]).map((v, i) => {
          const id = `table-${t.name}-${i}`;
          const input = h("input", { id, value: String(v), "aria-label": `${t.name} item ${i + 1}`, "data-table": t.name, "data-index": i });
          input.addEventListener("change", () => edit(`${t.name} item ${i + 1}`, (x) => setTableItem(x, t.name, i, asValue(input, v))));
          return h("li", {}, input, h("button", { type: "button", "aria-label": `Remove ${String(v)} from ${t.name}`, onclick: () => edit(`${t.name}`, (x) => removeTableItem(x, t.name, i)) }, "Remove"));
        })
      : Object.entries(t.values).map(([k, v]) => {
          const input = h("input", { value: String(v), "aria-label": `${t.name}: ${k}`, "data-table": t.name, "data-key": k, type: typeof v === "number" ? "number" : "text" });
          input.addEventListener("change", () => edit(`${t.name}: ${k}`, (x) => setTableItem(x, t.name, k, asValue(input, v))));
          return h("li", {}, h("code", {}, k), " ", input, h("button", { type: "button", "aria-label": `Remove ${k} from ${t.name}`, onclick: () => edit(t.name, (x) => removeTableItem(x, t.name, k)) }, "Remove"));
        });
    const isList = Array.isArray(t.values);
    const first = isList ? (t.values as readonly Scalar[])[0] : Object.values(t.values)[0];
    const newKey = isList ? undefined : h("input", { "aria-label": `New key for ${t.name}`, placeholder: "key" });
    const newValue = h("input", { "aria-label": `New ${isList ? "item" : "value"} for ${t.name}`, placeholder: isList ? "new item" : "value", type: typeof first === "number" ? "number" : "text", "data-new": t.name });
    const add = (): void => {
      if (!newValue.value.trim() || (newKey && !newKey.value.trim())) return;
      edit(t.name, (x) => addTableItem(x, t.name, asValue(newValue, first ?? ""), newKey?.value.trim()));
    };
    return h("fieldset", { class: "table-form", "data-table": t.name },
      h("legend", {}, h("code", {}, t.name), t.description ? h("span", { class: "muted" }, ` — ${t.description}`) : ""),
      h("ul", { class: "plain" }, rows),
      h("div", { class: "row small" }, newKey ?? "", newValue, h("button", { type: "button", "aria-label": `Add to ${t.name}`, onclick: add }, "Add")),
    );
  }

  function renderForms(o: Outline): void {
    const own = o.parameters.filter((p) => p.at && !p.at.version);
    const ownTables = o.tables.filter((t) => t.at && !t.at.version);
    clear(forms,
      h("h3", {}, "Parameters"),
      own.length
        ? h("div", { class: "params-form" }, own.map((p) => {
            const id = `param-${p.name}`;
            const input = typeof p.value === "boolean"
              ? h("input", { id, type: "checkbox", checked: p.value, "data-param": p.name })
              : h("input", { id, type: typeof p.value === "number" ? "number" : "text", value: String(p.value), step: "any", "data-param": p.name });
            input.addEventListener("change", () => edit(`parameter ${p.name}`, (x) => setParameter(x, p.name, asValue(input, p.value))));
            return h("div", { class: "param" }, h("label", { for: id, title: p.description ?? "" }, p.name), input, h("span", { class: "muted small" }, p.description ?? ""));
          }))
        : h("p", { class: "muted" }, "The draft sets no parameter of its own."),
      h("h3", {}, "Tables"),
      ownTables.length ? ownTables.map(tableForm) : h("p", { class: "muted" }, "The draft defines no table of its own."),
    );
  }

  function renderList(o: Outline): void {
    const section = (title: string, items: HTMLElement[]): HTMLElement =>
      h("section", {}, h("h3", {}, `${title} (${items.length})`), items.length ? h("ul", { class: "plain outline-items" }, items.map((i) => h("li", {}, i))) : h("p", { class: "muted" }, "none"));
    clear(list,
      section("Parameters", o.parameters.map((p) => h("span", {}, link(p.name, p.at), ` = ${JSON.stringify(p.value)}`))),
      section("Tables", o.tables.map((t) => h("span", {}, link(t.name, t.at), ` (${Array.isArray(t.values) ? t.values.length : Object.keys(t.values).length} entries)`))),
      section("Facts", o.lets.map((l) => h("span", {}, link(l.name, l.at), h("span", { class: "muted" }, ` = ${l.text}`)))),
      section("Rules", o.rules.map((r) => h("span", { "data-rule": r.id, "data-inherited": r.at.version ? "true" : undefined }, link(r.id, r.at), r.outcome ? ` → ${r.outcome}` : ""))),
    );
  }

  /** For a new version: the rules it inherits, each with its text from the file it is written in. */
  async function renderInherited(o: Outline): Promise<void> {
    const route = app.route;
    const rules = o.rules.filter((r) => r.at.version);
    if (!route?.fresh || !rules.length) return clear(inherited);
    const sources = new Map<string, string[]>();
    for (const v of new Set(rules.map((r) => r.at.version!))) {
      sources.set(v, (await app.detail(route.program, v).catch(() => undefined))?.source.split("\n") ?? []);
    }
    if (app.route !== route) return;
    clear(inherited,
      h("h3", {}, `Inherited rules (${rules.length}), read-only: a rule with the same id here replaces one`),
      rules.map((r) => {
        const lines = sources.get(r.at.version!) ?? [];
        let end = r.at.line;
        while (end < lines.length && /^\s+\S/.test(lines[end] ?? "")) end++;
        return h("details", { class: "inherited-rule", "data-rule": r.id },
          h("summary", {}, h("code", {}, r.id), r.outcome ? ` → ${r.outcome}` : "", h("span", { class: "muted" }, ` (from ${r.at.version}, line ${r.at.line})`)),
          h("pre", { class: "rule-source", "aria-label": `Text of ${r.id} in ${r.at.version}` }, lines.slice(r.at.line - 1, end).join("\n")),
        );
      }),
    );
  }

  const panel: OutlinePanel = {
    render() {
      // Not while the author types in the form: re-rendering would take the focus away.
      if (root.contains(document.activeElement) && document.activeElement instanceof HTMLInputElement) return;
      const o = app.ws.analysis?.outline;
      if (!o) return;
      renderForms(o);
      renderList(o);
      void renderInherited(o);
    },
  };
  app.ws.onResult(() => {
    if (!root.hidden) panel.render();
  });
  return panel;
}
