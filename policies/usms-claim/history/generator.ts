/**
 * Synthetic US Marshals Service prisoner medical claims for one fiscal year (FY2003 by default), in the order the
 * re-pricing contractor received them. INVENTED: seed 001 gives no volume, savings or invalid-claim rate
 * (docs/domain.md §4, "The seed gives no volume"). The mix exercises every rule of `usms-claim 2000.1`: claims without a
 * transmittal sheet, on improper forms, incomplete, with no Medicare or Medicaid rate, duplicates of claims already
 * accepted, and corrected resubmissions of invalid claims (which are not duplicates).
 *
 * Districts send weekly batches (one transmittal sheet each); the contractor stamps them 2–7 days later.
 */
import { createRng } from "../../../engine/simulate/history/prng.js";
import { defineGenerator } from "../../../engine/simulate/history/generator.js";
import { DAY_MS, dayMs, isoDay } from "../../../engine/simulate/history/calendar.js";

export interface UsmsClaimParams {
  readonly from: string;
  readonly to: string;
  readonly districts: number;
  /** Mean claims per district batch (one batch a week per district). */
  readonly claimsPerBatch: number;
  readonly noTransmittalRate: number;
  readonly improperFormRate: number;
  readonly incompleteRate: number;
  readonly noRateRate: number;
  /** Share of claims that re-send an already accepted claim (same prisoner, provider, date of service, amount). */
  readonly duplicateRate: number;
  /** Share of incomplete claims the district corrects and resubmits. */
  readonly resubmitRate: number;
}

export const USMS_CLAIM_DEFAULTS: UsmsClaimParams = {
  from: "2002-10-01",
  to: "2003-09-30",
  districts: 94,
  claimsPerBatch: 4,
  noTransmittalRate: 0.01,
  improperFormRate: 0.02,
  incompleteRate: 0.045,
  noRateRate: 0.012,
  duplicateRate: 0.03,
  resubmitRate: 0.6,
};

const DISTRICT_CODES = ["AZ", "CAS", "TXS", "TXW", "NMX", "FLS", "NYS", "NYE", "CAC", "ILN", "GAN", "PR", "MIE", "PAE", "WAW", "OKW", "MOW", "LAE", "VAE", "DC"];
const FIRST = ["John", "Maria", "Jose", "James", "Robert", "Luis", "Michael", "Carlos", "David", "Ana", "William", "Juan", "Linda", "Miguel"];
const LAST = ["Smith", "Garcia", "Johnson", "Martinez", "Brown", "Rodriguez", "Lopez", "Davis", "Hernandez", "Wilson", "Gonzalez", "Moore"];
const PROVIDER_KINDS = ["Regional Medical Center", "Community Hospital", "Radiology Associates", "Family Clinic", "Orthopedic Group", "Ambulance Service", "Laboratory"];
const DRGS = ["089", "127", "143", "182", "209", "243", "296", "320", "430", "462"];
const BAD_FORMS = ["ADA-2002", "itemized-statement", "HCFA-1491"];
const MANDATORY = ["prisoner.name", "prisoner.number", "provider.name", "provider.id", "dateOfService", "billedAmount", "receivedAt"] as const;

function deletePath(o: Record<string, unknown>, path: string): void {
  const [a, b] = path.split(".") as [string, string | undefined];
  if (b === undefined) delete o[a];
  else delete (o[a] as Record<string, unknown>)[b];
}

