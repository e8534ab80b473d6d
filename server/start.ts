/**
 * Starting and stopping a server: open the services, listen, and on stop: refuse new connections, let in-flight
 * requests finish (their decisions are logged before they answer), flush the decision log, close the store.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createApp } from "./app.js";
import type { Auth } from "./auth.js";
import type { ServerConfig } from "./config.js";
import type { Logger } from "./logging.js";
import { closeServices, openServices, type Services } from "./services.js";

export interface Running {
  readonly url: string;
  readonly server: Server;
  readonly services: Services;
  /** Graceful stop; resolves when everything is flushed and closed. */
  stop(): Promise<void>;
}

export async function startServer(config: ServerConfig, log: Logger, opts: { auth?: Auth; seed?: boolean } = {}): Promise<Running> {
  const services = await openServices(config, log, opts);
  const app = createApp(services);
  const server = await new Promise<Server>((resolve, reject) => {
    const srv = app.listen(config.port, config.host, (err?: Error) => (err ? reject(err) : resolve(srv)));
    srv.once("error", reject);
  });
  server.keepAliveTimeout = 5_000;
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(":") ? `[${address}]` : address;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      services.shuttingDown = true;
      const t0 = performance.now();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Idle keep-alive sockets would hold close() open; active ones get `Connection: close` on their response.
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      server.closeIdleConnections();
      const grace = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), config.shutdownGraceMs).unref());
      if ((await Promise.race([closed, grace])) === "timeout") {
        log.warn("grace period over: closing remaining connections");
        server.closeAllConnections();
        await closed;
      }
      clearInterval(sweep);
      const pending = services.decisions.pending;
      // The store gets its own bound on top of the grace period, so SIGTERM always ends.
      await closeServices(services, config.shutdownGraceMs);
      log.info({ ms: Math.round(performance.now() - t0), flushed: pending, written: services.decisions.written, inserts: services.decisions.inserts }, "stopped");
    })());
  return { url: `http://${host}:${port}`, server, services, stop };
}
