// The WebAssembly contract: everything the TypeScript wrapper (src/) and the AssemblyScript core
// (assembly/) must agree on, in one table, and the generator that writes both sides from it
// (docs/architecture.md §2.3). `npm run contract` (and `npm run build:wasm`, before asc) writes
//   assembly/contract.ts   the core's constants, and @unmanaged classes for the structs
//   src/backend/wasm/contract.ts
//                          the wrapper's constants, the structs' writers, and the core's exports
//                          as types (CoreExports, ThreadedExports), read from assembly/'s own
//                          signatures, so that they are never written out by hand
// `node scripts/contract.mjs --check` only says whether they are up to date (test/contract.test.ts
// does the same). Offsets are never written here: each comes from the order and the sizes of the
// fields before it, every field at a multiple of its own size; the descriptor's header and layer
// record are padded to multiples of 16 bytes.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Types: i32, u32, f32, f64 and usize (a pointer or a size in bytes: 4 bytes in wasm32); bool is
// an i32 (0 or 1) in a struct; `f64[5]` is five in a row. [name, type, what] per field.

/** The model descriptor: a header, then one record per dense layer (assembly/model.ts). */
const HEADER = [
  ['LAYERS', 'i32', 'number of dense layers'],
  ['INPUTS', 'i32', 'features per row'],
  ['CAPACITY', 'i32', 'rows the workspace holds; a larger batch runs through it in units'],
  ['DELTA_A', 'usize', 'capacity × widest layer output: the gradient flowing back…'],
  ['DELTA_B', 'usize', '…and its ping-pong partner'],
  ['PACKED', 'usize', 'scratch for a transposed hidden kernel'],
  ['ONES', 'usize', 'capacity floats of 1.0, so that Σ_rows dZ = dZᵀ·1'],
  ['PARAMS', 'usize', 'the parameter block (every kernel and bias, zero padded); the gradients follow it in the same layout'],
  ['PARAM_FLOATS', 'i32', 'floats of one copy of the parameters'],
  ['BATCH_ROWS', 'i32', 'rows summed so far into the gradients of a batch larger than the workspace'],
  ['STATS', 'f64[5]', "the training pass's loss sum, then the head's four counts (binary: correct, true positives, false positives, false negatives)"],
  ['RECENT_LOSS', 'f64', 'the mean loss of the last EXPLODING_WINDOW rows or so trained (NaN: none yet)'],
  ['LOSS_REFERENCE', 'f64', "the exploding-loss rule's reference (NaN: none yet)"],
  ['RNG', 'u32[4]', 'xoshiro128** state for shuffling'],
  ['POWERS', 'f32[2]', "Adam's β1ᵗ, β2ᵗ for the next step"],
  ['OPTIMIZER', 'i32', 'SGD, MOMENTUM or ADAM'],
  ['NESTEROV', 'i32', 'momentum only'],
  ['HYPER', 'f32[5]', 'momentum μ | Adam β1, 1 − β1, β2, 1 − β2, ε'],
  ['CARRIED', 'i32', 'rows of a stream waiting in the carry buffer for the rest of their unit'],
  ['BATCHES_DONE', 'i32', 'batches finished this epoch'],
  ['LOSS_RULE', 'i32', '1 when the exploding-loss rule is on'],
  ['BATCH_LOSS', 'f64', 'the loss summed so far over the rows of a batch larger than the workspace'],
  ['LEVELS', 'usize', "the block sums' scratch, then LEVEL_COUNT partial sums, each laid out as the gradients"],
  ['LEVEL_COUNT', 'i32', 'partial sums it holds room for (0: batches of one block only)'],
  ['BLOCKS_DONE', 'i32', 'blocks of the current batch pushed into the partial sums'],
  ['BLOCK_ROWS', 'i32', 'the rows of a block (docs/architecture.md §4.3)'],
  ['PASS_STATS', 'f64[5]', "as STATS, for evaluate and gradients, so that they leave a fit's own alone"],
  ['THREADS', 'i32', 'threads a step may be shared out between (assembly/parallel.ts)'],
  ['LOSSES', 'usize', "capacity f64, each row's loss, added up in row order after a step"],
  ['HEAD', 'i32', 'the output head (HEADS): its loss, its outputs and its counts (assembly/heads.ts)'],
  ['CALL', 'call', 'the struct of the call under way, for the calls that take one (CALLS): the wrapper writes it, the call reads it'],
];

