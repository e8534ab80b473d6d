/** `npm run bench`: every benchmark script in turn, each printing JSON lines. */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const scripts = ["bench/engine.ts", "bench/http.ts", "bench/compile.ts", "bench/simulation.ts", "bench/analysis.ts", "bench/editor.ts"].filter((f) => existsSync(f));
let failed = 0;
for (const s of scripts) {
  const r = spawnSync(process.execPath, ["--import", "tsx", s], { stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`${s} exited with ${r.status}`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
