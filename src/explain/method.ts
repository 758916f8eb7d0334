// `model.graph()`: importing gradwasm/explain gives every Sequential this method (without it,
// src/model/sequential.ts's graph() says what to import). It lives here, not in src/model/sequential.ts, so
// that a page that only loads models and predicts does not carry the graph builder (the
// inference path has a 25 kB gzip budget).
import { Sequential } from '../index.js';
import { graph, type Dim, type ModelGraph } from './graph.js';

Object.defineProperty(Sequential.prototype, 'graph', {
  value: function graphOfModel(this: Sequential, rows: Dim = 'B'): ModelGraph {
    return graph(this, rows);
  },
  writable: true,
  configurable: true,
});
