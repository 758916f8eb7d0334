// The backprop panel: the computational graph of the playground's current network (src/explain),
// drawn left to right in SVG, and for a point picked on the plot, every node's forward value,
// local derivative and gradient ∂L/∂node, as explain() computes them in float64 — with each
// parameter's chain-rule product checked against gradients() and finite differences.
import { Sequential, dense, type Activation, type LayerWeights } from '../src/index.js';
import { explain, formatLocal, formatNumber, formatShape, type GraphNode, type ModelGraph, type Tensor, type Trace } from '../src/explain/index.js';
import { DOMAIN, planeOf } from './plots.js';
import { outputLayer, type PlaygroundState } from './playground.js';

/** The panel's state, readable from the console and by the browser test (window.gradwasmDemo.backprop). */
export interface BackpropState {
  /** The trace of the current network at the current point, or null when there is no network to explain. */
  trace: Trace | null;
  /** The point explained: a training or test point of the playground (the first training point by default). */
  point: { x: number[]; y: number; set: 'train' | 'test'; index: number } | null;
  /** The node whose numbers are shown. */
  selected: string;
  /** What the network is: "2 → 8 tanh → 8 tanh → 1 sigmoid, after 200 epochs of training" (→ 3 softmax for three classes). */
  network: string;
  /** How many traces have been computed. */
  updates: number;
}

const SVG = 'http://www.w3.org/2000/svg';
const COLUMN = 100,
  NODE_W = 86,
  NODE_H = 42,
  ROW = 58,
  PAD = 10;
const MIN_INTERVAL_MS = 120; // at most ~8 traces per second while training
const $ = (id: string): HTMLElement => document.getElementById(id)!;
const escape = (s: string): string => s.replace(/[&<>"]/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot' }[c]};`);

/** Columns by depth (a leaf just before its first consumer); rows: parameters and labels above the chain, BCE's second block below. */
function layout(g: ModelGraph): { at: Map<string, { x: number; y: number }>; width: number; height: number } {
  const depth = new Map<string, number>();
  for (const n of g.nodes) depth.set(n.id, n.inputs.length ? 1 + Math.max(...n.inputs.map((i) => depth.get(i)!)) : 0);
  for (const n of g.nodes) {
    if (n.inputs.length || n.id === 'x') continue;
    depth.set(n.id, Math.min(...g.nodes.filter((c) => c.inputs.includes(n.id)).map((c) => depth.get(c.id)!)) - 1);
  }
  const row = (n: GraphNode): number => (n.op === 'parameter' || n.op === 'label' ? 0 : n.op === 'not_y_log_not_p' ? 2 : 1);
  const at = new Map(g.nodes.map((n) => [n.id, { x: PAD + depth.get(n.id)! * COLUMN, y: PAD + row(n) * ROW }]));
  const columns = Math.max(...depth.values()) + 1;
  const rows = Math.max(...g.nodes.map(row)) + 1; // (a softmax's loss takes no row below the chain)
  return { at, width: 2 * PAD + (columns - 1) * COLUMN + NODE_W, height: 2 * PAD + (rows - 1) * ROW + NODE_H };
}

const kind = (n: GraphNode): string =>
  n.op === 'parameter'
    ? 'param'
    : n.op === 'input' || n.op === 'label'
      ? 'leaf'
      : ['y_log_p', 'not_y_log_not_p', 'neg_log_p_y', 'squared_error', 'add', 'negate', 'mean'].includes(n.op)
        ? 'loss'
        : 'op';

/** The graph as SVG: rounded boxes labelled with the node and its op and shape, curved edges between columns. */
function drawGraph(svg: SVGSVGElement, g: ModelGraph): void {
  const { at, width, height } = layout(g);
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.style.width = `${width}px`;
  svg.replaceChildren();
  const el = <K extends keyof SVGElementTagNameMap>(name: K, attributes: Record<string, string | number>, parent: Element = svg): SVGElementTagNameMap[K] => {
    const e = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attributes)) e.setAttribute(k, String(v));
    parent.append(e);
    return e;
  };
  for (const e of g.edges) {
    const a = at.get(e.from)!,
      b = at.get(e.to)!;
    const [x1, y1, x2, y2] = [a.x + NODE_W, a.y + NODE_H / 2, b.x, b.y + NODE_H / 2];
    const path = el('path', {
      d: `M${x1},${y1} C${(x1 + x2) / 2},${y1} ${(x1 + x2) / 2},${y2} ${x2},${y2}`,
      class: 'bg-edge',
      'data-from': e.from,
      'data-to': e.to,
    });
    el('title', {}, path).textContent = `${e.from} → ${e.to}: ${formatShape(e.shape)}`;
  }
  for (const n of g.nodes) {
    const { x, y } = at.get(n.id)!;
    const group = el('g', {
      class: `bg-node ${kind(n)}`,
      'data-node': n.id,
      transform: `translate(${x},${y})`,
      tabindex: 0,
      role: 'button',
      'aria-label': `${n.formula}: ${n.op} ${formatShape(n.shape)}`,
    });
    el('rect', { width: NODE_W, height: NODE_H, rx: 8 }, group);
    el('text', { x: NODE_W / 2, y: 18, class: n.label.length > 9 ? 'bg-label long' : 'bg-label' }, group).textContent = n.label;
    const op = `${n.op} ${formatShape(n.shape)}`;
    el('text', { x: NODE_W / 2, y: 33, class: op.length > 15 ? 'bg-op long' : 'bg-op' }, group).textContent = op;
  }
}

