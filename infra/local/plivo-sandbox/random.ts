/**
 * Seeded randomness. Everything the sandbox draws at random — generated numbers, fault draws,
 * api_ids, nonces, pool and Powerpack uuids — comes from one seed, so that a run repeats.
 *
 * The seed feeds several independent streams, one per purpose, so that an unrelated call does not
 * shift another purpose's draws: a search (which draws an api_id) does not change which numbers the
 * next rent hands out, and installing a fault rule does not change the numbers either.
 */

/** The four 32-bit words of an sfc32 generator: small enough to save in the state file. */
export type RandomState = [number, number, number, number];

/** The streams the sandbox draws from; each is seeded from (seed, name). */
export type StreamName = 'numbers' | 'faults' | 'ids' | 'resources';

/** cyrb128: spreads a string over four 32-bit words (seeding only, not cryptography). */
function hash128(text: string): RandomState {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/**
 * `length` decimal digits fixed by `text` alone (not by the seed): for identifiers that must stay
 * the same in every run and in the docs, such as group ids.
 */
export function stableDigits(text: string, length: number): string {
  const random = new Random(hash128(text));
  return String(random.int(1, 9)) + random.digits(length - 1);
}

/** A fraction in [0, 1) fixed by `text` alone: a per-item draw that does not depend on call order. */
export function stableFraction(text: string): number {
  return hash128(text)[0] / 4294967296;
}

/** A small, fast PRNG (sfc32) whose whole state is four numbers. */
export class Random {
  private s: RandomState;

  constructor(state: RandomState) {
    this.s = [...state];
    // The first outputs of a freshly hashed state are correlated: discard a few.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** A stream seeded from the sandbox seed and a purpose. */
  static stream(seed: number, name: StreamName): Random {
    return new Random(hash128(`plivo-sandbox:${seed}:${name}`));
  }

  /** Continues a stream saved with `state()` (the constructor's warm-up is undone by restoring). */
  static restore(state: RandomState): Random {
    const random = new Random([0, 0, 0, 0]);
    random.s = [...state];
    return random;
  }

  state(): RandomState {
    return [...this.s];
  }

  nextUint32(): number {
    let [a, b, c, d] = this.s;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    this.s = [a, b, c, d];
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** `length` decimal digits (leading zeros allowed). */
  digits(length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += String(this.int(0, 9));
    return out;
  }

  /** A version-4-shaped UUID, as Plivo's api_ids and pool uuids look. */
  uuid(): string {
    const hex = Array.from({ length: 4 }, () => this.nextUint32().toString(16).padStart(8, '0')).join('');
    const variant = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }
}
