/**
 * Vite config of the policy editor. `npx vite build editor` (from the repository root) writes editor/dist, which
 * the server serves at `/`. `npx vite editor` runs a dev server that proxies the API to a server on :3000.
 * No plugin is needed: Monaco's workers come in through `?worker` imports (editor/monaco.ts).
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));
const api = process.env.PRECEPT_API ?? "http://127.0.0.1:3000";

export default defineConfig({
  root,
  // Relative asset URLs: the same build works at / and under a path prefix behind a proxy.
  base: "./",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // Monaco's core alone is ~3 MB; the warning would fire on every build and say nothing new.
    chunkSizeWarningLimit: 5000,
  },
  worker: { format: "es" },
  server: {
    // dsl/, engine/ and policies/ live beside editor/.
    fs: { allow: [fileURLToPath(new URL("..", import.meta.url))] },
    proxy: { "/v1": api, "/health": api, "/openapi.json": api },
  },
});