/** Bytes of the header a snapshot and a checkpoint save beside the parameters (first…last field). */
const TRAINING_STATE = ['RECENT_LOSS', 'POWERS'];

/** A layer record: sizes, activation, parameters, gradients, outputs, and the optimizer's state for
 *  the kernel and the bias (momentum: velocity in S1; Adam: moments in S1 and S2; else 0). */
const RECORD = [
  ['L_IN', 'i32', "fan-in (the inputs, or the layer below's units)"],
  ['L_OUT', 'i32', 'units'],
  ['L_ACT', 'i32', 'activation code (ACTIVATIONS)'],
  ['L_W', 'usize', 'kernel (in × units)'],
  ['L_B', 'usize', 'bias'],
  ['L_DW', 'usize', "the kernel's gradient"],
  ['L_DB', 'usize', "the bias's gradient"],
  ['L_BUF', 'usize', "the layer's outputs: capacity × units (the last layer: logits)"],
  ['L_S1W', 'usize', "optimizer state 1 (momentum's velocity, Adam's m) of the kernel, or 0"],
  ['L_S1B', 'usize', '…of the bias'],
  ['L_S2W', 'usize', "optimizer state 2 (Adam's v) of the kernel, or 0"],
  ['L_S2B', 'usize', '…of the bias'],
];

/** Calls too long for positional arguments: the wrapper writes the struct into the descriptor's
 *  CALL and passes its address. Every field is 4 bytes. */
const CALLS = [
  {
    name: 'trainBatches',
    what: 'batches first…first+count−1 of the epoch over rows held in memory (src/backend/wasm/trainer.ts writes it)',
    fields: [
      ['x', 'usize', 'rows × inputs features'],
      ['y', 'usize', 'rows labels'],
      ['w', 'usize', "rows f32: the rows' weights, or 0 for none"],
      ['rows', 'i32', 'rows of the epoch'],
      ['batchSize', 'i32', 'rows per batch, or FULL_BATCH'],
      ['first', 'i32', 'the first batch this call trains'],
      ['count', 'i32', 'batches it trains at most'],
      ['lr', 'f32', 'the learning rate'],
      ['decay', 'f32', 'the weight decay λ₂'],
      ['shuffled', 'bool', 'the rows in the order epochBegin drew, each unit gathered through xBatch, yBatch, wBatch'],
      ['order', 'usize', 'rows u32: that order (shuffled only)'],
      ['xBatch', 'usize', 'the gathered rows of a unit (capacity rows; shuffled only)…'],
      ['yBatch', 'usize', '…their labels…'],
      ['wBatch', 'usize', '…and their weights (0 without weights)'],
    ],
  },
  {
    name: 'trainRows',
    what: 'the next rows of an epoch read as a stream (src/backend/wasm/trainer.ts writes it)',
    fields: [
      ['x', 'usize', 'rows × inputs features'],
      ['y', 'usize', 'rows labels'],
      ['w', 'usize', "rows f32: the rows' weights, or 0 for none"],
      ['rows', 'i32', 'rows in this call'],
      ['batchSize', 'i32', 'rows per batch, or FULL_BATCH'],
      ['lr', 'f32', 'the learning rate'],
      ['decay', 'f32', 'the weight decay λ₂'],
      ['xCarry', 'usize', 'the carry buffer: rows of a unit that a call did not complete (capacity rows)…'],
      ['yCarry', 'usize', '…their labels…'],
      ['wCarry', 'usize', '…and their weights (0 without weights)'],
    ],
  },
];

/**
 * Steps shared out between threads (assembly/model.ts cuts them, assembly/parallel.ts runs their
 * parts): each step's code, and its arguments, which the leader writes into the control block's
 * STEP_ARGS_BYTES bytes (stepArgs) and each part reads — the core's own contract between a
 * step's caller and its parts, on every thread.
 */