export function* generateUsmsClaims(params: UsmsClaimParams = USMS_CLAIM_DEFAULTS, seed = 2003): Generator<Record<string, unknown>> {
  const p = params;
  const rng = createRng(seed);
  const start = dayMs(p.from);
  const end = dayMs(p.to);
  const districts = Array.from({ length: p.districts }, (_, i) => `D-${DISTRICT_CODES[i % DISTRICT_CODES.length]}${i >= DISTRICT_CODES.length ? Math.floor(i / DISTRICT_CODES.length) + 1 : ""}`);
  // Providers and prisoners per district, reused so that keys repeat realistically.
  const providers = districts.map((d, di) =>
    Array.from({ length: 12 }, (_, j) => ({ id: `P-${String(di * 100 + j).padStart(5, "0")}`, name: `${d.slice(2)} ${PROVIDER_KINDS[j % PROVIDER_KINDS.length]}` })),
  );
  const accepted: Record<string, unknown>[] = []; // recent claims generated as valid: candidates for duplicates
  const resubmit: { due: number; claim: Record<string, unknown> }[] = [];
  let seq = 0;
  const claimsOut: { at: number; claim: Record<string, unknown> }[] = [];

  // Build per-day lists so that claims come out in order of receipt.
  for (let week = start; week <= end; week += 7 * DAY_MS) {
    for (let di = 0; di < p.districts; di++) {
      const sendMs = week + rng.int(0, 4) * DAY_MS;
      if (sendMs > end) continue;
      const receivedMs = Math.min(end, sendMs + rng.int(2, 7) * DAY_MS);
      const batchId = `B-${districts[di]!.slice(2)}-${isoDay(sendMs).replace(/-/g, "")}`;
      const count = Math.max(1, Math.round(rng.lognormal(p.claimsPerBatch, 0.5)));
      for (let c = 0; c < count; c++) {
        seq++;
        const provider = rng.oneOf(providers[di]!);
        const inpatient = rng.chance(0.22);
        const form = inpatient || rng.chance(0.1) ? "UB-92" : "CMS-1500";
        const billed = Math.round(rng.lognormal(inpatient ? 9_000 : 650, inpatient ? 0.8 : 0.9) * 100) / 100;
        const claim: Record<string, unknown> = {
          claimId: `C-${String(seq).padStart(7, "0")}`,
          district: districts[di],
          batchId,
          prisoner: { name: `${rng.oneOf(FIRST)} ${rng.oneOf(LAST)}`, number: `${rng.int(10_000, 99_999)}-${String(rng.int(1, 999)).padStart(3, "0")}` },
          provider: { name: provider.name, id: provider.id },
          form,
          dateOfService: isoDay(sendMs - rng.int(5, 60) * DAY_MS),
          billedAmount: billed,
          receivedAt: isoDay(receivedMs),
        };
        const r = rng.next();
        if (r < 0.86) {
          claim.medicareAmount = Math.round(billed * (0.25 + 0.4 * rng.next()) * 100) / 100;
          claim.medicaidAmount = Math.round(billed * (0.2 + 0.5 * rng.next()) * 100) / 100;
        } else if (r < 0.95) {
          claim.medicareAmount = Math.round(billed * (0.25 + 0.4 * rng.next()) * 100) / 100;
        } else {
          claim.medicaidAmount = Math.round(billed * (0.2 + 0.5 * rng.next()) * 100) / 100;
        }
        if (rng.chance(0.01)) claim.medicareAmount = Math.round(billed * 1.1 * 100) / 100; // rate above the bill
        if (inpatient) {
          claim.drg = rng.oneOf(DRGS);
          claim.inpatientDays = rng.int(1, 9);
        }
        // What can go wrong with a claim.
        let invalid = false;
        if (rng.chance(p.noTransmittalRate)) {
          delete claim.batchId;
          invalid = true;
        }
        if (rng.chance(p.improperFormRate)) {
          if (rng.chance(0.3)) delete claim.form;
          else claim.form = rng.oneOf(BAD_FORMS);
          invalid = true;
        }
        let incomplete = false;
        if (rng.chance(p.incompleteRate)) {
          const missing = rng.oneOf(MANDATORY);
          if (missing.startsWith("prisoner.") && rng.chance(0.3)) (claim.prisoner as Record<string, unknown>)[missing.slice(9)] = "";
          else deletePath(claim, missing);
          if (rng.chance(0.15)) deletePath(claim, rng.oneOf(MANDATORY));
          incomplete = true;
        }
        if (rng.chance(p.noRateRate)) {
          delete claim.medicareAmount;
          delete claim.medicaidAmount;
          incomplete = true;
        }
        claimsOut.push({ at: receivedMs, claim });
        if (incomplete && rng.chance(p.resubmitRate)) {
          // The district completes the claim and sends it again in a later batch (not a duplicate).
          resubmit.push({ due: receivedMs + rng.int(10, 40) * DAY_MS, claim });
        } else if (!invalid && !incomplete) {
          accepted.push(claim);
          if (accepted.length > 3000) accepted.splice(0, 1500);
        }
        // A provider re-bills an accepted claim (the contractor must catch it).
        if (accepted.length > 20 && rng.chance(p.duplicateRate)) {
          const orig = accepted[accepted.length - 1 - rng.int(0, Math.min(accepted.length - 1, 400))]!;
          seq++;
          const dup = structuredClone(orig);
          if (rng.chance(0.5)) dup.claimId = `C-${String(seq).padStart(7, "0")}`;
          dup.batchId = batchId;
          dup.receivedAt = isoDay(receivedMs);
          claimsOut.push({ at: receivedMs, claim: dup });
        }
      }
    }
  }
  for (const r of resubmit) {
    if (r.due > end) continue;
    seq++;
    const fixed = structuredClone(r.claim);
    const prisoner = (fixed.prisoner ??= {}) as Record<string, unknown>;
    const provider = (fixed.provider ??= {}) as Record<string, unknown>;
    if (!prisoner.name) prisoner.name = `${rng.oneOf(FIRST)} ${rng.oneOf(LAST)}`;
    if (!prisoner.number) prisoner.number = `${rng.int(10_000, 99_999)}-${String(rng.int(1, 999)).padStart(3, "0")}`;
    if (!provider.id) provider.id = `P-${String(rng.int(0, p.districts * 100)).padStart(5, "0")}`;
    if (!provider.name) provider.name = "Corrected Provider Name";
    fixed.dateOfService ??= isoDay(r.due - 30 * DAY_MS);
    fixed.billedAmount ??= 500;
    if (fixed.medicareAmount === undefined && fixed.medicaidAmount === undefined) fixed.medicareAmount = Math.round((fixed.billedAmount as number) * 0.4 * 100) / 100;
    fixed.receivedAt = isoDay(r.due);
    fixed.claimId = `${String(fixed.claimId)}-R`;
    claimsOut.push({ at: r.due, claim: fixed });
  }
  // In order of receipt; a stable sort keeps batch order within a day.
  claimsOut.sort((a, b) => a.at - b.at);
  for (const c of claimsOut) yield c.claim;
}

/** The module program.yaml names. */
export default defineGenerator<UsmsClaimParams>({ defaults: USMS_CLAIM_DEFAULTS, generate: (p, seed) => generateUsmsClaims(p, seed) });
