// A trace as plain text for a terminal: the nodes in forward order with their value, local
// derivatives and upstream gradient, then each parameter's chain rule and its three gradients.
import { formatShape } from './graph.js';
import type { LocalDerivative, Tensor, Trace, TraceNode } from './trace.js';

/** Options of {@link formatTrace}. */
export interface FormatOptions {
  /** Values shown per tensor before `…`. Default 6. */
  maxValues?: number;
  /** Significant digits. Default 6. */
  digits?: number;
}

/** A number in at most `digits` significant digits: `0.999877`, `-0.000370135`, `1.23379e-7`, `8104.08`. */
export function formatNumber(v: number, digits = 6): string {
  if (v === 0) return '0';
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e-4 && a < 1e7) return String(Number(v.toPrecision(digits)));
  const [mantissa, exponent] = v.toExponential(digits - 1).split('e');
  return `${mantissa!.replace(/\.?0+$/, '')}e${exponent}`;
}

/** A tensor's values: one number, or `[a, b, …]` (row-major, the first `max` values and how many there are). */
export function formatTensor(t: Tensor, max = 6, digits = 6): string {
  if (t.data.length === 1) return formatNumber(t.data[0]!, digits);
  const shown = Array.from(t.data.subarray(0, max), (v) => formatNumber(v, digits));
  return `[${shown.join(', ')}${t.data.length > max ? `, … ${t.data.length} values` : ''}]`;
}

/** Display width: combining marks (the hat of x̂) take no column. */
const width = (s: string): number => [...s.replace(/\p{M}/gu, '')].length;
const pad = (s: string, w: number): string => s + ' '.repeat(Math.max(0, w - width(s)));

/** Columns of multi-line cells, left-aligned, two spaces apart; the header underlined. */
function table(header: readonly string[], rows: readonly (readonly (string | readonly string[])[])[]): string[] {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'string' ? [c] : c)));
  const widths = header.map((h, k) => Math.max(width(h), ...cells.map((r) => Math.max(0, ...r[k]!.map(width)))));
  const line = (parts: readonly string[]): string =>
    parts
      .map((p, k) => pad(p, k === parts.length - 1 ? 0 : widths[k]!))
      .join('  ')
      .trimEnd();
  const out = [line(header), line(widths.map((w) => '─'.repeat(w)))];
  for (const r of cells) {
    const height = Math.max(...r.map((c) => c.length));
    for (let i = 0; i < height; i++) out.push(line(r.map((c) => c[i] ?? '')));
  }
  return out;
}

/** What a node computes, short: `z = x·w + b`, `p = σ(z)`, `W₁`. */
export function nodeTitle(node: TraceNode): string {
  return node.formula;
}

/**
 * One local derivative: its rule and its value — unless the rule already ends in a number, or
 * the value is another node's (∂(x·W₁)/∂W₁ = x) with more than one element, shown on that node.
 */
export function formatLocal(local: LocalDerivative, max = 6, digits = 6): string {
  const { rule, value } = local;
  if (/= −?[\d.]+$/.test(rule) || (local.sameAs !== undefined && value.data.length > 1)) return rule;
  return `${rule} = ${formatTensor(value, max, digits)}`;
}

/**
 * A trace from {@link explain} as a text table for a terminal: the graph's nodes in forward
 * order with their value, local derivative(s) and ∂L/∂node; then, for each parameter, its chain
 * rule (with the numbers when each factor is a single number) and its gradient three ways —
 * the float64 chain-rule product, `model.gradients()` and central finite differences — with
 * the differences and the tolerances they are held to.
 */
export function formatTrace(trace: Trace, options: FormatOptions = {}): string {
  const max = options.maxValues ?? 6,
    digits = options.digits ?? 6;
  const n = (v: number): string => formatNumber(v, digits);
  const t = (v: Tensor): string => formatTensor(v, max, digits);
  const out: string[] = [];
  const rows = trace.rows === trace.rowsGiven ? `${trace.rows} row${trace.rows === 1 ? '' : 's'}` : `the first ${trace.rows} of ${trace.rowsGiven} rows`;
  const loss = trace.nodes.some((node) => node.op === 'neg_log_p_y')
    ? 'mean cross-entropy'
    : trace.nodes.some((node) => node.op === 'squared_error')
      ? 'mean squared error'
      : 'mean BCE';
  out.push(`Back-propagation, step by step: ${rows}, loss L = ${loss} over them.`);
  out.push("Computed in float64 on the model's float32 weights and features.");
  out.push('');
  out.push('Forward value, local derivative(s) and upstream gradient ∂L/∂node, node by node in forward order:');
  out.push('');
  const nodeRows = trace.nodes.map((node) => [
    nodeTitle(node),
    node.op,
    formatShape(node.shape),
    t(node.value),
    node.local.map((l) => formatLocal(l, max, digits)),
    node.grad ? t(node.grad) : '— (constant)',
  ]);
  out.push(...table(['node', 'op', 'shape', 'value', 'local derivative', '∂L/∂node'], nodeRows).map((l) => `  ${l}`));
  out.push('');
  out.push(
    `Parameters: ∂L/∂θ by the chain rule (float64), by model.gradients() (float32 back-propagation), by central differences (float64, h = ${n(trace.tolerance.step)}·max(1, |θ|)):`,
  );
  for (const p of trace.parameters) {
    out.push('');
    out.push(`  ${p.label} (${p.kind} of layer ${p.layer}, ${formatShape(p.value.shape)})`);
    out.push(`    ∂L/∂${p.label} = ${p.chain.map((f) => f.symbol).join(' · ')}`);
    if (p.chain.every((f) => f.value !== undefined)) {
      out.push(`    ${' '.repeat(width(`∂L/∂${p.label}`))} = ${p.chain.map((f) => `(${n(f.value!)})`).join(' · ')}`);
    }
    out.push(`    chain rule          ${t(p.gradient)}`);
    out.push(`    model.gradients()   ${formatTensor({ shape: p.value.shape, data: Float64Array.from(p.backprop) }, max, digits)}`);
    out.push(`    finite differences  ${formatTensor({ shape: p.value.shape, data: p.finiteDifference }, max, digits)}`);
    const mark = (e: number, tol: number): string => `${n(e)} ${e <= tol ? '≤' : '>'} ${n(tol)}`;
    out.push(
      `    max |gradients() − chain rule| ${mark(p.backpropError, trace.tolerance.backprop)};  max |finite differences − chain rule| ${mark(p.finiteDifferenceError, trace.tolerance.finiteDifference)}  ${p.ok ? 'ok' : 'MISMATCH'}`,
    );
  }
  out.push('');
  out.push(`Loss: ${n(trace.loss.trace)} (this trace, float64), ${n(trace.loss.model)} (model.gradients(), float32 forward).`);
  const fd =
    trace.finiteDifferencesChecked === trace.parameterCount ? `all ${trace.parameterCount}` : `${trace.finiteDifferencesChecked} of ${trace.parameterCount}`;
  out.push(
    trace.ok
      ? `All ${trace.parameterCount} parameter gradients agree three ways (finite differences on ${fd} entries).`
      : `Some gradients disagree beyond tolerance: ${trace.parameters
          .filter((p) => !p.ok)
          .map((p) => p.label)
          .join(', ')}.`,
  );
  return out.join('\n') + '\n';
}
