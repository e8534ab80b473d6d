/** Small DOM helpers: element creation without a framework, and an accessible tab list. */

type Attrs = Record<string, string | number | boolean | undefined | ((e: Event) => void)>;
type Child = Node | string | number | false | null | undefined;

/** `h("button", { class: "x", onclick: fn }, "Label")`. Attributes set to `false`/`undefined` are left out. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === "function") el.addEventListener(k.replace(/^on/, ""), v);
    else if (k === "class") el.className = String(v);
    else if (k in el && typeof v !== "string") (el as unknown as Record<string, unknown>)[k] = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) el.append(typeof c === "number" ? String(c) : c);
  return el;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from index.html`);
  return el as T;
}

export function clear(el: Element, ...children: (Child | Child[])[]): void {
  el.replaceChildren();
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) el.append(typeof c === "number" ? String(c) : c);
}

/**
 * WAI-ARIA tabs: `role="tab"` buttons inside `role="tablist"`, each `aria-controls` its panel. Arrow keys, Home and
 * End move between tabs (automatic activation); only the selected tab is in the Tab order.
 */
export function setupTabs(list: HTMLElement, onSelect: (id: string) => void = () => {}): (id: string) => void {
  const tabs = [...list.querySelectorAll<HTMLButtonElement>('[role="tab"]')];
  const select = (tab: HTMLButtonElement, focus = false): void => {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute("aria-selected", String(on));
      t.tabIndex = on ? 0 : -1;
      byId(t.getAttribute("aria-controls")!).hidden = !on;
    }
    if (focus) tab.focus();
    onSelect(tab.id);
  };
  for (const t of tabs) {
    t.addEventListener("click", () => select(t));
    t.addEventListener("keydown", (e) => {
      const i = tabs.indexOf(t);
      const next = e.key === "ArrowRight" ? tabs[(i + 1) % tabs.length] : e.key === "ArrowLeft" ? tabs[(i - 1 + tabs.length) % tabs.length] : e.key === "Home" ? tabs[0] : e.key === "End" ? tabs[tabs.length - 1] : undefined;
      if (next) {
        e.preventDefault();
        select(next, true);
      }
    });
  }
  if (tabs[0]) select(tabs.find((t) => t.getAttribute("aria-selected") === "true") ?? tabs[0]);
  return (id: string) => {
    const t = tabs.find((x) => x.id === id);
    if (t) select(t);
  };
}

/** Announces a message to screen readers and shows it in `el` (an aria-live region). */
export function say(el: HTMLElement, text: string, tone: "info" | "ok" | "error" = "info"): void {
  el.textContent = text;
  el.dataset.tone = tone;
  el.hidden = text === "";
}
