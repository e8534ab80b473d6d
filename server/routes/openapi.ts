/** GET /openapi.json, rebuilt only when the registry changes. */
import { Router } from "express";
import { buildOpenApi } from "../openapi.js";
import type { Services } from "../services.js";

export function openapiRouter(s: Services): Router {
  const r = Router();
  let cached: { revision: number; body: string } | undefined;
  r.get("/openapi.json", async (_req, res) => {
    if (s.store.shared) await s.registry.sync();
    if (cached?.revision !== s.registry.revision) {
      cached = { revision: s.registry.revision, body: JSON.stringify(buildOpenApi(s.registry, s.manifests)) };
    }
    res.type("application/json").send(cached.body);
  });
  return r;
}
