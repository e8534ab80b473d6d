/**
 * Roles by API key. Keys come from PRECEPT_KEYS (`author:KEY1,analyst:KEY2,service:KEY3`, several keys per role
 * allowed) and/or `keys.json` under the data dir (`{ "keys": [{ "role": "author", "sha256": "<hex>" }] }`). Only
 * SHA-256 digests are kept in memory; a presented key is hashed and compared with every stored digest using
 * timingSafeEqual (no early exit, so the time does not tell which digest was close).
 *
 * author: publish and compile · analyst: simulate and read the decision log · service: evaluate.
 * Every role may read the registry (programs, versions). With no key configured at all, everything is allowed
 * from loopback addresses only.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Request, RequestHandler } from "express";
import { AppError } from "./errors.js";

export const ROLES = ["author", "analyst", "service"] as const;
export type Role = (typeof ROLES)[number];

export interface KeyEntry {
  readonly role: Role;
  readonly digest: Buffer;
}

export interface Auth {
  /** True when no key is configured: loopback-only open mode. */
  readonly open: boolean;
  readonly keyCount: number;
  /** The role of a presented key, or undefined. */
  roleOf(key: string): Role | undefined;
}

export function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/**
 * Parses `role:key,role:key`; throws on a malformed entry so a typo never silently opens the server. The error
 * names the entry by its position only: any part of the text may be a key (a missing colon makes the whole entry
 * one), and the message ends up in logs.
 */
export function parseKeySpec(spec: string): KeyEntry[] {
  const out: KeyEntry[] = [];
  let n = 0;
  for (const part of spec.split(",")) {
    const item = part.trim();
    if (item === "") continue;
    n++;
    const colon = item.indexOf(":");
    const role = item.slice(0, colon);
    const key = item.slice(colon + 1);
    if (colon < 1 || !isRole(role) || key.length < 8) {
      const why = colon < 1 ? "has no `role:` before its key" : !isRole(role) ? "names an unknown role" : "has a key shorter than 8 characters";
      throw new Error(`PRECEPT_KEYS: entry ${n} ${why}; each entry must be role:key with a role of ${ROLES.join(", ")} and a key of at least 8 characters`);
    }
    out.push({ role, digest: sha256(key) });
  }
  return out;
}

/** Reads `keys.json` (digests only). */
export function readKeyFile(file: string): KeyEntry[] {
  const data = JSON.parse(readFileSync(file, "utf8")) as { keys?: unknown };
  if (!Array.isArray(data.keys)) throw new Error(`${file}: expected { "keys": [ { "role", "sha256" } ] }`);
  return data.keys.map((k: unknown, i: number) => {
    const { role, sha256: hex } = (k ?? {}) as { role?: unknown; sha256?: unknown };
    if (!isRole(role) || typeof hex !== "string" || !/^[0-9a-f]{64}$/i.test(hex)) {
      throw new Error(`${file}: keys[${i}] needs a role (${ROLES.join(", ")}) and a sha256 hex digest`);
    }
    return { role, digest: Buffer.from(hex, "hex") };
  });
}

export function createAuth(entries: readonly KeyEntry[]): Auth {
  const keys = [...entries];
  return {
    open: keys.length === 0,
    keyCount: keys.length,
    roleOf(key: string): Role | undefined {
      const digest = sha256(key);
      let found: Role | undefined;
      for (const entry of keys) {
        // INVARIANT: every digest is compared, whatever matched before.
        if (timingSafeEqual(entry.digest, digest) && found === undefined) found = entry.role;
      }
      return found;
    },
  };
}

/** Keys from the configuration (PRECEPT_KEYS) and from `<dataDir>/keys.json`. */
export function loadAuth(config: { readonly keys?: string; readonly dataDir: string }): Auth {
  const { keys, dataDir } = config;
  const entries = keys ? parseKeySpec(keys) : [];
  const file = join(dataDir, "keys.json");
  if (existsSync(file)) entries.push(...readKeyFile(file));
  return createAuth(entries);
}

/** The presented key: `Authorization: Bearer KEY` or `x-api-key: KEY`. */
export function presentedKey(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (typeof header === "string") {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (m) return m[1];
  }
  const apiKey = req.headers["x-api-key"];
  return typeof apiKey === "string" && apiKey !== "" ? apiKey : undefined;
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.");
}

/** Middleware admitting the given roles (none given: any role). */
export function requireRole(auth: Auth, ...allowed: Role[]): RequestHandler {
  return (req, _res, next) => {
    if (auth.open) {
      if (isLoopback(req.socket.remoteAddress)) return next();
      return next(new AppError("loopback-only", "no API keys are configured: the server answers loopback clients only"));
    }
    const key = presentedKey(req);
    if (key === undefined) {
      return next(new AppError("unauthorized", "an API key is required (Authorization: Bearer KEY or x-api-key)"));
    }
    const role = auth.roleOf(key);
    if (role === undefined) return next(new AppError("unauthorized", "the API key is not valid"));
    if (allowed.length > 0 && !allowed.includes(role)) {
      return next(new AppError("forbidden", `role \`${role}\` may not do this`, { role, allowed }));
    }
    next();
  };
}
