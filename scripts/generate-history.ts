/**
 * Generates the shipped synthetic request sets (policies/<program>/history/*.json) and checks them.
 *
 *   node --import tsx scripts/generate-history.ts                 every set into the data dir's cache; prints
 *                                                                 count, dates, SHA-256 and whether it matches
 *   node --import tsx scripts/generate-history.ts --id ice-tar-history --out tars.ndjson
 *                                                                 one set to a file of your choosing
 *   node --import tsx scripts/generate-history.ts --update        writes count and sha256 into the descriptors
 *                                                                 (after a deliberate generator change)
 *   --data DIR (default ./data or PRECEPT_DATA_DIR), --policies DIR (default ./policies)
 *
 * Also prints the ice-tar calibration (see docs/simulation.md).
 */
import { createHash } from "node:crypto";
import { createWriteStream, readFileSync, writeFileSync } from "node:fs";
import { once } from "node:events";
import { resolve } from "node:path";
import { loadPolicyDir } from "../engine/policy-files.js";
import { calibrateIceTar, ICE_TAR_DEFAULTS, type IceTarParams } from "../engine/simulate/history/ice-tar.js";
import { descriptorParams, generateRequests, readDescriptors } from "../engine/simulate/history/index.js";
import { manifestsIn } from "../engine/program-manifest-files.js";
import { profileFor, RequestSetCatalog } from "../engine/simulate/index.js";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const policiesDir = resolve(arg("--policies") ?? "policies");
const dataDir = resolve(arg("--data") ?? process.env.PRECEPT_DATA_DIR ?? "data");
const only = arg("--id");
const out = arg("--out");
const update = process.argv.includes("--update");
const policies = loadPolicyDir(policiesDir);
const manifests = manifestsIn(policiesDir);
const profile = (program: string) => profileFor(manifests.of(policies.find((p) => p.program === program && p.compiled)!.compiled!));
const descriptors = readDescriptors(policiesDir).filter((d) => !only || d.id === only);
if (!descriptors.length) {
  console.error(only ? `no descriptor with id ${only}` : `no descriptors under ${policiesDir}/*/history`);
  process.exit(2);
}

for (const d of descriptors) {
  const t0 = performance.now();
  if (d.generator === "ice-tar-tars") {
    const cal = calibrateIceTar({ ...ICE_TAR_DEFAULTS, ...(descriptorParams(d) as Partial<IceTarParams>) } as IceTarParams);
    console.log(`${d.id} calibration: aPre ${cal.aPre.toFixed(5)}, aPost ${cal.aPost.toFixed(5)} (training removes ${((1 - cal.aPost / cal.aPre) * 100).toFixed(1)}%), not-covered q ${cal.q.toFixed(5)}, physician share ${(descriptorParams(d).physician as { start: number }).start} → ${cal.pEnd.toFixed(3)} (midpoint ${cal.physicianMidpoint}); expected denials ${Object.entries(cal.expected).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(", ")}`);
  }
  let count: number;
  let sha: string;
  let from: string | undefined;
  let to: string | undefined;
  if (out) {
    const hash = createHash("sha256");
    const ws = createWriteStream(out);
    count = 0;
    for (const r of generateRequests(d)) {
      const line = `${JSON.stringify(r)}\n`;
      hash.update(line);
      if (!ws.write(line)) await once(ws, "drain");
      count++;
    }
    ws.end();
    await once(ws, "finish");
    sha = hash.digest("hex");
  } else {
    const catalog = new RequestSetCatalog(dataDir, policiesDir, profile);
    const set = (await catalog.open(d.id))!;
    count = set.meta.count;
    sha = set.meta.sha256;
    from = set.meta.from;
    to = set.meta.to;
  }
  const matches = d.sha256 === sha;
  console.log(`${d.id}: ${count} requests${from ? `, ${from} … ${to}` : ""}, sha256 ${sha} ${d.sha256 ? (matches ? "(matches the descriptor)" : `(DIFFERS from the descriptor's ${d.sha256})`) : "(descriptor has none)"}, ${((performance.now() - t0) / 1000).toFixed(2)} s${out ? ` → ${out}` : ""}`);
  if (update && d.file && (!matches || d.count !== count)) {
    const raw = JSON.parse(readFileSync(d.file, "utf8")) as Record<string, unknown>;
    raw.count = count;
    raw.sha256 = sha;
    writeFileSync(d.file, `${JSON.stringify(raw, null, 2)}\n`);
    console.log(`  updated ${d.file}`);
  }
}
