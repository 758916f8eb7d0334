// `model.graph()`: importing gradwasm/explain gives every Sequential this method. It lives here,
// not in src/sequential.ts, so that a page that only loads models and predicts does not carry
// the graph builder (the inference path has a 25 kB gzip budget).
import { Sequential } from '../index.js';
import { graph, type Dim, type ModelGraph } from './graph.js';

declare module '../sequential.js' {
  interface Sequential {
    /**
     * The computational graph of this model: per layer the product with the kernel, the bias add
     * and the activation, then the BCE from the logit split into the article's blocks; `rows`
     * names or sizes the batch dimension. Defined once `gradwasm/explain` is imported
     * (the same as its `graph(model, rows)`).
     */
    graph(rows?: Dim): ModelGraph;
  }
}

Object.defineProperty(Sequential.prototype, 'graph', {
  value: function graphOfModel(this: Sequential, rows: Dim = 'B'): ModelGraph {
    return graph(this, rows);
  },
  writable: true,
  configurable: true,
});
