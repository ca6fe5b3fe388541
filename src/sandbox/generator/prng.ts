/**
 * A small seeded PRNG (mulberry32) with the few distributions the generator needs.
 * Plain functions over a state object (no per-record closures) keep generation cheap at scale.
 */

export interface Prng {
  state: number;
}

export function createPrng(seed: number): Prng {
  // Mix the seed so nearby seeds give unrelated streams.
  let s = (seed ^ 0x9e3779b9) >>> 0;
  s = Math.imul(s ^ (s >>> 16), 0x85ebca6b) >>> 0;
  s = Math.imul(s ^ (s >>> 13), 0xc2b2ae35) >>> 0;
  return { state: (s ^ (s >>> 16)) >>> 0 };
}

/** Uniform in [0, 1). */
export function uniform(p: Prng): number {
  p.state = (p.state + 0x6d2b79f5) >>> 0;
  let t = p.state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** Integer in [min, max] inclusive. */
export function intBetween(p: Prng, min: number, max: number): number {
  return min + Math.floor(uniform(p) * (max - min + 1));
}

export function chance(p: Prng, probability: number): boolean {
  return uniform(p) < probability;
}

export function pick<T>(p: Prng, items: readonly T[]): T {
  const item = items[Math.floor(uniform(p) * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

/** Standard normal (Box-Muller). */
export function normal(p: Prng): number {
  const u = 1 - uniform(p);
  const v = uniform(p);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Poisson by inversion for small means, normal approximation above 40. */
export function poisson(p: Prng, mean: number): number {
  if (mean <= 0) return 0;
  if (mean > 40) return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal(p)));
  const limit = Math.exp(-mean);
  let k = 0;
  let prod = uniform(p);
  while (prod > limit) {
    k += 1;
    prod *= uniform(p);
  }
  return k;
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
