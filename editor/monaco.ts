/**
 * Monaco, as the editor uses it: the core API with every editor contribution, and none of Monaco's bundled
 * languages except JSON (the try-it panel's request editor, checked against the request schema).
 *
 * Why every contribution: a curated list (hover, suggest, find, diff …) shrank the main chunk by ~500 kB, but the
 * JSON mode then pulled the rest (colour picker, document symbols …) into its own chunk, loaded at start-up with
 * the try-it panel: the same bytes, one more request.
 *
 * TRAP: the workers must come through `?worker` imports. Without `MonacoEnvironment.getWorker`, Monaco's own
 * `new URL(…, import.meta.url)` makes Vite inline the editor worker as a `data:` URL that cannot load its imports,
 * and Monaco silently falls back to the main thread (checked on Monaco 0.57 with Vite 8).
 */
import * as monaco from "monaco-editor/editor/editor.api";
import "monaco-editor/features/register.all";
import { jsonDefaults } from "monaco-editor/languages/features/json/register";
import EditorWorker from "monaco-editor/editor/editor.worker?worker";
import JsonWorker from "monaco-editor/language/json/json.worker?worker";

self.MonacoEnvironment = {
  getWorker(_id: string, label: string): Worker {
    return label === "json" ? new JsonWorker() : new EditorWorker();
  },
};

/** Light theme with the colours the Precept tokens use (token names come from editor/language.ts). */
monaco.editor.defineTheme("precept", {
  base: "vs",
  inherit: true,
  rules: [
    { token: "keyword", foreground: "0000c0", fontStyle: "bold" },
    { token: "keyword.declaration", foreground: "7a1fa2", fontStyle: "bold" },
    { token: "keyword.presence", foreground: "0000c0" },
    { token: "constant.outcome", foreground: "a31515", fontStyle: "bold" },
    { token: "entity.name.rule", foreground: "795e26" },
    { token: "identifier.fact", foreground: "001080" },
    { token: "support.function", foreground: "267f99" },
    { token: "meta.fence", foreground: "808080", fontStyle: "bold" },
    { token: "key.yaml", foreground: "116329" },
    { token: "string.yaml", foreground: "0a3069" },
    { token: "number.yaml", foreground: "0550ae" },
  ],
  colors: {},
});

export { monaco, jsonDefaults };