const STEPS = [
  {
    name: 'FORWARD',
    what: "rows of layer l's output from rows of its input: the product, then the activation",
    args: [
      ['m', 'usize', 'the model'],
      ['l', 'i32', 'the layer'],
      ['a', 'usize', 'its input rows'],
      ['rows', 'i32', 'rows'],
    ],
  },
  {
    name: 'INPUT_GRADIENT',
    what: 'rows of dA_{l−1} = dZ_l·W_lᵀ (from the packed transposed kernel), times the derivative of layer l − 1',
    args: [
      ['m', 'usize', 'the model'],
      ['l', 'i32', 'the layer'],
      ['delta', 'usize', 'dZ_l'],
      ['spare', 'usize', 'dZ_{l−1}, written'],
      ['rows', 'i32', 'rows'],
    ],
  },
  {
    name: 'WEIGHT_GRADIENT',
    what: "rows (features) of dW_l and entries (units) of db_l, or the fused SGD step, or the blocks' sums",
    args: [
      ['m', 'usize', 'the model'],
      ['l', 'i32', 'the layer'],
      ['input', 'usize', 'A_{l−1}'],
      ['delta', 'usize', 'dZ_l'],
      ['rows', 'i32', 'rows'],
      ['mode', 'i32', 'TO_GRADIENTS, FUSED_STEP, IN_BLOCKS or WHOLE_IN_BLOCKS (assembly/model.ts)'],
      ['first', 'i32', 'the index of the first block'],
      ['lr', 'f32', 'the learning rate (FUSED_STEP)'],
    ],
  },
  {
    name: 'LOSS',
    what: "rows of the head's loss, its gradient dZ_L and the outputs; each part's counts its own",
    args: [
      ['head', 'i32', 'the head (HEADS)'],
      ['logits', 'usize', 'z'],
      ['y', 'usize', 'labels'],
      ['w', 'usize', "the rows' weights, or 0"],
      ['rows', 'i32', 'rows'],
      ['batchRows', 'i32', "the divisor of dZ: the batch's rows"],
      ['grad', 'usize', 'dZ_L, or 0'],
      ['width', 'i32', 'logits and outputs per row'],
      ['outputs', 'usize', 'what predict gives (binary: σ(z)), or 0'],
      ['losses', 'usize', "each row's loss"],
    ],
  },
  {
    name: 'UPDATE',
    what: "ranges of the parameters of layers l0…l1−1: the optimizer's step",
    args: [
      ['m', 'usize', 'the model'],
      ['l0', 'i32', 'the first layer'],
      ['l1', 'i32', 'the layer after the last'],
      ['lr', 'f32', 'the learning rate'],
      ['decay', 'f32', 'the weight decay λ₂'],
    ],
  },
  {
    name: 'GATHER',
    what: 'rows of a shuffled batch, gathered from anywhere in the data',
    args: [
      ['bytes', 'usize', 'bytes of a row'],
      ['x', 'usize', 'the rows'],
      ['y', 'usize', 'their labels'],
      ['w', 'usize', 'their weights, or 0'],
      ['order', 'usize', "the batch's row numbers (u32)"],
      ['n', 'i32', 'rows'],
      ['xBatch', 'usize', 'the gathered rows…'],
      ['yBatch', 'usize', '…labels…'],
      ['wBatch', 'usize', '…and weights'],
      ['yBytes', 'usize', "bytes of a row's labels (4; a regression's: 4 per output)"],
    ],
  },
  {
    name: 'OUTPUTS',
    what: "rows of the head's outputs, as predict() gives them (binary: σ(z))",
    args: [
      ['head', 'i32', 'the head (HEADS)'],
      ['z', 'usize', 'the logits'],
      ['out', 'usize', 'the outputs, written'],
      ['rows', 'i32', 'rows'],
      ['width', 'i32', 'logits and outputs per row'],
    ],
  },
  {
    name: 'TRANSPOSE',
    what: 'rows of a hidden kernel W_l into its packed transposition',
    args: [
      ['w', 'usize', 'W_l'],
      ['rows', 'i32', 'its rows (fan-in)'],
      ['cols', 'i32', 'its columns (units)'],
      ['packed', 'usize', 'W_lᵀ, written'],
    ],
  },
];

