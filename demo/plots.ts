// Drawing on canvases: the decision-boundary heatmap with the data points on top, the loss
// curves, and the small dataset thumbnails. Plain 2-D canvas, sized for the device pixel ratio.
import type { Points } from './datasets.js';

/** The square of the plane every plot shows: [-DOMAIN, DOMAIN]². */
export const DOMAIN = 1.25;
/** Cells per side of the probability grid behind the heatmap. */
export const GRID = 100;

const CLASS_RGB = [
  [37, 99, 235], // blue
  [234, 88, 12], // orange
  [22, 163, 74], // green
] as const;
const MIDDLE = [248, 250, 252] as const;
export const CLASS_COLORS = CLASS_RGB.map((c) => `rgb(${c.join(', ')})`);

/** Give a canvas a backing store of its CSS size × devicePixelRatio; returns its context in CSS pixels. */
export function fit(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const ratio = window.devicePixelRatio || 1;
  const { width, height } = canvas.getBoundingClientRect();
  const w = Math.round(width * ratio),
    h = Math.round(height * ratio);
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return ctx;
}

/** The centres of the GRID × GRID cells, row by row from the top, as (x₁, x₂) pairs. */
export function gridPoints(): Float32Array {
  const out = new Float32Array(GRID * GRID * 2);
  for (let r = 0; r < GRID; r++) {
    for (let c = 0; c < GRID; c++) {
      const i = 2 * (r * GRID + c);
      out[i] = -DOMAIN + (2 * DOMAIN * (c + 0.5)) / GRID;
      out[i + 1] = DOMAIN - (2 * DOMAIN * (r + 0.5)) / GRID;
    }
  }
  return out;
}

function mix(a: readonly number[], b: readonly number[], t: number): number[] {
  return a.map((v, i) => Math.round(v + (b[i]! - v) * t));
}

/** One cell's probabilities → colour: the predicted class's, strong as its probability stands above
 *  chance (1/k), from near-white, muted so the points stand out. `k` = 1: a sigmoid's P(Y=1). */
function cellColor(proba: Float32Array, cell: number, k: number): number[] {
  let best: number, p: number, chance: number;
  if (k === 1) {
    const p1 = proba[cell]!;
    [best, p, chance] = p1 >= 0.5 ? [1, p1, 0.5] : [0, 1 - p1, 0.5];
  } else {
    best = 0;
    for (let j = 1; j < k; j++) if (proba[cell * k + j]! > proba[cell * k + best]!) best = j;
    [p, chance] = [proba[cell * k + best]!, 1 / k];
  }
  const strength = 0.5 * Math.min(1, (p - chance) / (1 - chance)) ** 0.8;
  return mix(MIDDLE, CLASS_RGB[best]!, strength);
}

const heatCanvas = typeof document === 'undefined' ? null : document.createElement('canvas');

/**
 * The heatmap of the predicted class over the plane (from `proba`: GRID × GRID cells of `width`
 * probabilities each — 1, a sigmoid's P(Y=1), or k of a softmax — or a blank plane when null), the
 * lines where the predicted class changes, then the points: training points filled, test points as rings.
 */
export function drawBoundary(canvas: HTMLCanvasElement, proba: Float32Array | null, width: number, train: Points, test: Points): void {
  const ctx = fit(canvas);
  const { width: w, height } = canvas.getBoundingClientRect();
  ctx.clearRect(0, 0, w, height);
  if (proba && heatCanvas) {
    heatCanvas.width = heatCanvas.height = GRID;
    const hctx = heatCanvas.getContext('2d')!;
    const image = hctx.createImageData(GRID, GRID);
    for (let cell = 0; cell < GRID * GRID; cell++) {
      const [r, g, b] = cellColor(proba, cell, width);
      image.data.set([r!, g!, b!, 255], 4 * cell);
    }
    hctx.putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(heatCanvas, 0, 0, w, height);
    drawContours(ctx, margins(proba, width), w, height);
  } else {
    ctx.fillStyle = `rgb(${MIDDLE.join(',')})`;
    ctx.fillRect(0, 0, w, height);
  }
  drawAxes(ctx, w, height);
  drawPoints(ctx, train, test, w, height);
}

/** The points: training points filled with their colour, test points as rings of it. */
function drawPoints(ctx: CanvasRenderingContext2D, train: Points, test: Points, w: number, height: number): void {
  for (const [points, ring] of [
    [train, false],
    [test, true],
  ] as const) {
    for (let i = 0; i < points.n; i++) {
      const [x, y] = planeOf(points, i);
      const color = pointColor(points, i);
      ctx.beginPath();
      ctx.arc(((x + DOMAIN) / (2 * DOMAIN)) * w, ((DOMAIN - y) / (2 * DOMAIN)) * height, ring ? 3.6 : 3.4, 0, 2 * Math.PI);
      ctx.fillStyle = ring ? 'white' : color;
      ctx.strokeStyle = ring ? color : 'white';
      ctx.lineWidth = ring ? 2 : 1;
      ctx.fill();
      ctx.stroke();
    }
  }
}

