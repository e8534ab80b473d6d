/** Writes docs/diagnostics.md from the catalogue (dsl/catalogue.ts): `npm run docs:diagnostics`. */
import { writeFileSync } from "node:fs";
import { diagnosticsMarkdown } from "../dsl/catalogue.js";

export const diagnosticsDoc = "docs/diagnostics.md";

if (process.argv[1]?.endsWith("docs-diagnostics.ts")) {
  writeFileSync(diagnosticsDoc, diagnosticsMarkdown());
  console.log(`wrote ${diagnosticsDoc}`);
}
