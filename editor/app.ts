/** What the panels share: the app's state and the few actions they call on it. Implemented in editor/main.ts. */
import type { CompiledPolicy } from "../dsl/compiled.js";
import { derivedManifest, type ProgramManifest } from "../engine/program-manifest.js";
import type { ProgramSummary, VersionDetail } from "./api.js";
import type { TestCase } from "./test-cases.js";
import type { Workspace } from "./workspace.js";

/** `#/<program>/2010.1` edits a draft of 2010.1; `#/<program>/2010.1/new` a new version that extends 2010.1. */
export interface Route {
  readonly program: string;
  readonly version: string;
  readonly fresh: boolean;
}

export interface App {
  readonly ws: Workspace;
  programs: readonly ProgramSummary[];
  route: Route | undefined;
  /** The published version the draft starts from. */
  base: VersionDetail | undefined;
  /** The draft's test cases: the shipped file of the base version, plus cases added in this session. */
  testCases: TestCase[];
  /** Published details (source; compiled when asked for), cached. */
  detail(program: string, version: string, withCompiled?: boolean): Promise<VersionDetail>;
  reloadPrograms(): Promise<void>;
  /** Reads the open version again from the server (its status changed: withdrawn) and re-opens it. */
  refreshVersion(): void;
  navigate(route: Route, line?: number): void;
  /** Opens a request in the try-it panel and evaluates it. */
  tryRequest(request: unknown, decisionDate?: string, ctx?: { history?: readonly unknown[]; lookups?: Readonly<Record<string, string | null>>; compare?: { version: string; policy: CompiledPolicy } }): void;
  addTestCase(c: TestCase): void;
  selectTab(id: string): void;
  /** Forgets the stored draft of the current route (after it is published). */
  discardDraft(): void;
  /** Re-renders what depends on the current draft (after open). */
  onDraftOpened(fn: () => void): void;
}

export const routeKey = (r: Route): string => `${r.program}/${r.version}${r.fresh ? "/new" : ""}`;

export function parseRoute(hash: string): Route | undefined {
  const m = /^#\/([^/]+)\/([^/]+)(\/new)?\/?$/.exec(hash);
  return m ? { program: decodeURIComponent(m[1]!), version: decodeURIComponent(m[2]!), fresh: !!m[3] } : undefined;
}

export const routeHash = (r: Route): string => `#/${encodeURIComponent(r.program)}/${encodeURIComponent(r.version)}${r.fresh ? "/new" : ""}`;

/** The manifest of a policy's program as the server sent it (a draft of a program it does not know: read off the draft). */
export function manifestOf(app: Pick<App, "programs">, policy: CompiledPolicy): ProgramManifest {
  return app.programs.find((p) => p.program === policy.program)?.manifest ?? derivedManifest(policy);
}
