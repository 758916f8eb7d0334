// graph(): the computational graph of a model — nodes, shapes, edges — and its DOT and Mermaid text.
import { describe, expect, it } from 'vitest';
import { LogisticRegression, Sequential, StandardScaler, dense } from '../src/index.js';
import { formatShape, graph, toDot, toMermaid } from '../src/explain/index.js';

describe('graph(model)', () => {
  it("has, per dense layer, the product with the kernel, the bias add and the activation; then the BCE in the article's blocks", async () => {
    const model = await Sequential.create({ inputs: 30, layers: [dense(16, 'relu'), dense(8, 'linear'), dense(1, 'sigmoid')], seed: 1, backend: 'js' });
    const g = graph(model);
    expect(g.nodes.map((n) => `${n.id}:${n.op}:${formatShape(n.shape)}`)).toEqual([
      'x:input:B×30',
      'W1:parameter:30×16',
      'b1:parameter:16',
      'xW1:matmul:B×16',
      'z1:bias_add:B×16',
      'a1:relu:B×16',
      'W2:parameter:16×8',
      'b2:parameter:8',
      'a1W2:matmul:B×8',
      'z2:bias_add:B×8',
      'a2:linear:B×8',
      'W3:parameter:8×1',
      'b3:parameter:1',
      'a2W3:dot:B×1',
      'z3:bias_add:B×1',
      'p:sigmoid:B×1',
      'y:label:B×1',
      'ylogp:y_log_p:B×1',
      'ylog1mp:not_y_log_not_p:B×1',
      'sum:add:B×1',
      'bce:negate:B×1',
      'loss:mean:scalar',
    ]);
    expect(g.nodes.map((n) => n.formula)).toContain('z₂ = a₁·W₂ + b₂');
    expect(g.nodes.find((n) => n.id === 'p')!.formula).toBe('p = σ(z₃)');
    // every edge is an operand, with the operand's shape; nodes come after their operands
    const seen = new Set<string>();
    for (const n of g.nodes) {
      for (const i of n.inputs) expect(seen.has(i), `${n.id} after ${i}`).toBe(true);
      seen.add(n.id);
    }
    expect(g.edges).toHaveLength(g.nodes.reduce((s, n) => s + n.inputs.length, 0));
    expect(g.edges).toContainEqual({ from: 'a1', to: 'a1W2', shape: ['B', 16] });
    expect(g.edges).toContainEqual({ from: 'W3', to: 'a2W3', shape: [8, 1] });
    expect(g.edges).toContainEqual({ from: 'p', to: 'ylog1mp', shape: ['B', 1] });
    expect(graph(model, 4).nodes[0]!.shape).toEqual([4, 30]);
  });

  it('writes a one-neuron model as the article does: w, b, x·w, z, p', async () => {
    const g = graph(await LogisticRegression.create({ inputs: 1, seed: 0, backend: 'js' }));
    expect(g.nodes.map((n) => n.formula)).toEqual([
      'x',
      'w',
      'b',
      'x·w',
      'z = x·w + b',
      'p = σ(z)',
      'y',
      'y·log p',
      '(1−y)·log(1−p)',
      's = y·log p + (1−y)·log(1−p)',
      'ℓ = −s',
      'L = (1/B)·Σ ℓ',
    ]);
  });

  it('starts with a standardize node when the model has a scaler', async () => {
    const model = await Sequential.create({
      inputs: 2,
      layers: [dense(1, 'sigmoid')],
      scaler: StandardScaler.fit([
        [0, 1],
        [2, 5],
      ]),
      backend: 'js',
    });
    const g = graph(model);
    expect(g.nodes.slice(0, 2).map((n) => `${n.id}:${n.op}`)).toEqual(['x:input', 'xs:standardize']);
    expect(g.nodes.find((n) => n.op === 'dot')!.inputs).toEqual(['xs', 'W1']);
  });

  it('exports Graphviz DOT and Mermaid text naming every node and edge', async () => {
    const g = graph(await Sequential.create({ inputs: 2, layers: [dense(3, 'tanh'), dense(1, 'sigmoid')], seed: 1, backend: 'js' }));
    const dot = toDot(g);
    expect(dot).toMatch(/^digraph gradwasm \{\n {2}rankdir=LR;\n/);
    expect(dot.endsWith('}\n')).toBe(true);
    expect(dot).toContain('  a1 [label="a₁\\ntanh B×3", shape=box, style=rounded];');
    expect(dot).toContain('  W2 [label="W₂\\nparameter 3×1", shape=box];');
    expect(dot).toContain('  a1 -> a1W2 [label="B×3"];');
    const mermaid = toMermaid(g);
    expect(mermaid.startsWith('flowchart LR\n')).toBe(true);
    expect(mermaid).toContain('  ylog1mp("(1−y)·log(1−p)<br/><small>not_y_log_not_p B×1</small>")');
    expect(mermaid).toContain('  x(["x<br/><small>input B×2</small>"])');
    expect(mermaid).toContain('  b1 -->|3| z1');
    for (const n of g.nodes) {
      expect(dot).toContain(`  ${n.id} [label=`);
      expect(mermaid).toMatch(new RegExp(`^  ${n.id}[[(]`, 'm'));
    }
    for (const e of g.edges) {
      expect(dot).toContain(`  ${e.from} -> ${e.to} [label="${formatShape(e.shape)}"];`);
      expect(mermaid).toContain(`  ${e.from} -->|${formatShape(e.shape)}| ${e.to}`);
    }
    expect(dot.split('\n').filter((l) => l.includes('->'))).toHaveLength(g.edges.length);
  });
});

describe('model.graph()', () => {
  it('is defined once gradwasm/explain is imported, and equals graph(model)', async () => {
    const { Sequential, dense } = await import('../src/index.js');
    const { graph } = await import('../src/explain/index.js');
    const model = await Sequential.create({ inputs: 3, layers: [dense(4, 'tanh'), dense(1, 'sigmoid')], seed: 1 });
    expect(model.graph()).toEqual(graph(model));
    expect(model.graph(5)).toEqual(graph(model, 5));
    expect(model.graph().nodes.some((n) => n.op === 'matmul')).toBe(true);
  });
});
