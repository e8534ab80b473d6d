/**
 * A program's manifest (browser-safe): what the hosts know about a program beyond its policy text, read from
 * `policies/<program>/program.yaml` (program-manifest-files.ts) and handed to the engine, the server, the simulation
 * and the editor, so that none of them carries a table of programs. The schema is PROGRAM_MANIFEST_SCHEMA; the one
 * place that guesses for a program without a manifest (published over HTTP only) is `derivedManifest`.
 */
import type { CompiledPolicy } from "../dsl/compiled.js";
import { duplicateKeySpec } from "./duplicates.js";
import { getPath } from "./lib.js";

export interface ProgramManifest {
  readonly program: string;
  readonly title?: string;
  /** Path of the request's own id (`tarId`): what a duplicate points back to, what a changed request is listed by. */
  readonly requestId: string;
  /** Path of the date of service: it picks the version in force when a request names no version. */
  readonly dateOfService: string;
  /** Request dates tried in order to place a request on a day (simulation weeks, fiscal years); the first present counts. */
  readonly dateFields: readonly string[];
  /** Path of the request's cost (summed per outcome). */
  readonly costField?: string;
  /** What accepting the request obligates, if not its cost: `cost` less `minus` (never below zero). */
  readonly obligation?: { readonly cost: string; readonly minus?: string };
  readonly outcomes: {
    /** Outcomes that accept the request: remembered for `duplicateOf`, counted as obligations. */
    readonly accept: readonly string[];
    /** Outcomes that send the request to a person (counted per week). */
    readonly review: readonly string[];
    /** Outcomes of requests within priorities that would be funded if money allowed (fund control). */
    readonly demand?: readonly string[];
  };
  /** The decision attribute carrying a priority level (fund control runs when it is set). */
  readonly priorityAttribute?: string;
  /** Numeric decision attributes totalled per outcome. */
  readonly amountAttributes: readonly string[];
  /** Request fields a counterfactual ("what would have to change for this request") may change. */
  readonly actionable: readonly string[];
  /** Request fields `duplicateOf(...)` keys on, in order, if the program looks for duplicates. */
  readonly duplicateKey?: readonly string[];
  /** The history generator reproducing the program's seed figures: a module path relative to the program folder. */
  readonly generator?: string;
}

const splitCache = new Map<string, string[]>();

/** The value at a dotted path (`service.estimatedCost`) of a request. */
export function readPath(request: unknown, path: string): unknown {
  let s = splitCache.get(path);
  if (!s) splitCache.set(path, (s = path.split(".")));
  return getPath(request, s);
}