/** A tensor as a small table of numbers (4 significant digits), at most 8 × 8. */
function tensorHtml(t: Tensor | null): string {
  if (!t) return '<span class="muted">— (a constant: no gradient)</span>';
  const [rows, cols] = t.shape.length === 2 ? [t.shape[0]!, t.shape[1]!] : [1, t.data.length];
  const cell = (r: number, c: number): string => `<td>${formatNumber(t.data[r * cols + c]!, 4)}</td>`;
  const lines: string[] = [];
  for (let r = 0; r < Math.min(rows, 8); r++) {
    lines.push(`<tr>${Array.from({ length: Math.min(cols, 8) }, (_, c) => cell(r, c)).join('')}${cols > 8 ? '<td>…</td>' : ''}</tr>`);
  }
  if (rows > 8) lines.push('<tr><td>…</td></tr>');
  return `<table class="bg-tensor">${lines.join('')}</table>`;
}

function detailsHtml(trace: Trace, id: string): string {
  const node = trace.nodes.find((n) => n.id === id);
  if (!node) return '';
  const rows: [string, string][] = [['value', tensorHtml(node.value)]];
  if (node.local.length) rows.push(['local derivative', node.local.map((l) => `<div>${escape(formatLocal(l, 8, 4))}</div>`).join('')]);
  rows.push(['∂L/∂node', tensorHtml(node.grad)]);
  const p = trace.parameters.find((q) => q.id === id);
  if (p) {
    const chain = p.chain.every((f) => f.value !== undefined) ? ` = ${p.chain.map((f) => `(${formatNumber(f.value!, 4)})`).join(' · ')}` : '';
    rows.push(['chain rule', `∂L/∂${escape(p.label)} = ${escape(p.chain.map((f) => f.symbol).join(' · '))}${escape(chain)}`]);
    rows.push(['gradients()', tensorHtml({ shape: p.value.shape, data: Float64Array.from(p.backprop) })]);
    rows.push(['finite differences', tensorHtml({ shape: p.value.shape, data: p.finiteDifference })]);
    const ok = (e: number, t: number): string => `${formatNumber(e, 2)} ${e <= t ? '≤' : '>'} ${formatNumber(t, 2)}`;
    rows.push([
      'check',
      `<span class="${p.ok ? 'good' : 'bad'}">${p.ok ? '✓' : '✗'}</span> max |gradients() − chain rule| ${ok(p.backpropError, trace.tolerance.backprop)}; ` +
        `max |finite differences − chain rule| ${ok(p.finiteDifferenceError, trace.tolerance.finiteDifference)}`,
    ]);
  }
  return (
    `<h3>${escape(node.formula)}</h3><p class="muted">${escape(node.description)} · <code>${node.op}</code> · ${formatShape(node.shape)}</p>` +
    `<dl>${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>`
  );
}

