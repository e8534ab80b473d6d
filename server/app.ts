/**
 * The Express app: thin routes over the services. Order: request id and log → routes → the built editor at /
 * → JSON 404 → the one error middleware.
 */
import { existsSync } from "node:fs";
import compression from "compression";
import express, { type Express } from "express";
import { errorMiddleware, notFoundHandler } from "./errors.js";
import { requestLogger } from "./logging.js";
import { analysisRouter } from "./routes/analysis.js";
import { decisionsRouter } from "./routes/decisions.js";
import { draftsRouter } from "./routes/drafts.js";
import { dryRunRouter } from "./routes/dry-run.js";
import { evaluateRouter } from "./routes/evaluate.js";
import { healthRouter } from "./routes/health.js";
import { openapiRouter } from "./routes/openapi.js";
import { strictQuery } from "./routes/common.js";
import { programsRouter } from "./routes/programs.js";
import { reviewsRouter } from "./routes/reviews.js";
import { simulationsRouter } from "./routes/simulations.js";
import { testsRouter } from "./routes/tests.js";
import type { Services } from "./services.js";

export function createApp(s: Services): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.use(requestLogger(s.log));
  app.use((_req, res, next) => {
    // While shutting down, finish what comes but let every connection go after its response.
    if (s.shuttingDown) res.setHeader("Connection", "close");
    next();
  });
  app.use(strictQuery);
  // The evaluate routes come first: they carry nearly all of the traffic.
  app.use(evaluateRouter(s));
  app.use(healthRouter(s));
  app.use(openapiRouter(s));
  app.use(programsRouter(s));
  app.use(reviewsRouter(s));
  app.use(testsRouter(s));
  app.use(draftsRouter(s));
  app.use(dryRunRouter(s));
  app.use(decisionsRouter(s));
  app.use(simulationsRouter(s));
  app.use(analysisRouter(s));
  if (existsSync(s.config.editorDir)) {
    // Compressed (brotli or gzip, as the browser accepts) for the editor only: API answers are small and hot.
    // Vite names assets by content hash, so they are cached for good; the page itself is revalidated every time.
    app.use(compression({ threshold: 1024 }));
    app.use(express.static(s.config.editorDir, {
      index: "index.html",
      dotfiles: "ignore",
      fallthrough: true,
      setHeaders(res, file) {
        res.setHeader("Cache-Control", /[\\/]assets[\\/]/.test(file) ? "public, max-age=31536000, immutable" : "no-cache");
      },
    }));
  }
  app.use(notFoundHandler);
  app.use(errorMiddleware);
  return app;
}
