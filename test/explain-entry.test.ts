// explain, graph, toDot and toMermaid come from the main entry too; model.graph() is defined by
// gradwasm/explain, and before that import it is a GradwasmError saying what to import.
import { describe, expect, it } from 'vitest';
import { GradwasmError, Sequential, dense, explain, formatTrace, graph, toDot, toMermaid } from '../src/index.js';

describe('the explain functions from the main entry', () => {
  it('model.graph() without gradwasm/explain: a GradwasmError naming the import; graph(model) works', async () => {
    const model = await Sequential.create({ inputs: 2, layers: [dense(3, 'tanh'), dense(1, 'sigmoid')], seed: 1 });
    let caught: unknown;
    try {
      model.graph();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GradwasmError);
    expect((caught as GradwasmError).message).toMatch(/the module gradwasm\/explain: importing it once gives every model graph\(\)/);
    expect((caught as GradwasmError).message).toMatch(/graph\(model\) from 'gradwasm'/);

    const g = graph(model);
    expect(toDot(g)).toMatch(/^digraph/);
    expect(toMermaid(g)).toMatch(/^flowchart/);
    const trace = explain(model, [[0.5, -1]], [1]);
    expect(formatTrace(trace)).toContain('∂L/∂');

    await import('../src/explain/index.js');
    expect(model.graph()).toEqual(g);
    expect(model.graph(4)).toEqual(graph(model, 4));
    model.dispose();
  });
});
