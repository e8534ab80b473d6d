/**
 * What stands between a draft and a published version (issue 15): the checks a publish must pass, who is asking,
 * and the review record kept with the version.
 *
 * A version is refused (422 `publish-refused`, every reason in words) when
 *  - one of its test cases fails (the cases sent with it, or else those of the version it extends), or
 *  - its effective date lies before today, unless the request says `retroactive: true` and the approver confirms
 *    with `confirmRetroactive` equal to the number of logged decisions whose version in force would change (so the
 *    confirmation is of the number the approver was shown, not of whatever it has become since).
 * Errors in the policy are refused before this (422 `policy-invalid`, with the diagnostics): nothing confirms them.
 *
 * People are told apart by the key they present (its SHA-256 fingerprint), the only identity the server has; a
 * name given in the body is kept beside it for people to read. With no keys configured everyone is `loopback`.
 */
import type { Request } from "express";
import type { CompiledPolicy } from "../dsl/index.js";
import { resolveVersion } from "../engine/index.js";
import { runTestCases, type PolicyTestCase } from "../engine/test-cases.js";
import { presentedKey, sha256 } from "./auth.js";
import { AppError, badRequest } from "./errors.js";
import { todayUtc } from "./evaluate.js";
import type { Services } from "./services.js";
import type { Person, ReviewInfo } from "./store/types.js";

export interface FailingCase {
  readonly name: string;
  readonly problems: readonly string[];
}

export interface PublishChecks {
  /** How many test cases ran, and where they came from. */
  readonly tests: { readonly count: number; readonly from: "sent" | string | null };
  readonly failing: readonly FailingCase[];
  /** Present when the effective date lies before today. */
  readonly retroactive?: { readonly effective: string; readonly today: string; readonly decisions: number };
}

export interface Reason {
  readonly code: "tests-failing" | "retroactive" | "retroactive-unconfirmed" | "retroactive-count-changed";
  readonly message: string;
}

/** Who is asking: the fingerprint of their key (or `loopback`), with the name they gave, if any. */
export function personOf(s: Services, req: Request, name?: unknown): Person {
  if (name !== undefined && (typeof name !== "string" || name.length > 80)) {
    throw badRequest("invalid-body", "`name` must be a short text", { errors: [{ path: "/name", message: "must be a string of at most 80 characters" }] });
  }
  const key = s.auth.open ? undefined : presentedKey(req);
  const id = key === undefined ? "loopback" : `key:${sha256(key).toString("hex").slice(0, 12)}`;
  const given = typeof name === "string" ? name.trim() : "";
  return given ? { id, name: given } : { id };
}

export const samePerson = (a: Person, b: Person): boolean => a.id === b.id;

export const describePerson = (p: Person): string => (p.name ? `${p.name} (${p.id})` : p.id);

/**
 * Runs the checks: the test cases against the compiled draft, and for a date before today the number of logged
 * decisions of the program whose version in force (by their date of service, else decision date) would become this one.
 */
export async function checkPublish(
  s: Services, compiled: CompiledPolicy, tests: readonly PolicyTestCase[] | undefined, today = todayUtc(),
): Promise<PublishChecks> {
  let cases = tests;
  let from: string | null = tests ? "sent" : null;
  if (!cases && compiled.extends) {
    cases = (await s.store.getTests(compiled.program, compiled.extends))?.cases as PolicyTestCase[] | undefined;
    from = cases?.length ? compiled.extends : null;
  }
  const results = runTestCases(compiled, s.manifests.of(compiled), cases ?? []);
  const failing = results.filter((r) => !r.passed).map(({ name, problems }) => ({ name, problems }));
  const checks: PublishChecks = { tests: { count: results.length, from }, failing };
  if (compiled.effective >= today) return checks;
  const inForce = s.registry
    .versions(compiled.program)
    .filter((v) => v.status !== "withdrawn" && v.version !== compiled.version)
    .map((v) => ({ version: v.version, effective: v.effective, ...(v.end ? { end: v.end } : {}) }));
  const withDraft = [...inForce, { version: compiled.version, effective: compiled.effective, ...(compiled.end ? { end: compiled.end } : {}) }];
  let decisions = 0;
  for (const d of await s.store.decisionDates(compiled.program, s.manifests.of(compiled).dateOfService)) {
    if (d.date < compiled.effective) continue;
    if (resolveVersion(inForce, d.date) !== resolveVersion(withDraft, d.date)) decisions++;
  }
  return { ...checks, retroactive: { effective: compiled.effective, today, decisions } };
}

export interface Consent {
  /** The request says the effective date may lie in the past. */
  readonly retroactive: boolean;
  /** The approver's confirmation: the number of affected decisions they were shown. */
  readonly confirmDecisions?: number;
}

