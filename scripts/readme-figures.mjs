// The docs' figures — the browser files' sizes and the benchmark tables — made from what the
// build measured (build/sizes.json, written by scripts/build.mjs) and what the last full benchmark
// run measured (bench/results.json, written by `npm run bench`), never typed by hand. `npm run docs`
// writes them between `<!-- figures: name -->` and `<!-- /figures -->` in each of PAGES;
// test/readme-figures.test.ts fails when a page's differ from them.
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** The pages that carry figures blocks (README.md: the sizes and the headline table; docs/guide.md: the sizes and every table). */
export const PAGES = ['README.md', 'docs/guide.md'];
const BLOCK = /(<!-- figures: ([\w-]+) -->\n)[\s\S]*?(<!-- \/figures -->)/g;

/** What each browser file is, in the order the table lists them. */
const FILES = [
  ['dist/gradwasm.browser.js', 'the library, WebAssembly inlined (what the `browser` condition gives)'],
  ['build/gradwasm.inference.js', 'of it, what a page that only loads models and predicts keeps (tree-shaken to `Sequential`)'],
  ['dist/gradwasm.training.js', '`fit`, `fitDataset` and the epoch loop: imported on the first fit'],
  ['dist/gradwasm.threads.js', 'the threaded core: imported when a model asks for more than one thread'],
  ['dist/gradwasm.js-backend.js', "`backend: 'js'`: imported when a model asks for it"],
  ['dist/gradwasm.worker-source.js', "`trainInWorker`'s worker code (the library again, self-contained): imported on the first call"],
  ['dist/explain.browser.js', '`gradwasm/explain`, on top of the library'],
];

const kB = (bytes) => `${(bytes / 1000).toFixed(1)} kB`;

export function sizesBlock(sizes) {
  const rows = FILES.map(([file, what]) => {
    const size = sizes[file];
    if (!size) throw new Error(`build/sizes.json has no size for ${file}: run npm run build`);
    return `| \`${file.replace(/^(dist|build)\//, '')}\` | ${what} | ${kB(size.raw)} | ${kB(size.gzip)} |`;
  });
  return ['| file | what | raw | gzip |', '|:--|:--|--:|--:|', ...rows].join('\n') + '\n';
}

const rate = (v) =>
  v >= 1e6 ? `${(v / 1e6).toFixed(1)} M` : v >= 1e5 ? `${Math.round(v / 1e3)} k` : v >= 1e3 ? `${(v / 1e3).toFixed(1)} k` : `${Math.round(v)}`;
const micros = (v) => `${v.toFixed(1)} µs`;
const times = (v) => `${v.toFixed(2)}×`;

/** The README's names for the workloads (bench/workloads.ts has the full titles). */
const WORKLOADS = [
  ['W1', 'logistic regression 32-1, batch 256'],
  ['W1-full', 'logistic regression 32-1, full batch'],
  ['W2', 'MLP 784-128-64-1, batch 64, Fashion-MNIST'],
  ['W5', 'MLP 784-128-64-10 softmax, batch 64, Fashion-MNIST (10 classes)'],
  ['W3', 'MLP 2-16-16-1 tanh, batch 32'],
  ['W4-batch', 'inference 784-128-64-1, calls of 1,000 rows'],
  ['W4-latency', 'inference, one row'],
];

/** The run and the main table: each workload's samples/s (µs for one row) for every implementation. */
function mainTable(results) {
  const { machine } = results;
  const lines = [
    `One full run (\`npm run bench\`, ${results.settings.repetitions} repetitions, medians) on a ${machine.logicalCores}-core ${machine.cpu}, Node ${machine.node.replace(/^v/, '')}, ${machine.date.slice(0, 10)}, commit ${machine.commit}; samples/s:`,
    '',
  ];
  lines.push('| workload | gradwasm wasm, 1 thread | with threads | gradwasm js | TF.js wasm | TF.js cpu |', '|:--|--:|--:|--:|--:|--:|');
  for (const [id, name] of WORKLOADS) {
    const w = results.workloads.find((x) => x.id === id);
    if (!w) continue;
    const of = (impl) => w.measurements.find((m) => m.impl === impl)?.value;
    const show = (v) => (v === undefined ? '—' : w.kind === 'latency' ? micros(v) : rate(v));
    const one = of('gradwasm-wasm'),
      threads = of('gradwasm-wasm-threads');
    const ratio = one && threads ? (w.kind === 'latency' ? one / threads : threads / one) : undefined;
    lines.push(
      `| ${name} | ${show(one)} | ${show(threads)}${ratio ? ` (${times(ratio)})` : ''} | ${show(of('gradwasm-js'))} | ${show(of('tfjs-wasm'))} | ${show(of('tfjs-cpu'))} |`,
    );
  }
  return lines;
}

