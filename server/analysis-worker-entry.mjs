// Piscina worker entry for the analysis pool when the bundle (analysis-pool.ts) is not available: registers tsx
// in this thread, then loads the TypeScript task (as compile-worker-entry.mjs does).
import { register } from "tsx/esm/api";

register();
const mod = await import("./analysis-worker.ts");
export default mod.default;
