// Piscina worker entry for the compile pool when the bundle (compile-pool.ts) is not available: registers tsx in
// this thread, then loads the TypeScript task (as engine/simulate/worker-entry.mjs does for simulations).
import { register } from "tsx/esm/api";

register();
const mod = await import("./compile-worker.ts");
export default mod.default;