/** Codes, numbered in order from `first`: [name, what]. */
const CODES = [
  {
    what: 'Activations (docs/architecture.md §1.2)',
    first: 0,
    key: 'ACTIVATION',
    names: [
      ['LINEAR', 'linear'],
      ['SIGMOID', 'sigmoid'],
      ['TANH', 'tanh'],
      ['RELU', 'relu'],
      ['SOFTMAX', 'softmax'], // the output layer's only: the softmax head applies it (assembly/heads/softmax.ts)
    ],
  },
  {
    what: 'Output heads (assembly/heads.ts)',
    first: 0,
    key: 'HEAD',
    names: [
      ['HEAD_BINARY', 'binary'], // a sigmoid unit and binary cross-entropy (assembly/heads/binary.ts)
      ['HEAD_SOFTMAX', 'softmax'], // k softmax units and categorical cross-entropy (assembly/heads/softmax.ts)
      ['HEAD_REGRESSION', 'regression'], // k linear units and mean squared error (assembly/heads/regression.ts)
    ],
  },
  {
    what: "Optimizers (docs/architecture.md §1.5), and the copies of the parameters' layout their state takes",
    first: 0,
    key: 'OPTIMIZER',
    names: [
      ['SGD', 'sgd', { copies: 0 }],
      ['MOMENTUM', 'momentum', { copies: 1 }],
      ['ADAM', 'adam', { copies: 2 }],
    ],
  },
  {
    what: 'Steps shared out between threads (STEPS)',
    first: 1,
    names: STEPS.map((s) => [`STEP_${s.name}`, s.what]),
  },
  {
    what: "lastStat's questions: the epoch's statistics (f64) — the loss summed over its rows, then the head's four counts (STAT_COUNTS + 0…3; binary: correct, true positives, false positives, false negatives)…",
    first: 0,
    names: [
      ['STAT_LOSS_SUM', "Σ loss over the epoch's rows"],
      ['STAT_COUNTS', "+ 0…3: the head's counts"],
    ],
  },
  {
    what: "…then (STAT_PASS + 0…4) those of evaluate and gradients' pass",
    first: 5,
    names: [
      ['STAT_RECENT_LOSS', 'the recent loss (the batch’s own when it was NaN or infinite)'],
      ['STAT_LOSS_LIMIT', "the exploding-loss rule's limit"],
      ['STAT_BATCHES', 'batches finished this epoch'],
      ['STAT_PASS', "+ 0…4: STAT_LOSS_SUM and the counts of evaluate and gradients' pass"],
    ],
  },
  {
    what: "poolStat's questions: of the pool, or of thread `id`",
    first: 0,
    names: [
      ['POOL_WANTED', 'workers the steps have asked for'],
      ['POOL_READY', 'workers ready'],
      ['POOL_LOST', '1 once a worker died'],
      ['THREAD_STEPS', 'steps it joined'],
      ['THREAD_PARTS', 'parts it ran'],
      ['THREAD_SLEEPS', 'waits that had to block'],
      ['THREAD_SPIN', 'how long it spins before it blocks (ms)'],
      ['POOL_CHOSEN', 'helpers the steps use (−1: not chosen yet)'],
      ['POOL_RATE', 'the time per multiply-add of `id` helpers (ms)'],
    ],
  },
  {
    what: "Why a step shared between threads failed (threadsSettle's answer; 0: it did not)",
    first: 1,
    names: [
      ['FAILED_PART', 'a part trapped or threw on a worker'],
      ['FAILED_DEATH', 'a worker died in it'],
    ],
  },
  {
    what: 'Faults injected into the pool by tests (threadsInjectFault)',
    first: 1,
    names: [
      ['FAULT_TRAP', 'the part traps'],
      ['FAULT_DEATH', 'the part traps, then its thread dies without a word'],
    ],
  },
];

