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
 * Also prints what a generator says about its parameters (its `describe`: the TAR calibration, docs/simulation.md).
 * Each set's generator is the module its program.yaml names (the registry in engine/simulate/history).
 */
import { createHash } from "node:crypto";
import { createWriteStream, readFileSync, writeFileSync } from "node:fs";
import { once } from "node:events";
import { resolve } from "node:path";
import { loadPolicyDir } from "../engine/policy-files.js";
import { descriptorParams, generateRequests, loadGenerator, readDescriptors } from "../engine/simulate/history/index.js";
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
  const about = (await loadGenerator(d.generatorFile)).describe?.(await descriptorParams(d));
  if (about) console.log(`${d.id} ${about}`);
  let count: number;
  let sha: string;
  let from: string | undefined;
  let to: string | undefined;
  if (out) {
    const hash = createHash("sha256");
    const ws = createWriteStream(out);
    count = 0;
    for (const r of await generateRequests(d)) {
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