/** Why the checks forbid publishing, in words; empty when they allow it. */
export function blockingReasons(c: PublishChecks, consent: Consent): Reason[] {
  const out: Reason[] = [];
  if (c.failing.length) {
    const names = c.failing.slice(0, 5).map((f) => `“${f.name}” (${f.problems[0] ?? "fails"})`).join("; ");
    out.push({
      code: "tests-failing",
      message: `${c.failing.length} of ${c.tests.count} test case${c.tests.count === 1 ? "" : "s"} fail${c.failing.length === 1 ? "s" : ""}: ${names}${c.failing.length > 5 ? " …" : ""}. Fix the policy, or change what the case expects, and submit again.`,
    });
  }
  const r = c.retroactive;
  if (r) {
    const affected = `${r.decisions} logged decision${r.decisions === 1 ? "" : "s"} would be under this version instead of the one that made ${r.decisions === 1 ? "it" : "them"}`;
    if (!consent.retroactive) {
      out.push({ code: "retroactive", message: `the effective date ${r.effective} lies before today (${r.today}): ${affected}. Say \`retroactive: true\` if that is meant.` });
    } else if (consent.confirmDecisions === undefined) {
      out.push({ code: "retroactive-unconfirmed", message: `the effective date ${r.effective} lies before today (${r.today}): ${affected}. The approver confirms with \`confirmRetroactive: ${r.decisions}\`.` });
    } else if (consent.confirmDecisions !== r.decisions) {
      out.push({ code: "retroactive-count-changed", message: `the confirmation was for ${consent.confirmDecisions} affected decisions, but there are ${r.decisions} now: look again and confirm ${r.decisions}.` });
    }
  }
  return out;
}

/** 422 `publish-refused` with the reasons and the checks, or nothing. */
export function refusal(c: PublishChecks, consent: Consent): AppError | undefined {
  const reasons = blockingReasons(c, consent);
  if (!reasons.length) return undefined;
  return new AppError("publish-refused", `not published: ${reasons.map((r) => r.message).join(" Also, ")}`, { reasons, checks: c });
}

/** `retroactive` and `confirmRetroactive` from a request body, checked. */
export function consentFrom(body: Record<string, unknown>): Consent {
  const { retroactive, confirmRetroactive } = body;
  if (retroactive !== undefined && typeof retroactive !== "boolean") {
    throw badRequest("invalid-body", "`retroactive` must be true or false", { errors: [{ path: "/retroactive", message: "must be a boolean" }] });
  }
  if (confirmRetroactive !== undefined && !(Number.isInteger(confirmRetroactive) && (confirmRetroactive as number) >= 0)) {
    throw badRequest("invalid-body", "`confirmRetroactive` must be the number of affected decisions", {
      errors: [{ path: "/confirmRetroactive", message: "must be a non-negative integer" }],
    });
  }
  return { retroactive: retroactive === true, ...(confirmRetroactive !== undefined ? { confirmDecisions: confirmRetroactive as number } : {}) };
}

/** A change note: required for a review, one line of at most 2,000 characters. */
export function noteFrom(value: unknown, compiled: CompiledPolicy): string {
  const note = typeof value === "string" ? value.trim() : (compiled.change ?? "").trim();
  if (!note) throw badRequest("invalid-body", "a change note is required: what changes and why", { errors: [{ path: "/note", message: "must be a non-empty string" }] });
  if (note.length > 2000) throw badRequest("invalid-body", "the change note is too long", { errors: [{ path: "/note", message: "must be at most 2000 characters" }] });
  return note;
}

/**
 * The gate of a direct publish (`POST /v1/programs/{p}/versions`, no review): allowed only with no keys configured,
 * where the one person at the machine approves their own draft; the same checks apply. With keys: 403
 * `review-required` (submit to `/reviews`, a second author approves).
 */
export async function directPublish(
  s: Services, req: Request, compiled: CompiledPolicy, tests: readonly PolicyTestCase[] | undefined, body: Record<string, unknown>,
): Promise<ReviewInfo> {
  if (!s.auth.open) {
    throw new AppError("review-required", "publishing needs a review: submit the draft (POST /v1/programs/{program}/reviews) and a second author approves it", {
      submit: `/v1/programs/${encodeURIComponent(compiled.program)}/reviews`,
    });
  }
  const consent = consentFrom(body);
  const note = noteFrom(body.note, compiled);
  const who = personOf(s, req, body.name);
  const checks = await checkPublish(s, compiled, tests);
  const refused = refusal(checks, consent);
  if (refused) throw refused;
  const now = new Date().toISOString();
  return {
    note,
    submittedBy: who,
    submittedAt: now,
    approvedBy: who,
    approvedAt: now,
    selfApproved: true,
    ...(checks.retroactive ? { retroactive: { confirmedDecisions: checks.retroactive.decisions } } : {}),
  };
}

/** 410 `version-withdrawn` with the reason, for an explicit evaluate under a withdrawn version. */
export function refuseWithdrawn(entry: { program: string; version: string; status: string; withdrawn?: { at: string; reason: string } }): void {
  if (entry.status !== "withdrawn") return;
  const w = entry.withdrawn;
  throw new AppError("version-withdrawn", `version \`${entry.version}\` of \`${entry.program}\` was withdrawn${w ? ` on ${w.at.slice(0, 10)}: ${w.reason}` : ""}`, {
    program: entry.program,
    version: entry.version,
    ...(w ? { withdrawnAt: w.at, reason: w.reason } : {}),
  });
}
