/**
 * The baseline for bench/http.ts: a bare Express endpoint that parses the same JSON body (express.json) and
 * answers a fixed JSON decision. Run as its own process, like the real server, so both get the same core.
 */
import express from "express";
import type { AddressInfo } from "node:net";

const decision = {
  id: "00000000-0000-0000-0000-000000000000",
  program: "bare",
  version: "1",
  hash: "sha256:0",
  outcome: "approve",
  reasons: [{ rule: "bare", code: "fixed", text: "A fixed decision", citation: "bench" }],
  attributes: {},
  fired: ["bare"],
};
const app = express();
app.disable("x-powered-by");
app.set("etag", false);
app.post("/evaluate", express.json({ limit: "1mb" }), (req, res) => {
  if (typeof req.body !== "object" || req.body === null) {
    res.status(400).json({ error: { code: "bad-json", message: "not an object" } });
    return;
  }
  res.json(decision);
});
const server = app.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  console.log(JSON.stringify({ msg: "listening", url: `http://127.0.0.1:${port}` }));
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
