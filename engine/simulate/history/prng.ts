/**
 * A small seeded pseudo-random generator for the synthetic histories: sfc32 (Chris Doty-Humphrey's Small Fast
 * Counting generator, 128-bit state, period at least 2^32, passes PractRand to 2^40+) seeded through splitmix32.
 * Same seed, same sequence, on every machine: only 32-bit integer arithmetic, and the few transcendental functions
 * used on top (log, cos, sqrt, exp) are V8's fdlibm ports, which give the same bits on every platform.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** Standard normal (Box-Muller). */
  normal(): number;
  /** Log-normal with the given median and log-sd. */
  lognormal(median: number, sigma: number): number;
  /** One of `items`, weighted. */
  pick<T>(items: readonly (readonly [T, number])[]): T;
  /** One of `items`, uniformly. */
  oneOf<T>(items: readonly T[]): T;
  /** Shuffles in place (Fisher-Yates) and returns the array. */
  shuffle<T>(items: T[]): T[];
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export function createRng(seed: number): Rng {
  const sm = splitmix32(seed);
  let a = sm();
  let b = sm();
  let c = sm();
  let d = sm();
  const u32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 12; i++) u32();
  const next = (): number => u32() / 4294967296;
  let spare: number | undefined;
  const normal = (): number => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    let u = next();
    while (u === 0) u = next();
    const v = next();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p) => next() < p,
    normal,
    lognormal: (median, sigma) => median * Math.exp(sigma * normal()),
    pick<T>(items: readonly (readonly [T, number])[]): T {
      let total = 0;
      for (const [, w] of items) total += w;
      let x = next() * total;
      for (const [v, w] of items) {
        x -= w;
        if (x < 0) return v;
      }
      return items[items.length - 1]![0];
    },
    oneOf<T>(items: readonly T[]): T {
      return items[Math.floor(next() * items.length)]!;
    },
    shuffle<T>(items: T[]): T[] {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        const t = items[i]!;
        items[i] = items[j]!;
        items[j] = t;
      }
      return items;
    },
  };
}

/** Cumulative (largest-remainder in time) rounding: the integer counts whose running sums track the real ones. */
export function cumulativeRound(values: readonly number[]): number[] {
  const out: number[] = [];
  let acc = 0;
  let prev = 0;
  for (const v of values) {
    acc += v;
    const r = Math.round(acc);
    out.push(r - prev);
    prev = r;
  }
  return out;
}
