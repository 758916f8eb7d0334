// The shortest decimal of a float32, as the number JSON writes it with: `0.1`, not the float64
// `0.10000000149011612` it widens to. Reading it back (Float32Array, Math.fround) gives the same
// float32 bits, because the decimal lies in the float32's rounding interval.

const bits = new Float32Array(1),
  word = new Uint32Array(bits.buffer);

/**
 * The double whose JavaScript text is the shortest decimal that rounds (through float64, as every
 * reader does) to the float32 `f`. −0 becomes −1e-46, the shortest text JSON keeps that rounds to
 * float32 −0 (JSON writes the number −0 as `0`).
 */
export function shortestFloat32(f: number): number {
  if (f === 0) return Object.is(f, -0) ? -1e-46 : 0;
  if (!Number.isFinite(f)) return f;
  bits[0] = f;
  // A power of two's rounding interval is narrower below than above: the nearest decimal of a
  // length may fall outside while its neighbour above is inside. Elsewhere the interval is
  // symmetric, and if any decimal of p digits is inside, the nearest (toPrecision) is.
  const find = (word[0]! & 0x7fffff) === 0 ? withDigits : nearestWithDigits;
  // 9 digits always suffice, and if p do, p + 1 do. Random weights mostly take 8 or 9: try those first.
  const eight = find(f, 8);
  if (eight === null) return find(f, 9) ?? f;
  let lo = 1,
    hi = 7,
    best = eight;
  while (lo <= hi) {
    const p = (lo + hi) >> 1;
    const found = find(f, p);
    if (found === null) lo = p + 1;
    else {
      best = found;
      hi = p - 1;
    }
  }
  return best;
}

/** The nearest decimal of `digits` significant digits to `f`, if it reads back as the float32 `f`. */
function nearestWithDigits(f: number, digits: number): number | null {
  const v = Number(f.toPrecision(digits));
  return Math.fround(v) === f ? v : null;
}

/** A decimal of `digits` significant digits that reads back as the float32 `f`, or null: the nearest, or a neighbour. */
function withDigits(f: number, digits: number): number | null {
  const [mantissa, exponent] = f.toExponential(digits - 1).split('e') as [string, string];
  const m = Number(mantissa.replace('.', '')),
    e = Number(exponent) - (digits - 1),
    sign = Math.sign(m);
  // just below sign·10…0 the decimals are a decade finer: the neighbour there is sign·99…9 (one exponent down)
  const candidates =
    Math.abs(m) === 10 ** (digits - 1)
      ? [`${m}e${e}`, `${m + sign}e${e}`, `${sign * (10 ** digits - 1)}e${e - 1}`]
      : [`${m}e${e}`, `${m + 1}e${e}`, `${m - 1}e${e}`];
  for (const text of candidates) {
    const v = Number(text);
    if (Math.fround(v) === f) return v;
  }
  return null;
}

/** Float32 values as the shortest decimals, for JSON. */
export function float32Decimals(values: Float32Array): number[] {
  return Array.from(values, shortestFloat32);
}
