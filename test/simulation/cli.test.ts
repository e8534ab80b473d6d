/**
 * `precept simulate` as a user runs it: a child process, the summary table on stdout, the JSON report and the CSV
 * of changed requests on request, a request file with bad rows refused (or imported with --on-error skip).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CACHE_DATA, ROOT } from "./helpers.js";

const work = mkdtempSync(join(tmpdir(), "precept-cli-test-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function precept(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", "cli/main.ts", "simulate", ...args, "--data", CACHE_DATA], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("precept simulate", () => {
  it("when ihs-chs is simulated with fundedLevel=4, then the table, fund control, the JSON report and the CSV come out", () => {
    const json = join(work, "report.json");
    const csv = join(work, "changed.csv");
    const r = precept("--program", "ihs-chs", "--baseline", "2008.1", "--candidate", "2008.1", "--param", "fundedLevel=4", "--json", json, "--csv", csv);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ihs-chs: 2008\.1 → 2008\.1\* on ihs-chs-history/);
    // 569 deferrals at fundedLevel 3 (571 before issue 12: two deferrable services of people past their 180 days
    // out of the CHSDA are now denied, as 2-3.9D says, instead of deferred).
    expect(r.stdout).toMatch(/defer\s+569\s+4\.6%\s+0\s+0\.0%\s+−569/);
    expect(r.stdout).toContain("fund control (IHS Circular 91-07, Attachment B)");
    expect(r.stdout).toContain("rules never fired: 2008.1: none; 2008.1*: beyond-funded-priority");
    expect(r.stderr).toContain("simulating"); // the progress bar (no TTY: scheduled lines)
    const report = JSON.parse(readFileSync(json, "utf8"));
    expect(report.candidate.params).toEqual({ fundedLevel: 4 });
    expect(readFileSync(csv, "utf8").trim().split("\n")).toHaveLength(report.changed.total + 1);
  });

  it("when a request file has a bad row, then it is refused with the row number, or imported without it on --on-error skip", () => {
    const good = { tarId: "F1", alienNumber: "A123456789", submittedAt: "2009-03-02T14:00:00Z", dateOfService: "2009-03-09", service: { category: "dental", estimatedCost: 200 } };
    const file = join(work, "tars.ndjson");
    writeFileSync(file, `${JSON.stringify(good)}\n${JSON.stringify({ ...good, tarId: "F2", urgency: "soon" })}\n`);
    const refused = precept("--program", "ice-tar", "--baseline", "2005.1", "--candidate", "2010.1", "--set", file, "--quiet");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("row 2 F2: /urgency must be one of");
    const skipped = precept("--program", "ice-tar", "--baseline", "2005.1", "--candidate", "2010.1", "--set", file, "--on-error", "skip", "--quiet");
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(skipped.stdout).toContain("changed outcomes: 1 (pend->approve 1)");
  });

  it("when an option is wrong, then usage and exit 2; an unknown version, exit 1", () => {
    expect(precept("--program", "ice-tar").code).toBe(2);
    const r = precept("--program", "ice-tar", "--baseline", "2005.1", "--candidate", "2099.1", "--quiet");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("candidate: program `ice-tar` has no version `2099.1`");
  });
});
