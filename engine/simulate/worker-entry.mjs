// Piscina worker entry: a plain module that registers tsx in this thread and then loads the TypeScript task.
// (Under `node --import tsx` a worker inherits the flag, yet an import of a .ts file from here still fails without
// this registration; registering twice is harmless.)
import { register } from "tsx/esm/api";

register();
const mod = await import("./worker.ts");
export default mod.default;
