/**
 * The baseline of a comparison (Changes, Simulate): the version the draft replaces. For a draft of a published
 * version that is the version itself (the author opened 2010.1 to change it, so its effect is measured against
 * 2010.1, not against the 2005.1 it extends); for a new version, the one in force on the draft's effective date.
 * Withdrawn versions are never in force.
 */
import { resolveVersion } from "../engine/versions.js";
import type { App } from "./app.js";
import { readEnvelope } from "./drafts.js";

export interface Baseline {
  readonly version: string;
  /** Why this one, in words, for the label beside the picker. */
  readonly why: string;
}

export function defaultBaseline(app: App): Baseline | undefined {
  const route = app.route;
  if (!route) return undefined;
  if (!route.fresh) return { version: route.version, why: "the version this draft replaces" };
  const program = app.programs.find((p) => p.program === route.program);
  const env = app.ws.model ? readEnvelope(app.ws.model.getValue()) : undefined;
  const effective = typeof env?.effective === "string" ? env.effective : env?.effective instanceof Date ? env.effective.toISOString().slice(0, 10) : undefined;
  const inForce = (program?.versions ?? [])
    .filter((v) => v.status !== "withdrawn")
    .map((v) => ({ version: v.version, effective: v.effective, ...(v.end ? { end: v.end } : {}) }));
  const version = effective ? resolveVersion(inForce, effective) : undefined;
  return version
    ? { version, why: `in force on ${effective}, the new version's effective date` }
    : { version: route.version, why: "the version the new one extends" };
}

/** The option text of a version in a baseline picker. */
export function baselineOption(version: string, title: string, base: Baseline | undefined): string {
  return base?.version === version ? `${version} — ${title} (${base.why})` : `${version} — ${title}`;
}

/** The version a submitted text would replace: the one in force on its effective date (else the route's version). */
export function baselineOfSource(app: App, source: string): string | undefined {
  const env = readEnvelope(source);
  const effective = typeof env?.effective === "string" ? env.effective : env?.effective instanceof Date ? env.effective.toISOString().slice(0, 10) : undefined;
  const program = app.programs.find((p) => p.program === (typeof env?.program === "string" ? env.program : app.route?.program));
  const inForce = (program?.versions ?? []).filter((v) => v.status !== "withdrawn").map((v) => ({ version: v.version, effective: v.effective, ...(v.end ? { end: v.end } : {}) }));
  return (effective ? resolveVersion(inForce, effective) : undefined) ?? app.route?.version;
}
