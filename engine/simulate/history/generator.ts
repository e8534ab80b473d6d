/**
 * What a program's history generator module exports (program.yaml `generator`, a path in the program's folder):
 * a default export made with `defineGenerator`. The generators live beside their programs because each one encodes
 * a program's seed figures; this contract is all the engine knows of them.
 */
export interface HistoryGenerator<P extends object = Record<string, unknown>> {
  /** Parameters a descriptor's `params` override (one level deep). */
  readonly defaults: P;
  /** The requests, in the order they were decided; the same params and seed give the same requests. */
  generate(params: P, seed: number): Iterable<Record<string, unknown>>;
  /** One line about the parameters (a calibration, say), printed by scripts/generate-history.ts. */
  describe?(params: P): string;
}

/** Identity, for the type check of a generator module's default export. */
export function defineGenerator<P extends object>(g: HistoryGenerator<P>): HistoryGenerator<P> {
  return g;
}
