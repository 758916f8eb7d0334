// Model files write each float32 as its shortest decimal. Checked on every class of float32
// (±0, subnormals, the smallest normal, powers of two, the largest finite, random bit patterns):
// the decimal reads back to the same bits, and no decimal with one digit fewer lies inside the
// float32's rounding interval — an exact oracle in BigInt arithmetic, independent of the code.
import { describe, expect, it } from 'vitest';
import { float32Decimals, shortestFloat32 } from '../src/core/float32-decimal.js';
import { Sequential, dense } from '../src/index.js';

const f32 = new Float32Array(1),
  u32 = new Uint32Array(f32.buffer);
const fromBits = (b: number): number => ((u32[0] = b >>> 0), f32[0]!);
const bitsOf = (f: number): number => ((f32[0] = f), u32[0]!);

/** A finite double as an exact fraction n / d (d a power of two). */
function fraction(x: number): [bigint, bigint] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0),
    lo = view.getUint32(4);
  const exponent = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (exponent) mantissa |= 1n << 52n;
  const shift = (exponent || 1) - 1075;
  const n = x < 0 ? -mantissa : mantissa;
  return shift >= 0 ? [n << BigInt(shift), 1n] : [n, 1n << BigInt(-shift)];
}

/** Whether some decimal of `digits` significant digits lies strictly inside the rounding interval of the positive float32 `f`. */
function decimalInside(f: number, digits: number): boolean {
  // the interval's ends are the midpoints to the float32 neighbours: exact in float64
  const below = fromBits(bitsOf(f) - 1),
    above = fromBits(bitsOf(f) + 1);
  const [ln, ld] = fraction((f + below) / 2),
    [hn, hd] = fraction(Number.isFinite(above) ? (f + above) / 2 : f + (f - below) / 2);
  const top = 10n ** BigInt(digits),
    bottom = top / 10n;
  const magnitude = Math.floor(Math.log10(f));
  for (let k = magnitude - digits - 1; k <= magnitude - digits + 3; k++) {
    // decimals D·10^k with D of `digits` digits: D in (low / 10^k, high / 10^k)
    const scale = 10n ** BigInt(Math.abs(k));
    const [a, b] = k >= 0 ? [ln, ld * scale] : [ln * scale, ld];
    const [c, d] = k >= 0 ? [hn, hd * scale] : [hn * scale, hd];
    const first = a / b + 1n,
      last = (c + d - 1n) / d - 1n; // strictly above a/b, strictly below c/d
    const from = first > bottom ? first : bottom,
      to = last < top - 1n ? last : top - 1n;
    if (from <= to) return true;
  }
  return false;
}

const significantDigits = (x: number): number => x.toExponential().replace(/^-/, '').replace(/e.*$/, '').replace('.', '').length;

function check(f: number): void {
  const d = shortestFloat32(f);
  expect(bitsOf(d), `${d} reads back as the float32 ${f}`).toBe(bitsOf(f));
  const text = JSON.stringify(d);
  expect(bitsOf(JSON.parse(text) as number), `${text} survives JSON`).toBe(bitsOf(f));
  if (f === 0) return;
  const digits = significantDigits(d);
  expect(digits).toBeLessThanOrEqual(9);
  if (digits > 1) expect(decimalInside(Math.abs(f), digits - 1), `a decimal of ${digits - 1} digits reads back as ${f}, shorter than ${d}`).toBe(false);
}

describe('shortestFloat32', () => {
  it('writes the familiar decimals', () => {
    expect([0.1, 0.2, 1 / 3, 3.4028234663852886e38, 1e-45, -2.5].map((v) => JSON.stringify(shortestFloat32(Math.fround(v))))).toEqual([
      '0.1',
      '0.2',
      '0.33333334',
      '3.4028235e+38',
      '1e-45',
      '-2.5',
    ]);
  });

  it('keeps ±0 through JSON', () => {
    const [plus, minus] = [shortestFloat32(0), shortestFloat32(-0)].map((v) => JSON.parse(JSON.stringify(v)) as number);
    expect(Object.is(Math.fround(plus!), 0)).toBe(true);
    expect(Object.is(Math.fround(minus!), -0)).toBe(true);
    expect(Object.is(Float32Array.from([minus!])[0], -0)).toBe(true);
  });

  it('is exact and shortest on every class of float32', () => {
    const special = [1, 2, 0x3ff, 0x7fffff, 0x400000, 0x800000, 0x800001, 0x7f7fffff, 0x7f7ffffe, 0x3f800000, 0x3dcccccd, 0x3eaaaaab];
    const powers = Array.from({ length: 254 }, (_, e) => (e + 1) << 23);
    const belowPowers = powers.map((b) => b - 1),
      abovePowers = powers.map((b) => b + 1);
    for (const b of [...special, ...powers, ...belowPowers, ...abovePowers]) {
      check(fromBits(b));
      check(-fromBits(b));
    }
  });

  it('is exact and shortest on random bit patterns', () => {
    let state = 12345;
    for (let i = 0; i < 20000; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      const f = fromBits(state);
      if (Number.isFinite(f)) check(f);
    }
  });

  it('the oracle finds a shorter decimal when there is one', () => {
    expect(decimalInside(Math.fround(0.1), 1)).toBe(true);
    expect(decimalInside(Math.fround(1 / 3), 7)).toBe(false);
    expect(decimalInside(Math.fround(1 / 3), 8)).toBe(true);
  });
});

describe('model files', () => {
  it('keep every float32 class exactly, in about half the text', async () => {
    const model = await Sequential.create({ inputs: 4, layers: [dense(3, 'tanh'), dense(1, 'sigmoid')], seed: 3 });
    const classes = Float32Array.from([0, -0, 1e-45, -1e-45, 1.1754942e-38, 1.17549435e-38, 3.4028235e38, -3.4028235e38, 0.1, -0.25, 1 / 3, 7]);
    const weights = model.getWeights();
    weights[0]!.weights.set(classes);
    weights[1]!.bias.set([-0]);
    model.setWeights(weights);
    const text = JSON.stringify(model);
    const back = await Sequential.fromJSON(text);
    const bitsOfLayers = (m: Sequential) => m.getWeights().flatMap((l) => [...new Uint32Array(l.weights.buffer), ...new Uint32Array(l.bias.buffer)]);
    expect(bitsOfLayers(back)).toEqual(bitsOfLayers(model));

    const trained = await Sequential.create({ inputs: 30, layers: [dense(32, 'relu'), dense(1, 'sigmoid')], seed: 4 });
    const shortest = JSON.stringify(trained).length;
    const widened = JSON.stringify(trained.getWeights().map((l) => [Array.from(l.weights), Array.from(l.bias)])).length;
    expect(shortest / widened).toBeLessThan(0.6);
    expect(float32Decimals(trained.getWeights()[0]!.weights).every((v, i) => Math.fround(v) === trained.getWeights()[0]!.weights[i])).toBe(true);
    (model.dispose(), back.dispose(), trained.dispose());
  });
});
