/**
 * The duplicates module (engine/duplicates.ts): a policy's key spec, the in-memory accepted claims, and the
 * bookkeeping every host shares (what findAccepted answers, what an accepting decision leaves behind). Run on the
 * fixture program dme-rental (whose accepting outcome is not the last listed) and the shipped usms-claim policy.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { detectsDuplicates, duplicateKeySpec, duplicatesOf, InMemoryAcceptedClaims } from "../../engine/duplicates.js";
import { createEvaluator } from "../../engine/index.js";
import { loadPolicyDir } from "../../engine/policy-files.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const compiled = (dir: string, program: string) => loadPolicyDir(join(ROOT, dir)).find((p) => p.program === program && p.compiled)!;
const dme = compiled("test/fixtures/programs", "dme-rental");
const usms = compiled("policies", "usms-claim");
const tar = compiled("policies", "ice-tar");

const order = (no: string, over: Record<string, unknown> = {}) => ({
  patient: { id: "P-1" }, orderNo: no, prescriptionId: `RX-${no}`, orderedAt: "2024-03-04", deliveryDate: "2024-03-05", item: { code: "wheelchair", monthlyRent: 80 }, ...over,
});

describe("the key spec of a policy", () => {
  it("when a policy calls duplicateOf on plain fields, then those are its fields, the ones program.yaml names", () => {
    expect(duplicateKeySpec(dme.compiled!)?.fields).toEqual(["patient.id", "item.code"]);
    expect(duplicateKeySpec(usms.compiled!)?.fields).toEqual(usms.manifest!.duplicateKey);
  });

  it("when a request has every key value, then its key is those values; when one is missing or empty, it has none", () => {
    const spec = duplicateKeySpec(dme.compiled!)!;
    expect(spec.keyOf(order("O-1"))).toBe(JSON.stringify(["P-1", "wheelchair"]));
    expect(spec.keyOf(order("O-2", { item: { monthlyRent: 80 } }))).toBeUndefined();
    expect(spec.keyOf(order("O-3", { patient: { id: "" } }))).toBeUndefined();
  });

  it("when a policy looks for no duplicates, then it has no spec and hosts keep no memory", () => {
    expect(detectsDuplicates(tar.compiled!)).toBe(false);
    expect(duplicateKeySpec(tar.compiled!)).toBeUndefined();
    expect(duplicatesOf(tar.compiled!, ["approve"])).toBeUndefined();
    expect(detectsDuplicates(usms.compiled!)).toBe(true);
  });
});

describe("in-memory accepted claims", () => {
  it("when a key is accepted twice, then the first acceptance stays the original", () => {
    const claims = new InMemoryAcceptedClaims();
    claims.add("k", "first");
    claims.add("k", "second");
    expect([claims.find("k"), claims.find("other"), claims.size]).toEqual(["first", undefined, 1]);
  });
});

describe("the bookkeeping over a sequence of decisions", () => {
  const evaluator = createEvaluator(dme.compiled!);
  const run = (requests: Record<string, unknown>[]) => {
    const duplicates = duplicatesOf(dme.compiled!, dme.manifest!.outcomes.accept)!;
    return requests.map((r) => {
      const d = evaluator.evaluate(r, { decisionDate: "2024-03-10", findAccepted: duplicates.findAccepted });
      const accepted = duplicates.record(r, d, String(r.orderNo));
      return { outcome: d.outcome, original: d.attributes.originalOrder, accepted };
    });
  };

  it("when an order repeats a granted one, then it is refused and points back to the granted order", () => {
    expect(run([order("O-1"), order("O-2"), order("O-3")])).toEqual([
      { outcome: "grant", original: undefined, accepted: { key: JSON.stringify(["P-1", "wheelchair"]), ref: "O-1" } },
      { outcome: "refuse", original: "O-1", accepted: undefined },
      { outcome: "refuse", original: "O-1", accepted: undefined },
    ]);
  });

  it("when the earlier order was not accepted (held, or not needed), then it is no original", () => {
    const out = run([order("O-1", { item: { code: "hospital-bed", monthlyRent: 900 } }), order("O-2", { item: { code: "cane", monthlyRent: 5, ownedAlready: true } }), order("O-3", { item: { code: "cane", monthlyRent: 5 } }), order("O-4", { item: { code: "hospital-bed", monthlyRent: 400 } })]);
    expect(out.map((o) => [o.outcome, o.original ?? null])).toEqual([["hold", null], ["not-needed", null], ["grant", null], ["grant", null]]);
  });

  it("when the accepting outcomes are wrong (the last listed), then the same orders decide otherwise: the manifest matters", () => {
    const wrong = duplicatesOf(dme.compiled!, ["not-needed"])!;
    const decide = (r: Record<string, unknown>) => {
      const d = evaluator.evaluate(r, { decisionDate: "2024-03-10", findAccepted: wrong.findAccepted });
      wrong.record(r, d, String(r.orderNo));
      return d.outcome;
    };
    expect([decide(order("O-1")), decide(order("O-2"))]).toEqual(["grant", "grant"]);
  });
});