/** Numbers both sides use: [name, type, value, what]. */
const CONSTANTS = [
  ['FULL_BATCH', 'i32', 0x7fffffff, 'the batch size that means all rows: full-batch gradient descent'],
  ['MAX_THREADS', 'i32', 256, 'threads a step may have: the leader and its workers'],
  ['STEP_ARGS_BYTES', 'usize', 80, "bytes of a step's arguments in the control block (assembly/parallel.ts)"],
  ['MEMORY_INITIAL_PAGES', 'i32', 2, "the core's memory at first (64 KiB pages; asconfig.json's initialMemory)"],
  ['MEMORY_MAXIMUM_PAGES', 'i32', 65536, "the most it grows to: 4 GiB (asconfig.json's maximumMemory)"],
  // The exploding-loss rule (docs/architecture.md §4.4; src/train/divergence.ts): the recent loss — a
  // moving mean of the batch losses over about EXPLODING_WINDOW rows — may not rise above
  // min(EXPLODING_CEILING, EXPLODING_FACTOR · max(ln 2, reference)).
  ['EXPLODING_WINDOW', 'f64', 256, 'rows the recent loss is a moving mean over, about'],
  ['EXPLODING_FACTOR', 'f64', 1e3, 'how far above the reference (at least ln 2) the recent loss may rise'],
  ['EXPLODING_CEILING', 'f64', 1e6, 'above this, a recent loss always explodes'],
];

// ---------------------------------------------------------------------------------------------
// Layouts

const SCALAR_BYTES = { i32: 4, u32: 4, f32: 4, f64: 8, usize: 4, bool: 4 };

function typeOf(type) {
  const m = /^(\w+)(?:\[(\d+)\])?$/.exec(type);
  if (!m || !(m[1] in SCALAR_BYTES)) throw new Error(`contract: unknown type ${type}`);
  return { scalar: m[1], count: m[2] ? Number(m[2]) : 1, size: SCALAR_BYTES[m[1]] };
}

const alignTo = (n, a) => Math.ceil(n / a) * a;

/** Each field at the next multiple of its element's size; `bytes`: the struct padded to a multiple of 16. */
function layout(fields, sizeOf = () => undefined) {
  let at = 0;
  const out = fields.map(([name, type, what]) => {
    const special = sizeOf(type);
    const t = special ? { scalar: type, count: 1, size: 4, bytes: special } : { ...typeOf(type) };
    t.bytes ??= t.size * t.count;
    at = alignTo(at, t.size);
    const field = { name, type, what, offset: at, ...t };
    at += t.bytes;
    return field;
  });
  return { fields: out, end: at, bytes: alignTo(at, 16) };
}

function callLayout(call) {
  const l = layout(call.fields);
  for (const f of l.fields) if (f.bytes !== 4) throw new Error(`contract: ${call.name}.${f.name} is not 4 bytes`);
  return { ...call, ...l, bytes: l.end };
}

const calls = CALLS.map(callLayout);
const callBytes = Math.max(...calls.map((c) => c.bytes));
const header = layout(HEADER, (type) => (type === 'call' ? callBytes : undefined));
const record = layout(RECORD);
const steps = STEPS.map((s, i) => {
  const l = layout(s.args);
  const room = CONSTANTS.find(([name]) => name === 'STEP_ARGS_BYTES')[2];
  if (l.end > room) throw new Error(`contract: the arguments of step ${s.name} take ${l.end} bytes, more than STEP_ARGS_BYTES (${room})`);
  return { ...s, code: i + 1, ...l };
});
const trainingState = (() => {
  const [from, to] = TRAINING_STATE.map((n) => header.fields.findIndex((f) => f.name === n));
  const fields = header.fields.slice(from, to + 1);
  const start = fields[0].offset,
    end = fields.at(-1).offset + fields.at(-1).bytes;
  return { start, bytes: end - start, fields: fields.map((f) => ({ name: f.name, offset: f.offset - start })) };
})();

// ---------------------------------------------------------------------------------------------
// Emitters

const GENERATED = (from) => `// Generated by scripts/contract.mjs from ${from}: do not edit. Change those and run
// \`npm run contract\` (npm run build:wasm does it too); docs/architecture.md §2.3.
`;
const pascal = (s) => s.toLowerCase().replace(/(^|_)(\w)/g, (_, _u, c) => c.toUpperCase());
const number = (v) => (Number.isInteger(v) && v >= 2 ** 20 && (v + 1) % 2 ** 20 === 0 ? `0x${v.toString(16)}` : String(v));
const AS_FIELD_TYPE = { i32: 'i32', u32: 'u32', f32: 'f32', f64: 'f64', usize: 'usize', bool: 'i32' };
const DECORATOR = '// @ts-ignore: decorator';