/** The request's own id, if it gives one as a non-empty string. The one place the id is worked out. */
export function requestIdOf(manifest: Pick<ProgramManifest, "requestId">, request: unknown): string | undefined {
  const v = readPath(request, manifest.requestId);
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** The date of service (YYYY-MM-DD prefix of its value), or undefined when the request gives none. */
export function dateOfServiceOf(manifest: Pick<ProgramManifest, "dateOfService">, request: unknown): unknown {
  return readPath(request, manifest.dateOfService);
}

/** Does this outcome accept the request? */
export function accepts(manifest: Pick<ProgramManifest, "outcomes">, outcome: string): boolean {
  return manifest.outcomes.accept.includes(outcome);
}

type SchemaProps = Record<string, { format?: string; type?: string; properties?: Record<string, { type?: string }> }>;

/**
 * For a program that has no program.yaml (one first published over HTTP): a manifest read off its policy. This is
 * the only place that guesses: the id is the schema's first required field, the date of service `dateOfService`,
 * the dates every date field, the accepting outcome the weakest one (listed last), the review outcomes those named
 * like one. A program folder with a program.yaml never reaches here.
 */
export function derivedManifest(policy: CompiledPolicy): ProgramManifest {
  const schema = policy.requestSchema as { required?: unknown[]; properties?: SchemaProps };
  const props = schema.properties ?? {};
  const dateFields = Object.entries(props)
    .filter(([, v]) => v.format === "date" || v.format === "date-time")
    .map(([k]) => k)
    .sort((a, b) => (a === "dateOfService" ? -1 : b === "dateOfService" ? 1 : 0));
  const costField = ["service.estimatedCost", "billedAmount", "amount", "estimatedCost"].find((f) => {
    const [a, b] = f.split(".") as [string, string | undefined];
    return b === undefined ? props[a]?.type === "number" : props[a]?.properties?.[b]?.type === "number";
  });
  const firstRequired = schema.required?.find((x): x is string => typeof x === "string");
  const weakest = policy.outcomes[policy.outcomes.length - 1];
  return {
    program: policy.program,
    requestId: firstRequired ?? "id",
    dateOfService: "dateOfService",
    dateFields: dateFields.length ? dateFields : ["dateOfService"],
    ...(costField ? { costField } : {}),
    outcomes: {
      accept: weakest ? [weakest] : [],
      review: policy.outcomes.filter((o) => ["pend", "review", "refer", "manual-review"].includes(o)),
    },
    amountAttributes: [],
    actionable: [],
  };
}

type SchemaNode = { properties?: Record<string, SchemaNode>; items?: SchemaNode };

/** Does the request schema have this dotted path (through properties)? */
function schemaHas(schema: unknown, path: string): boolean {
  let node = schema as SchemaNode | undefined;
  for (const seg of path.split(".")) {
    node = node?.properties && Object.hasOwn(node.properties, seg) ? node.properties[seg] : undefined;
    if (!node) return false;
  }
  return true;
}

/**
 * Problems of a manifest against a version of its program, in words: outcomes the policy lacks, request paths its
 * schema lacks, and a duplicate key other than the one its `duplicateOf(...)` uses.
 */
export function manifestProblems(manifest: ProgramManifest, policy: CompiledPolicy): string[] {
  const out: string[] = [];
  const paths: [string, string][] = [
    ["requestId", manifest.requestId],
    ["dateOfService", manifest.dateOfService],
    ...manifest.dateFields.map((p, i): [string, string] => [`dateFields[${i}]`, p]),
    ...(manifest.costField ? [["costField", manifest.costField] as [string, string]] : []),
    ...(manifest.obligation ? Object.entries(manifest.obligation).map(([k, p]): [string, string] => [`obligation.${k}`, p]) : []),
    ...manifest.actionable.map((p, i): [string, string] => [`actionable[${i}]`, p]),
    ...(manifest.duplicateKey ?? []).map((p, i): [string, string] => [`duplicateKey[${i}]`, p]),
  ];
  for (const [where, p] of paths) if (!schemaHas(policy.requestSchema, p)) out.push(`${where} is \`${p}\`, which the ${policy.program} ${policy.version} request schema does not have`);
  const used = duplicateKeySpec(policy)?.fields;
  const said = manifest.duplicateKey;
  if (used && !said) out.push(`${policy.program} ${policy.version} calls duplicateOf(${used.join(", ")}) but program.yaml has no duplicateKey`);
  if (used && said && used.join(",") !== said.join(",")) out.push(`duplicateKey is [${said.join(", ")}], but ${policy.program} ${policy.version} calls duplicateOf(${used.join(", ")})`);
  if (manifest.program !== policy.program) out.push(`program.yaml is for \`${manifest.program}\`, the policy for \`${policy.program}\``);
  const { accept, review, demand = [] } = manifest.outcomes;
  for (const [what, list] of [["accept", accept], ["review", review], ["demand", demand]] as const) {
    for (const o of list) if (!policy.outcomes.includes(o)) out.push(`outcomes.${what} names \`${o}\`, which ${policy.program} ${policy.version} does not have`);
  }
  return out;
}

/** The manifests a host loaded, by program; a program without one gets its derived manifest (kept per version). */
export class Manifests {
  private readonly derived = new WeakMap<CompiledPolicy, ProgramManifest>();
  constructor(private readonly byProgram: ReadonlyMap<string, ProgramManifest> = new Map()) {}

  /** The program's own manifest (from its program.yaml), if it has one. */
  get(program: string): ProgramManifest | undefined {
    return this.byProgram.get(program);
  }

  /** The manifest that applies to this compiled policy: its program's, else one read off the policy. */
  of(policy: CompiledPolicy): ProgramManifest {
    const own = this.byProgram.get(policy.program);
    if (own) return own;
    let d = this.derived.get(policy);
    if (!d) this.derived.set(policy, (d = derivedManifest(policy)));
    return d;
  }

  all(): ProgramManifest[] {
    return [...this.byProgram.values()];
  }
}