/** The README's headline: the main table alone. */
export function headlineBlock(results) {
  return mainTable(results).join('\n') + '\n';
}

/** The guide's: the main table, then onnxruntime-web, streaming and threads under contention. */
export function performanceBlock(results) {
  const lines = mainTable(results);
  const onnx = results.workloads
    .filter((w) => w.id.startsWith('W4'))
    .map((w) => [w, w.measurements.find((m) => m.impl === 'onnxruntime-web'), w.measurements.find((m) => m.impl === 'onnxruntime-web-threads')]);
  if (onnx.every(([, a, b]) => a && b)) {
    const [[, batch1, batch2], [, one1, one2]] = onnx;
    lines.push(
      '',
      `onnxruntime-web on the model \`toOnnx\` exports, same run: ${rate(batch1.value)} rows/s with 1 thread, ${rate(batch2.value)} with 2; ${micros(one1.value)} / ${micros(one2.value)} for one row.`,
    );
  }
  if (results.streaming) {
    const { training, ingestion } = results.streaming;
    lines.push(
      '',
      'Training from a `.npy` file (`fitDataset(npyDataset(file))`, in the page cache) against the same training in memory, one thread, and reading CSV:',
      '',
    );
    lines.push('| workload | from the file | in memory | ratio |', '|:--|--:|--:|--:|');
    for (const t of training)
      lines.push(
        `| ${WORKLOADS.find(([id]) => id === t.id)?.[1] ?? t.title}, no shuffle | ${rate(t.streamed)} samples/s | ${rate(t.inMemory)} samples/s | ${Math.round(t.ratio * 100)} % |`,
      );
    lines.push(
      `| CSV of 16 numeric columns, ${Math.round(ingestion.megabytes)} MB | \`csvDataset\` ${Math.round(ingestion.csvDataset)} MB/s | \`parseCsv\` ${Math.round(ingestion.parseCsv)} MB/s | ${times(ingestion.csvDataset / ingestion.parseCsv)} |`,
    );
  }
  if (results.contention) {
    lines.push('', `Threads under contention (each case in processes of its own, taking turns; medians of the rounds; ${coresText(results.contention)}):`, '');
    lines.push('| case | figure | rounds | target |', '|:--|--:|:--|:--|');
    for (const row of results.contention.rows) {
      const show = (v) => (row.unit === 'ms' ? `${v >= 0 ? '+' : ''}${v.toFixed(1)} ms` : times(v));
      const title = row.title.includes(' against ') ? row.title : `${row.title}: ${row.other} against ${row.base}`;
      lines.push(
        `| ${title} | ${show(row.figure)} | ${show(Math.min(...row.rounds))} – ${show(Math.max(...row.rounds))} | ${row.target} ${row.met ? '✓' : '✗'} |`,
      );
    }
  }
  return lines.join('\n') + '\n';
}

/** What the machine's cores gave W2 on one thread each (bench/contention.ts's machineLine, shorter). */
function coresText({ coreSpeeds, secondCore }) {
  if (!coreSpeeds) return `two 1-thread runs at once each ran at ${Math.round(secondCore * 100)} % of one alone`;
  const k = (v) => `${(v / 1000).toFixed(1)} k`;
  return `W2 on 1 thread pinned to each core ran at ${coreSpeeds.alone.map(k).join(' and ')} samples/s alone, ${coreSpeeds.atOnce.map(k).join(' and ')} at once`;
}

/** The page (`page` names it in errors) with each figures block made anew. */
export function withFigures(page, text, blocks) {
  return text.replace(BLOCK, (_, open, name, close) => {
    const made = blocks[name];
    if (made === undefined) throw new Error(`${page} marks figures "${name}" that scripts/readme-figures.mjs does not make`);
    return `${open}${made}${close}`;
  });
}

/** The figures blocks a page marks, by name, as written. */
export function markedFigures(text) {
  return Object.fromEntries([...text.matchAll(BLOCK)].map((m) => [m[2], m[0].slice(m[1].length, -m[3].length)]));
}

export function figures() {
  const results = JSON.parse(readFileSync('bench/results.json', 'utf8'));
  return {
    sizes: sizesBlock(JSON.parse(readFileSync('build/sizes.json', 'utf8'))),
    headline: headlineBlock(results),
    performance: performanceBlock(results),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const blocks = figures();
  for (const page of PAGES) {
    const text = readFileSync(page, 'utf8');
    writeFileSync(page, withFigures(page, text, blocks));
    console.log(`${page}: figures written (${Object.keys(markedFigures(text)).join(', ')}; sizes from build/sizes.json, benchmarks from bench/results.json)`);
  }
}