/** The functions over the grid whose zero lines are where the predicted class changes: P(Y=1) − 0.5
 *  for a sigmoid; for a softmax, each class's margin pⱼ − maxᵢ≠ⱼ pᵢ (the line between two classes
 *  is both of theirs, drawn once: one path). */
function margins(proba: Float32Array, k: number): ((cell: number) => number)[] {
  if (k === 1) return [(cell) => proba[cell]! - 0.5];
  return Array.from({ length: k }, (_, j) => (cell: number) => {
    let other = -Infinity;
    for (let i = 0; i < k; i++) if (i !== j) other = Math.max(other, proba[cell * k + i]!);
    return proba[cell * k + j]! - other;
  });
}

/** The zero lines of `fields`, by marching squares over the grid (cell centres as vertices), in one path. */
function drawContours(ctx: CanvasRenderingContext2D, fields: ((cell: number) => number)[], width: number, height: number): void {
  const cell = width / GRID,
    cellY = height / GRID;
  ctx.beginPath();
  for (const field of fields) {
    const at = (r: number, c: number): number => field(r * GRID + c);
    for (let r = 0; r < GRID - 1; r++) {
      for (let c = 0; c < GRID - 1; c++) {
        const v = [at(r, c), at(r, c + 1), at(r + 1, c + 1), at(r + 1, c)];
        const corners: [number, number][] = [
          [c, r],
          [c + 1, r],
          [c + 1, r + 1],
          [c, r + 1],
        ];
        const crossings: [number, number][] = [];
        for (let e = 0; e < 4; e++) {
          const a = v[e]!,
            b = v[(e + 1) % 4]!;
          if (a < 0 !== b < 0) {
            const t = a / (a - b);
            const [x0, y0] = corners[e]!,
              [x1, y1] = corners[(e + 1) % 4]!;
            crossings.push([(x0 + (x1 - x0) * t + 0.5) * cell, (y0 + (y1 - y0) * t + 0.5) * cellY]);
          }
        }
        for (let k = 0; k + 1 < crossings.length; k += 2) {
          ctx.moveTo(...crossings[k]!);
          ctx.lineTo(...crossings[k + 1]!);
        }
      }
    }
  }
  ctx.strokeStyle = 'rgba(15, 23, 42, 0.55)';
  ctx.lineWidth = 1.25;
  ctx.stroke();
}

function drawAxes(ctx: CanvasRenderingContext2D, width: number, height: number): void {
  ctx.strokeStyle = 'rgba(15, 23, 42, 0.12)';
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(width / 2, 0);
  ctx.lineTo(width / 2, height);
  ctx.moveTo(0, height / 2);
  ctx.lineTo(width, height / 2);
  ctx.stroke();
}

/** A dataset thumbnail: just the points, small. */
export function drawThumbnail(canvas: HTMLCanvasElement, points: Points): void {
  const ctx = fit(canvas);
  const { width, height } = canvas.getBoundingClientRect();
  ctx.fillStyle = `rgb(${MIDDLE.join(',')})`;
  ctx.fillRect(0, 0, width, height);
  for (let i = 0; i < points.n; i++) {
    const [x, y] = planeOf(points, i);
    const px = ((x + DOMAIN) / (2 * DOMAIN)) * width;
    const py = ((DOMAIN - y) / (2 * DOMAIN)) * height;
    ctx.fillStyle = pointColor(points, i);
    ctx.fillRect(px - 1, py - 1, 2, 2);
  }
}

/** Where point i sits on the plot: (x₁, x₂), or for a curve (x, its target). */
export function planeOf(points: Points, i: number): [number, number] {
  return points.inputs === 1 ? [points.x[i]!, points.y[i]!] : [points.x[2 * i]!, points.x[2 * i + 1]!];
}

/** Point i's colour: its class's; a surface's by its target (valueColor); a curve's one ink. */
function pointColor(points: Points, i: number): string {
  if (points.classes > 0) return CLASS_COLORS[points.y[i]!]!;
  return points.inputs === 1 ? CURVE_INK : `rgb(${valueColor(points.y[i]!, 1).join(', ')})`;
}

const CURVE_INK = 'rgb(51, 65, 85)';
const FIT_INK = 'rgb(234, 88, 12)';