function assemblyContract() {
  const out = [GENERATED('its tables')];
  out.push(
    "// Everything assembly/ shares with src/ (and a step's caller with its parts): byte offsets of the\n" +
      "// model descriptor's fields, codes, constants, and the structs of the long calls and of the steps'\n" +
      '// arguments as @unmanaged classes laid over linear memory (changetype<…>(address)).\n',
  );
  out.push('// The model descriptor: the header (bytes)');
  for (const f of header.fields) out.push(`export const ${f.name}: usize = ${f.offset}; // ${f.type === 'call' ? `${f.bytes} bytes` : f.type}: ${f.what}`);
  out.push(`export const HEADER_BYTES: usize = ${header.bytes};`);
  out.push(`/** Where the training state a snapshot saves starts (${TRAINING_STATE.join('…')}), and its bytes. */`);
  out.push(`export const TRAINING_STATE: usize = ${trainingState.start};`);
  out.push(`export const TRAINING_STATE_BYTES: usize = ${trainingState.bytes};`);
  out.push('// …then a record per layer (bytes)');
  for (const f of record.fields) out.push(`export const ${f.name}: usize = ${f.offset}; // ${f.type}: ${f.what}`);
  out.push(`export const RECORD_BYTES: usize = ${record.bytes};`);
  for (const group of CODES) {
    out.push('', `// ${group.what}`);
    group.names.forEach(([name, what, extra], i) =>
      out.push(`export const ${name}: i32 = ${group.first + i}; // ${what}${extra ? `: ${extra.copies} cop${extra.copies === 1 ? 'y' : 'ies'} of state` : ''}`),
    );
  }
  out.push('');
  for (const [name, type, value, what] of CONSTANTS) out.push(`/** ${what} */`, `export const ${name}: ${type} = ${number(value)};`);
  for (const c of calls) {
    out.push(
      '',
      `/** ${c.name}'s call (${c.bytes} bytes at the descriptor's CALL): ${c.what}. */`,
      DECORATOR,
      `@unmanaged export class ${pascal(c.name.replace(/([A-Z])/g, '_$1'))}Call {`,
    );
    for (const f of c.fields) out.push(`  /** ${f.what}${f.type === 'bool' ? ' (1 or 0)' : ''} */`, `  ${f.name}: ${AS_FIELD_TYPE[f.type]};`);
    out.push('}');
  }
  for (const s of steps) {
    out.push('', `/** STEP_${s.name}'s arguments (${s.end} bytes at stepArgs()): ${s.what}. */`, DECORATOR, `@unmanaged export class ${pascal(s.name)}Args {`);
    for (const f of s.args.length ? s.fields : []) out.push(`  /** ${f.what} */`, `  ${f.name}: ${AS_FIELD_TYPE[f.type]};`);
    out.push('}');
  }
  return `${out.join('\n')}\n`;
}

// The core's exports, read from assembly/: the entry files' export lists, and each function's
// signature and doc comment where it is defined.
const TS_TYPE = { usize: 'Ptr', i32: 'number', u32: 'number', f32: 'number', f64: 'number', bool: 'boolean', void: 'void', i64: 'bigint', u64: 'bigint' };

function exportsOf(root, entry, seen = new Set()) {
  const text = readFileSync(new URL(`assembly/${entry}.ts`, root), 'utf8');
  const names = [];
  for (const m of text.matchAll(/export\s*\*\s*from\s*'\.\/(\w+)'/g)) names.push(...exportsOf(root, m[1], seen).map((e) => ({ ...e, inherited: true })));
  for (const m of text.matchAll(/export\s*\{([^}]*)\}\s*from\s*'\.\/(\w+)'/g)) {
    for (const name of m[1]
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      if (seen.has(name)) continue;
      seen.add(name);
      names.push({ name, ...signature(root, m[2], name) });
    }
  }
  // and the functions the entry itself defines (assembly/threads.ts: workerRun)
  for (const m of text.matchAll(/^export function (\w+)\(/gm)) {
    if (seen.has(m[1])) continue;
    seen.add(m[1]);
    names.push({ name: m[1], ...signature(root, entry, m[1]) });
  }
  return names;
}

