/** The checks, in the order they run. Each is one small function over the merged policy; add new ones here. */
import type { Check } from "./context.js";
import { checkCitations, checkLetOrder, checkOutcomes, checkUniqueNames } from "./declarations.js";
import { checkTypes } from "./types.js";
import { checkUnreachable } from "./unreachable.js";

export const checks: readonly { readonly name: string; readonly run: Check }[] = [
  { name: "unique-names", run: checkUniqueNames },
  { name: "let-order", run: checkLetOrder },
  { name: "outcomes", run: checkOutcomes },
  { name: "types", run: checkTypes },
  { name: "citations", run: checkCitations },
  { name: "unreachable", run: checkUnreachable },
];

export type { Check, CheckContext, SourcedDecl } from "./context.js";
