/**
 * Duplicates (browser-safe), one module for every host. `duplicateOf(k1, k2, …)` asks for the id of an earlier
 * request of the program that was accepted with the same key values. What the key of a request is comes from the
 * policy (`duplicateKeySpec`); which outcomes accept comes from the program manifest; the accepted claims already
 * decided are an `AcceptedClaims`: in memory for test cases and simulations (`InMemoryAcceptedClaims`), backed by
 * the decision log on the server (server/duplicates.ts). `Duplicates` puts the three together: what
 * `EvalContext.findAccepted` answers, and what a decision that accepts leaves behind.
 */
import type { CExpr, CompiledPolicy } from "../dsl/compiled.js";
import { interpret } from "./expr.js";
import { duplicateKey, todayUtc } from "./lib.js";
import { parameterValues } from "./parameters.js";
import type { Decision } from "./types.js";

/** What a duplicate points back to: the accepted request's id (the manifest's `requestId`, or a host's stand-in). */
export type AcceptedRef = string;

/** How a policy keys its duplicates: its `duplicateOf(...)` arguments, evaluated on a request. */
export interface DuplicateKeySpec {
  /** The request fields the arguments are, in order, when every argument is a plain field (program.yaml `duplicateKey`). */
  readonly fields?: readonly string[];
  /** The key a request looks up, and is remembered under when accepted; undefined when a key value is missing. */
  keyOf(request: unknown): string | undefined;
}

/** The accepted claims already decided, by key. */
export interface AcceptedClaims {
  find(key: string): AcceptedRef | undefined;
  /** Remembers `ref` under `key` unless an earlier acceptance holds the key (the first stays the original). */
  add(key: string, ref: AcceptedRef): void;
}

/** An accepted decision's key and the ref remembered under it. */
export interface Accepted {
  readonly key: string;
  readonly ref: AcceptedRef;
}

const calls = new WeakMap<CompiledPolicy, { args: readonly CExpr[] } | null>();
const defaultSpecs = new WeakMap<CompiledPolicy, DuplicateKeySpec | null>();

/** The policy's `duplicateOf(...)` call (the first, if several), found once per policy. */
function duplicateCall(policy: CompiledPolicy): { args: readonly CExpr[] } | undefined {
  let found = calls.get(policy);
  if (found === undefined) {
    found = null;
    const walk = (e: unknown): void => {
      if (found || !e || typeof e !== "object") return;
      const o = e as Record<string, unknown>;
      if (o["call"] === "duplicateOf") found = o as unknown as { args: CExpr[] };
      else for (const v of Object.values(o)) walk(v);
    };
    walk(policy.facts);
    walk(policy.attributes);
    calls.set(policy, found);
  }
  return found ?? undefined;
}

/** Does the policy look for duplicates, so that hosts must remember accepted requests? */
export function detectsDuplicates(policy: CompiledPolicy): boolean {
  return duplicateCall(policy) !== undefined;
}

function buildSpec(policy: CompiledPolicy, args: readonly CExpr[], params: Record<string, unknown>): DuplicateKeySpec {
  const fields = args.map((a) => ("field" in a ? a.field : undefined));
  return {
    ...(fields.every((f): f is string => typeof f === "string") ? { fields } : {}),
    keyOf(request) {
      const env = { policy, params, request, fn: { today: todayUtc() }, memo: new Map<string, unknown>() };
      const values = args.map((a) => interpret(a, env));
      return values.every((v) => v !== undefined && v !== null && v !== "") ? duplicateKey(values) : undefined;
    },
  };
}

/**
 * The policy's key spec under `params` (overrides of its parameter values; the defaults when left out, built once
 * per policy), or undefined when the policy does not look for duplicates.
 */
export function duplicateKeySpec(policy: CompiledPolicy, params?: Readonly<Record<string, unknown>>): DuplicateKeySpec | undefined {
  const call = duplicateCall(policy);
  if (!call) return undefined;
  if (params) return buildSpec(policy, call.args, parameterValues(policy, params));
  let spec = defaultSpecs.get(policy);
  if (spec === undefined) defaultSpecs.set(policy, (spec = buildSpec(policy, call.args, parameterValues(policy))));
  return spec ?? undefined;
}

/** Accepted claims in a Map: one test case's history, one side of one simulation. */
export class InMemoryAcceptedClaims implements AcceptedClaims {
  private readonly keys = new Map<string, AcceptedRef>();

  find(key: string): AcceptedRef | undefined {
    return this.keys.get(key);
  }

  add(key: string, ref: AcceptedRef): void {
    if (!this.keys.has(key)) this.keys.set(key, ref);
  }

  get size(): number {
    return this.keys.size;
  }
}

/** One policy's duplicate bookkeeping over a set of accepted claims. */
export class Duplicates {
  /** For EvalContext.findAccepted. */
  readonly findAccepted = (key: string): AcceptedRef | undefined => this.claims.find(key);

  constructor(readonly spec: DuplicateKeySpec, private readonly accept: readonly string[], readonly claims: AcceptedClaims) {}

  /** The key a request would look up (and be remembered under), decision or not. */
  keyOf(request: unknown): string | undefined {
    return this.spec.keyOf(request);
  }

  /**
   * After `decision`: when it accepts the request and the request has a key, remembers `ref` under it (unless an
   * earlier acceptance holds it) and returns the key and ref; else undefined.
   */
  record(request: unknown, decision: Pick<Decision, "outcome">, ref: AcceptedRef): Accepted | undefined {
    if (!this.accept.includes(decision.outcome)) return undefined;
    const key = this.spec.keyOf(request);
    if (key === undefined) return undefined;
    this.claims.add(key, ref);
    return { key, ref };
  }
}

/**
 * The bookkeeping for `policy` with `accept` (the manifest's accepting outcomes) over `claims`, or undefined when the
 * policy does not look for duplicates (then no host needs to remember anything).
 */
export function duplicatesOf(
  policy: CompiledPolicy, accept: readonly string[], claims: AcceptedClaims = new InMemoryAcceptedClaims(), params?: Readonly<Record<string, unknown>>,
): Duplicates | undefined {
  const spec = duplicateKeySpec(policy, params);
  return spec && new Duplicates(spec, accept, claims);
}