function signature(root, module, name) {
  const text = readFileSync(new URL(`assembly/${module}.ts`, root), 'utf8');
  const at = text.search(new RegExp(`^export function ${name}\\(`, 'm'));
  if (at < 0) throw new Error(`contract: assembly/${module}.ts has no exported function ${name}`);
  const open = text.indexOf('(', at);
  let depth = 0,
    close = open;
  for (; close < text.length; close++) {
    if (text[close] === '(') depth++;
    else if (text[close] === ')' && --depth === 0) break;
  }
  const result = /^\s*:\s*([\w]+)/.exec(text.slice(close + 1))[1];
  const params = text
    .slice(open + 1, close)
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const m = /^(\w+)\s*:\s*(\w+)/.exec(p);
      if (!m || !(m[2] in TS_TYPE)) throw new Error(`contract: ${module}.ts ${name}: parameter ${p}`);
      return `${m[1]}: ${TS_TYPE[m[2]]}`;
    });
  // the doc comment right above it (line comments, such as a decorator's, aside)
  const lines = text.slice(0, at).split('\n').slice(0, -1);
  while (lines.length && /^\s*(\/\/.*)?$/.test(lines.at(-1))) lines.pop();
  let first = lines.length;
  if (lines.length && lines.at(-1).trimEnd().endsWith('*/')) while (first > 0 && !lines[first - 1].trimStart().startsWith('/**')) first--;
  const doc = first > 0 && first <= lines.length - 1 + 1 && lines.length && lines.at(-1).trimEnd().endsWith('*/') ? lines.slice(first - 1).join('\n') : null;
  // a bool comes back as the i32 it is: the loader converts nothing
  return { module, doc, text: `${name}(${params.join(', ')}): ${result === 'bool' ? 'number' : (TS_TYPE[result] ?? fail(result))};` };
}

function fail(type) {
  throw new Error(`contract: no TypeScript type for ${type}`);
}

function exportType(name, what, list, base) {
  const out = [`/** ${what} */`, `export type ${name} = ${base ? `${base} & ` : ''}{`];
  if (!base) out.push('  memory: WebAssembly.Memory;');
  for (const e of list.filter((x) => !x.inherited)) {
    if (e.doc) out.push(...e.doc.split('\n').map((line) => `  ${line.trim().startsWith('*') ? ` ${line.trim()}` : line.trim()}`));
    out.push(`  ${e.text}`);
  }
  out.push('};');
  return out.join('\n');
}

