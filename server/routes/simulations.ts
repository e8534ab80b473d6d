/**
 * Room for the simulation work: GET /v1/request-sets and POST/GET/DELETE /v1/simulations (DESIGN.md, HTTP API)
 * mount here, behind `requireRole(s.auth, "analyst")`. Until then these paths answer 501 with a JSON error, so a
 * client learns that the server knows the route but does not offer it yet.
 */
import { Router } from "express";
import { requireRole } from "../auth.js";
import { AppError } from "../errors.js";
import type { Services } from "../services.js";

export function simulationsRouter(s: Services): Router {
  const r = Router();
  const analyst = requireRole(s.auth, "analyst");
  const notYet = (): never => {
    throw new AppError(501, "not-implemented", "simulations are not offered by this server yet");
  };
  r.get("/v1/request-sets", analyst, notYet);
  r.post("/v1/simulations", analyst, notYet);
  r.get("/v1/simulations/:id", analyst, notYet);
  r.delete("/v1/simulations/:id", analyst, notYet);
  return r;
}
