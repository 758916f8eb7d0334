/**
 * `gradwasm/explain`: the chain rule made visible. {@link graph} gives a model's computational
 * graph (export it with {@link toDot} or {@link toMermaid}); {@link explain} evaluates it forward
 * and backward at a sample — every node's value, local derivative and upstream gradient, every
 * parameter's chain-rule product checked against `model.gradients()` and finite differences —
 * and {@link formatTrace} prints that as a table.
 *
 * A separate entry point so that the browser bundle of `gradwasm` stays within its size budget;
 * importing it also gives every `Sequential` the method `model.graph()`.
 * @packageDocumentation
 */
import './method.js';
export { graph, toDot, toMermaid, formatShape } from './graph.js';
export type { ModelGraph, GraphNode, GraphEdge, GraphOp, Dim, ModelShape } from './graph.js';
export { explain, BACKPROP_RTOL, BACKPROP_ATOL, FD_RTOL, FD_ATOL, FD_STEP } from './trace.js';
export type { Trace, TraceNode, ParameterTrace, LocalDerivative, ChainFactor, Tensor, ExplainOptions, ExplainableModel } from './trace.js';
export { articleTrace, ARTICLE_EXAMPLE } from './article.js';
export { formatTrace, formatNumber, formatTensor, formatLocal, nodeTitle } from './format.js';
export type { FormatOptions } from './format.js';
