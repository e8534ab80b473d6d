/**
 * The simulation service of a server: the request-set catalog (stored sets in the database, files as a cache), the
 * policies a simulation may name, and the job queue every replica works (simulation-queue.ts).
 */
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { compilePolicy, type PolicyHost } from "../dsl/index.js";
import { profileFor, RequestSetCatalog, type PolicySource } from "../engine/simulate/index.js";
import type { SetStore } from "../engine/simulate/request-sets.js";
import type { SetFileMeta } from "../engine/simulate/set-file.js";
import type { Manifests } from "../engine/program-manifest.js";
import type { ServerConfig } from "./config.js";
import { notFound } from "./errors.js";
import type { Logger } from "./logging.js";
import type { Registry } from "./registry.js";
import { SimulationQueue } from "./simulation-queue.js";
import { SimulationStore } from "./store/simulation-store.js";
import type { Store } from "./store/index.js";

export interface Simulations {
  readonly catalog: RequestSetCatalog;
  readonly policies: PolicySource;
  readonly queue: SimulationQueue;
}

/** Imported and selected sets in the database (their lines in chunks), for the catalog of every replica. */
function setStore(sims: SimulationStore): SetStore {
  return {
    list: async () => (await sims.listSets()).map((m) => JSON.parse(m) as SetFileMeta),
    put: (meta, chunks) => sims.putSet(meta.id, meta.program, JSON.stringify(meta), chunks),
    chunks: (id) => sims.setChunks(id),
    remove: (id) => sims.removeSet(id),
  };
}

export async function openSimulations(
  deps: { config: ServerConfig; store: Store; registry: Registry; manifests: Manifests; host: PolicyHost; log: Logger },
): Promise<Simulations> {
  const { config, registry, manifests, host } = deps;
  const profileOf = (program: string) => {
    const v = registry.versions(program).at(-1);
    if (!v) throw notFound("unknown-program", `unknown program \`${program}\``, { program });
    return profileFor(manifests.of(v.compiled));
  };
  const catalog = new RequestSetCatalog(config.dataDir, config.policiesDir, profileOf, setStore(new SimulationStore(deps.store.db)));
  const policies: PolicySource = {
    version: (program, version) => registry.get(program, version)?.compiled,
    versions: (program) => registry.versions(program).map((v) => v.version),
    hasProgram: (program) => registry.hasProgram(program),
    manifest: (policy) => manifests.of(policy),
    compileDraft: (_program, source) => {
      const r = compilePolicy(source, host);
      return { ...(r.compiled ? { compiled: r.compiled } : {}), diagnostics: r.diagnostics };
    },
  };
  const sim = config.simulation;
  const queue = new SimulationQueue(deps.store.db, catalog, deps.log, {
    replicaId: sim.replicaId,
    threads: sim.threads ?? availableParallelism(),
    sliceExpireSeconds: sim.sliceExpireSeconds,
    stallSeconds: sim.stallSeconds,
    keep: 20,
    maxActive: 9,
    linesPerSlice: sim.linesPerSlice,
    tmpDir: join(config.dataDir, "simulations", "tmp"),
  });
  await queue.open();
  return { catalog, policies, queue };
}
