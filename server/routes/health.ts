/** GET /health: the process answers. GET /ready: policies loaded, store reachable, not shutting down. */
import { Router } from "express";
import type { Services } from "../services.js";

export function healthRouter(s: Services): Router {
  const r = Router();
  r.get("/health", (_req, res) => {
    res.json({ status: "ok" });
  });
  r.get("/ready", async (_req, res) => {
    const checks: Record<string, string> = {};
    checks.policies = s.registry.loaded ? "ok" : "loading";
    try {
      await s.store.ping();
      checks.store = "ok";
    } catch {
      checks.store = "unreachable";
    }
    if (s.shuttingDown) checks.server = "shutting-down";
    const ready = Object.values(checks).every((v) => v === "ok");
    res.status(ready ? 200 : 503).json({
      status: ready ? "ready" : "not-ready",
      checks,
      store: s.store.kind,
      programs: s.registry.programNames().length,
      versions: s.registry.all().length,
    });
  });
  return r;
}