/** A value (about −1 … 1) → colour: blue below 0, orange above, near-white at 0, `strength` at most. */
function valueColor(v: number, strength: number): number[] {
  return mix(MIDDLE, CLASS_RGB[v >= 0 ? 1 : 0], strength * Math.min(1, Math.abs(v)) ** 0.8);
}

/** Points along the curve's x axis where the fitted curve is drawn. */
export const CURVE_STEPS = 200;

/** The xs of the fitted curve, [-DOMAIN, DOMAIN] in CURVE_STEPS steps, as one-feature rows. */
export function curvePoints(): Float32Array {
  return Float32Array.from({ length: CURVE_STEPS }, (_, i) => -DOMAIN + (2 * DOMAIN * i) / (CURVE_STEPS - 1));
}

/**
 * A regression's plot: a curve's points (x across, the target up) with the fitted curve through
 * `values` (CURVE_STEPS of them, or none yet); a surface's plane shaded by the predicted value
 * (`values`: GRID × GRID) under its points coloured by their targets.
 */
export function drawRegression(canvas: HTMLCanvasElement, values: Float32Array | null, train: Points, test: Points): void {
  const ctx = fit(canvas);
  const { width: w, height } = canvas.getBoundingClientRect();
  ctx.clearRect(0, 0, w, height);
  const surface = train.inputs === 2;
  if (values && surface && heatCanvas) {
    heatCanvas.width = heatCanvas.height = GRID;
    const hctx = heatCanvas.getContext('2d')!;
    const image = hctx.createImageData(GRID, GRID);
    for (let cell = 0; cell < GRID * GRID; cell++) image.data.set([...valueColor(values[cell]!, 0.6), 255], 4 * cell);
    hctx.putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(heatCanvas, 0, 0, w, height);
  } else {
    ctx.fillStyle = `rgb(${MIDDLE.join(',')})`;
    ctx.fillRect(0, 0, w, height);
  }
  drawAxes(ctx, w, height);
  drawPoints(ctx, train, test, w, height);
  const toPixel = (x: number, y: number): [number, number] => [((x + DOMAIN) / (2 * DOMAIN)) * w, ((DOMAIN - y) / (2 * DOMAIN)) * height];
  if (values && !surface) {
    const xs = curvePoints();
    ctx.beginPath();
    xs.forEach((x, i) => (i === 0 ? ctx.moveTo(...toPixel(x, values[i]!)) : ctx.lineTo(...toPixel(x, values[i]!))));
    ctx.strokeStyle = FIT_INK;
    ctx.lineWidth = 2.5;
    ctx.stroke();
  }
}

/** Training and test loss per epoch, over `epochs` epochs on the x axis. */
export function drawLoss(canvas: HTMLCanvasElement, loss: readonly number[], valLoss: readonly number[], epochs: number): void {
  const ctx = fit(canvas);
  const { width, height } = canvas.getBoundingClientRect();
  ctx.clearRect(0, 0, width, height);
  const left = 44,
    right = 20,
    top = 12,
    bottom = 30;
  const w = width - left - right,
    h = height - top - bottom;
  const all = [...loss, ...valLoss];
  const max = niceCeil(all.length ? Math.max(...all) : 1);
  const xOf = (epoch: number): number => left + (w * epoch) / Math.max(1, epochs - 1);
  const yOf = (value: number): number => top + h * (1 - value / max);

  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = '#64748b';
  ctx.strokeStyle = '#e2e8f0';
  ctx.lineWidth = 1;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (let k = 0; k <= 4; k++) {
    const v = (max * k) / 4;
    ctx.beginPath();
    ctx.moveTo(left, yOf(v));
    ctx.lineTo(left + w, yOf(v));
    ctx.stroke();
    ctx.fillText(String(Number(v.toPrecision(3))), left - 6, yOf(v));
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const e of [0, Math.round((epochs - 1) / 2), epochs - 1]) ctx.fillText(String(e + 1), xOf(e), top + h + 6);
  ctx.fillText('epoch', left + w / 2, top + h + 17);

  const line = (values: readonly number[], color: string, dash: number[]): void => {
    if (values.length === 0) return;
    ctx.beginPath();
    values.forEach((v, i) => (i === 0 ? ctx.moveTo(xOf(i), yOf(v)) : ctx.lineTo(xOf(i), yOf(v))));
    ctx.setLineDash(dash);
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.stroke();
    ctx.setLineDash([]);
  };
  line(loss, '#0f172a', []);
  line(valLoss, '#7c3aed', [5, 4]);
}

function niceCeil(v: number): number {
  if (!(v > 0)) return 1;
  const step = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * step >= v) return m * step;
  return 10 * step;
}