function typescriptContract(root) {
  const out = [GENERATED("its tables and the signatures of assembly/'s exports")];
  out.push(
    "// Everything src/ shares with assembly/: the model descriptor's layout, codes, constants, the\n" +
      "// structs of the long calls with their writers, and the core's exports.\n",
  );
  out.push('type Ptr = number;', '');
  out.push('// The model descriptor: the header (byte offsets; the same names as in assembly/)');
  for (const f of header.fields) out.push(`/** ${f.type === 'call' ? `${f.bytes} bytes` : f.type}: ${f.what} */`, `export const ${f.name} = ${f.offset};`);
  out.push(`export const HEADER_BYTES = ${header.bytes};`);
  out.push(`/** Where the training state a snapshot saves starts (${TRAINING_STATE.join('…')}), and its bytes. */`);
  out.push(`export const TRAINING_STATE = ${trainingState.start};`, `export const TRAINING_STATE_BYTES = ${trainingState.bytes};`);
  out.push('// …then a record per layer (byte offsets)');
  for (const f of record.fields) out.push(`/** ${f.type}: ${f.what} */`, `export const ${f.name} = ${f.offset};`);
  out.push(`export const RECORD_BYTES = ${record.bytes};`);
  out.push('// The codes and numbers (src/core/codes.ts, which the layers below the backends import)', "export * from '../../core/codes.js';");
  for (const c of calls) {
    const type = `${c.name[0].toUpperCase()}${c.name.slice(1)}Call`;
    out.push('', `/** ${c.name}'s call: ${c.what}. */`, `export interface ${type} {`);
    for (const f of c.fields) out.push(`  /** ${f.what} */`, `  ${f.name}: ${f.type === 'bool' ? 'boolean' : f.type === 'usize' ? 'Ptr' : 'number'};`);
    out.push('}');
    out.push(
      `/** Write ${c.name}'s call into memory at \`at\` (the descriptor's CALL): ${c.bytes} bytes, little-endian, each value converted as a wasm argument of its type would be. */`,
    );
    out.push(
      `export function write${type}(memory: WebAssembly.Memory, at: number, c: ${type}): void {`,
      `  const v = new DataView(memory.buffer, at, ${c.bytes});`,
    );
    const setter = { i32: 'setInt32', u32: 'setUint32', usize: 'setUint32', f32: 'setFloat32', bool: 'setInt32' };
    for (const f of c.fields) out.push(`  v.${setter[f.type]}(${f.offset}, ${f.type === 'bool' ? `c.${f.name} ? 1 : 0` : `c.${f.name}`}, true);`);
    out.push('}');
  }
  out.push('', exportType('CoreExports', 'The exports of the single-thread core, build/gradwasm.wasm (assembly/index.ts).', exportsOf(root, 'index')));
  out.push(
    '',
    exportType(
      'ThreadedExports',
      "The exports of the threaded core, build/gradwasm.threads.wasm (assembly/threads.ts): the core's, and the pool's entry points.",
      exportsOf(root, 'threads'),
      'CoreExports',
    ),
  );
  return `${out.join('\n')}\n`;
}

/** The codes and numbers both sides use, without the layout: what src/'s layers below the backends
 *  (network/, train/, model/) may import (src/core/codes.ts). */
function codesContract() {
  const out = [GENERATED('its tables')];
  out.push(
    '// The codes and constants src/ shares with assembly/ (activations, heads, optimizers and their\n' +
      "// state, lastStat's and poolStat's questions, the limits); src/backend/wasm/contract.ts re-exports them\n" +
      "// beside the descriptor's layout and the core's exports.",
  );
  for (const group of CODES.filter((g) => !g.names[0][0].startsWith('STEP_'))) {
    out.push('', `// ${group.what}`);
    group.names.forEach(([name, what], i) => out.push(`export const ${name} = ${group.first + i};${group.key ? '' : ` // ${what}`}`));
    if (group.key) {
      const key = group.key;
      out.push(
        `/** The ${key.toLowerCase()} codes by name. */`,
        `export const ${key}_CODE = { ${group.names.map(([name, what]) => `${what}: ${name}`).join(', ')} } as const;`,
      );
    }
    if (group.key === 'OPTIMIZER') {
      out.push("/** Copies of the parameters' layout the optimizer's state takes: momentum's velocity; Adam's m and v. */");
      out.push(`export const STATE_COPIES = { ${group.names.map(([, what, extra]) => `${what}: ${extra.copies}`).join(', ')} } as const;`);
      out.push(
        '/** The same, by code. */',
        `export const STATE_COPIES_BY_CODE: readonly number[] = [${group.names.map(([, , extra]) => extra.copies).join(', ')}];`,
      );
    }
  }
  out.push('');
  for (const [name, , value, what] of CONSTANTS) out.push(`/** ${what} */`, `export const ${name} = ${number(value)};`);
  return `${out.join('\n')}\n`;
}

/** The generated files, as they should be: [path from the repository's root, text]. */
export function generate(root = new URL('../', import.meta.url)) {
  return [
    ['assembly/contract.ts', assemblyContract()],
    ['src/backend/wasm/contract.ts', typescriptContract(root)],
    ['src/core/codes.ts', codesContract()],
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = new URL('../', import.meta.url);
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [path, text] of generate(root)) {
    const url = new URL(path, root);
    let now = null;
    try {
      now = readFileSync(url, 'utf8');
    } catch {
      /* not written yet */
    }
    if (now === text) continue;
    stale++;
    if (check) console.error(`${path} is not what scripts/contract.mjs generates: run npm run contract`);
    else writeFileSync(url, text);
  }
  if (check && stale) process.exit(1);
}