export function initBackprop(playground: PlaygroundState): BackpropState {
  const root = $('backprop');
  const svg = $('bg-graph') as unknown as SVGSVGElement;
  const details = $('bg-details');
  const summary = $('bg-summary');
  const boundary = $('pg-boundary') as HTMLCanvasElement;
  const marker = document.createElement('div');
  marker.className = 'bg-marker';
  marker.hidden = true;
  boundary.parentElement!.append(marker);

  const state: BackpropState = { trace: null, point: null, selected: 'p', network: '', updates: 0 };
  let choice: { set: 'train' | 'test'; index: number } = { set: 'train', index: 0 };
  let model: Sequential | null = null;
  let initial: LayerWeights[] = [];
  let modelKey = '';
  let drawnKey = '';
  let hovered: string | null = null;
  let busy = false,
    again = false,
    last = 0,
    timer = 0;

  /** The network to explain: the trained (or training) one with its latest weights, else the form's, as initialised from its seed. */
  function network(): { hidden: number[]; activation: Activation; classes: number; seed: number; weights: LayerWeights[] | null; text: string } | string {
    const s = playground.settings;
    const classes = playground.train.classes;
    if (playground.weights) {
      const epochs = playground.loss.length;
      return {
        hidden: s.hidden,
        activation: s.activation,
        classes,
        seed: s.seed,
        weights: playground.weights,
        text: `after ${epochs} epoch${epochs === 1 ? '' : 's'} of training`,
      };
    }
    const text = (document.getElementById('pg-hidden') as HTMLInputElement).value.trim();
    const hidden = text === '' ? [] : text.split(/[\s,]+/).map(Number);
    if (hidden.length > 8 || hidden.some((u) => !Number.isInteger(u) || u < 1 || u > 256)) return 'Fix the hidden layers field to see the graph.';
    const seed = Number((document.getElementById('pg-seed') as HTMLInputElement).value);
    const activation = (document.getElementById('pg-activation') as HTMLSelectElement).value as Activation;
    return {
      hidden,
      activation,
      classes,
      seed: Number.isInteger(seed) && seed >= 0 ? seed : 1,
      weights: null,
      text: 'untrained: the initial weights of its seed',
    };
  }

  /** The chosen point, read afresh from the playground's data (which a new dataset replaces); the first training point by default. */
  function refreshPoint(): void {
    let { set, index } = choice;
    if (index >= playground[set].n) [set, index] = ['train', 0];
    const points = playground[set];
    const k = points.inputs;
    state.point = points.n > index ? { x: [...points.x.subarray(k * index, k * (index + 1))], y: points.y[index]!, set, index } : null;
  }

  function placeMarker(): void {
    const pt = state.point;
    marker.hidden = !pt;
    if (!pt) return;
    const { width, height } = boundary.getBoundingClientRect();
    const [px, py] = pt.x.length === 1 ? [pt.x[0]!, pt.y] : [pt.x[0]!, pt.x[1]!]; // (a curve's point sits at (x, its target))
    marker.style.left = `${boundary.offsetLeft + ((px + DOMAIN) / (2 * DOMAIN)) * width}px`;
    marker.style.top = `${boundary.offsetTop + ((DOMAIN - py) / (2 * DOMAIN)) * height}px`;
  }

  function show(id: string): void {
    for (const g of svg.querySelectorAll('.bg-node')) g.classList.toggle('selected', g.getAttribute('data-node') === id);
    for (const e of svg.querySelectorAll('.bg-edge')) e.classList.toggle('active', e.getAttribute('data-to') === id || e.getAttribute('data-from') === id);
    details.innerHTML = state.trace ? detailsHtml(state.trace, id) : '';
    details.dataset.node = id;
  }

  async function update(): Promise<void> {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      const net = network();
      if (typeof net === 'string') {
        state.trace = null;
        summary.textContent = net;
        root.dataset.state = 'empty';
        return;
      }
      const layers = [...net.hidden.map((u) => dense(u, net.activation)), outputLayer(net.classes)];
      const inputs = playground.train.inputs;
      const key = JSON.stringify([inputs, net.hidden, net.activation, net.classes, net.seed]);
      if (key !== modelKey || !model) {
        model?.dispose();
        model = await Sequential.create({ inputs, layers, seed: net.seed });
        initial = model.getWeights();
        modelKey = key;
      }
      model.setWeights(net.weights ?? initial);
      refreshPoint();
      if (!state.point) return;
      const trace = explain(model, [state.point.x], [state.point.y], { rows: 1 });
      state.trace = trace;
      state.updates++;
      const head = net.classes === 0 ? '1 linear' : net.classes === 2 ? '1 sigmoid' : `${net.classes} softmax`;
      state.network = `${inputs} → ${[...net.hidden.map((u) => `${u} ${net.activation}`), head].join(' → ')}, ${net.text}`;
      const g: ModelGraph = trace.graph;
      if (drawnKey !== key) {
        drawGraph(svg, g);
        drawnKey = key;
        if (!g.nodes.some((n) => n.id === state.selected)) state.selected = 'p';
      }
      const pt = state.point;
      const p = [...trace.nodes.find((n) => n.id === 'p')!.value.data].map((v) => formatNumber(v, 6));
      const worst = trace.parameters.reduce((m, p) => ({ bp: Math.max(m.bp, p.backpropError), fd: Math.max(m.fd, p.finiteDifferenceError) }), { bp: 0, fd: 0 });
      summary.innerHTML =
        `<b>${escape(state.network)}</b>. Point (${pt.x.map((v) => formatNumber(v, 3)).join(', ')}), ${pt.set} point ${pt.index + 1}, ` +
        (net.classes === 0 ? `target ${formatNumber(pt.y, 4)}: ŷ = ` : `class ${pt.y}: p = `) +
        `${p.length === 1 ? p[0] : `(${p.join(', ')})`}, L = ${formatNumber(trace.loss.trace, 4)}. ` +
        `<span class="${trace.ok ? 'good' : 'bad'}">${trace.ok ? '✓' : '✗'}</span> On all ${trace.parameterCount} parameters the chain rule matches ` +
        `gradients() within ${formatNumber(worst.bp, 2)} and finite differences within ${formatNumber(worst.fd, 2)}.`;
      root.dataset.state = 'ready';
      placeMarker();
      show(hovered ?? state.selected);
    } catch (error) {
      summary.textContent = `Could not explain the network: ${(error as Error).message}`;
    } finally {
      busy = false;
      last = performance.now();
      if (again) {
        again = false;
        schedule();
      }
    }
  }

  function schedule(): void {
    if (timer) return;
    timer = window.setTimeout(
      () => {
        timer = 0;
        void update();
      },
      Math.max(0, MIN_INTERVAL_MS - (performance.now() - last)),
    );
  }

  // Pick a point: the data point nearest to a click on the plot.
  boundary.addEventListener('click', (event) => {
    const { left, top, width, height } = boundary.getBoundingClientRect();
    const px = -DOMAIN + (2 * DOMAIN * (event.clientX - left)) / width,
      py = DOMAIN - (2 * DOMAIN * (event.clientY - top)) / height;
    let bestD = Infinity;
    for (const set of ['train', 'test'] as const) {
      const points = playground[set];
      for (let i = 0; i < points.n; i++) {
        const [x, y] = planeOf(points, i);
        const d = (x - px) ** 2 + (y - py) ** 2;
        if (d < bestD) [bestD, choice] = [d, { set, index: i }];
      }
    }
    void update();
  });
  // Hover shows a node's numbers; a click (or Enter) keeps them.
  const nodeOf = (event: Event): string | null => (event.target as Element).closest?.('.bg-node')?.getAttribute('data-node') ?? null;
  svg.addEventListener('mouseover', (event) => {
    const id = nodeOf(event);
    if (id && state.trace) show((hovered = id));
  });
  svg.addEventListener('mouseleave', () => {
    hovered = null;
    show(state.selected);
  });
  const select = (event: Event): void => {
    const id = nodeOf(event);
    if (!id) return;
    state.selected = id;
    show(id);
  };
  svg.addEventListener('click', select);
  svg.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      select(event);
    }
  });

  // The playground redraws after every reported epoch, a reset or a new dataset; the form's network fields change it too.
  $('playground').addEventListener('pg-render', schedule);
  for (const id of ['pg-hidden', 'pg-activation', 'pg-seed']) $(id).addEventListener('change', schedule);
  new ResizeObserver(placeMarker).observe(boundary); // the plot takes its container's width
  schedule();
  return state;
}
