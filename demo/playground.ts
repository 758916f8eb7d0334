// The playground: 2-D datasets of two or three classes, and a curve and a surface to regress, a
// network chosen in the form, training in a Web Worker (trainInWorker), and a live decision
// boundary (or fitted curve, or shaded surface) and loss curve drawn from the worker's reports.
import {
  Sequential,
  dense,
  trainInWorker,
  type Activation,
  type DenseLayer,
  type BackendName,
  type LayerWeights,
  type TrainingJob,
  type TrainingResult,
} from '../src/index.js';
import { DATASETS, generate, split, type DatasetName, type Points } from './datasets.js';
import { CURVE_STEPS, GRID, curvePoints, drawBoundary, drawLoss, drawRegression, drawThumbnail, gridPoints } from './plots.js';

/** What the form says. */
export interface Settings {
  dataset: DatasetName;
  noise: number;
  points: number;
  hidden: number[];
  activation: Activation;
  learningRate: number;
  /** null: all rows (full-batch gradient descent). */
  batchSize: number | null;
  epochs: number;
  seed: number;
  backend: BackendName;
  animate: boolean;
}

/** The playground's state, readable from the console and by the browser test (window.gradwasmDemo.playground). */
export interface PlaygroundState {
  status: 'idle' | 'training' | 'done' | 'error';
  /** The threads the last training ran with. */
  threads?: number;
  settings: Settings;
  train: Points;
  test: Points;
  loss: number[];
  valLoss: number[];
  /** The worker's result once training has ended. */
  result: TrainingResult | null;
  /** The network's latest weights (as drawn), or null before training: the backprop panel explains them. */
  weights: LayerWeights[] | null;
  /** The final model evaluated on all training and all test points: its accuracy (a classifier's;
   *  NaN for a regression) or R² (a regression's; NaN for a classifier), and its loss. */
  final: { trainAccuracy: number; testAccuracy: number; trainR2: number; testR2: number; trainLoss: number; testLoss: number } | null;
  error: string | null;
}

const TEST_FRACTION = 0.2;

/** The output layer for `classes` classes: the article's sigmoid neuron for two, a softmax of k
 *  for more, a linear unit for a regression (classes 0). */
export function outputLayer(classes: number): DenseLayer<'sigmoid' | 'softmax' | 'linear'> {
  return classes === 0 ? dense(1, 'linear') : classes === 2 ? dense(1, 'sigmoid') : dense(classes, 'softmax');
}
/** The form's typed fields, which can hold what is not a valid setting; in the order their problems are shown. */
const TYPED = ['hidden', 'epochs', 'seed'] as const;
type TypedField = (typeof TYPED)[number];
const LABELS: Record<TypedField, string> = { hidden: 'Hidden layers', epochs: 'Epochs', seed: 'Seed' };
const ANIMATION_MS = 10; // minEpochMs when animating: at most 100 epochs per second

/** Suggestions shown under the form when a dataset needs more than the default network. */
const SUGGESTIONS: Partial<Record<DatasetName, { text: string; apply: Partial<Record<'hidden' | 'activation' | 'lr' | 'batch' | 'epochs', string>> }>> = {
  spiral: {
    text: 'The spiral needs a deeper network: try hidden layers 16, 16, 16 with relu, learning rate 0.03, batch size 8, 1000 epochs.',
    apply: { hidden: '16, 16, 16', activation: 'relu', lr: '0.03', batch: '8', epochs: '1000' },
  },
  spirals3: {
    text: 'Three spirals train further with a deeper network: try hidden layers 16, 16, 16 with relu, learning rate 0.03, batch size 8, 1000 epochs.',
    apply: { hidden: '16, 16, 16', activation: 'relu', lr: '0.03', batch: '8', epochs: '1000' },
  },
};

const $ = <T extends HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element as T;
};

export function initPlayground(): PlaygroundState {
  const root = $('playground');
  const form = $<HTMLFormElement>('pg-form');
  const noise = $<HTMLInputElement>('pg-noise');
  const fields = {
    points: $<HTMLSelectElement>('pg-points'),
    hidden: $<HTMLInputElement>('pg-hidden'),
    activation: $<HTMLSelectElement>('pg-activation'),
    lr: $<HTMLSelectElement>('pg-lr'),
    batch: $<HTMLSelectElement>('pg-batch'),
    epochs: $<HTMLInputElement>('pg-epochs'),
    seed: $<HTMLInputElement>('pg-seed'),
    backend: $<HTMLSelectElement>('pg-backend'),
    animate: $<HTMLInputElement>('pg-animate'),
  };
  const trainButton = $<HTMLButtonElement>('pg-train');
  const resetButton = $<HTMLButtonElement>('pg-reset');
  const boundary = $<HTMLCanvasElement>('pg-boundary');
  const thirdClass = $('pg-key-c2');
  const classKeys = [$('pg-key-c0'), $('pg-key-c1')];
  const scoreLabels = [$('pg-acc-train').previousElementSibling!, $('pg-acc-test').previousElementSibling!];
  const shadeKey = $('pg-key-shade');
  const lossCanvas = $<HTMLCanvasElement>('pg-loss');
  const errorBox = $('pg-error');
  const hint = $('pg-hint');
  const statusLine = $('pg-status');
  const stat = {
    epoch: $('pg-epoch'),
    speed: $('pg-speed'),
    lossTrain: $('pg-loss-train'),
    lossTest: $('pg-loss-test'),
    accTrain: $('pg-acc-train'),
    accTest: $('pg-acc-test'),
  };

  // Dataset chooser: one radio button per dataset, each showing a thumbnail of its points.
  const chooser = $('pg-datasets');
  for (const [name, { title }] of Object.entries(DATASETS)) {
    const label = document.createElement('label');
    label.innerHTML = `<input type="radio" name="dataset" value="${name}"${name === 'moons' ? ' checked' : ''}><canvas></canvas><span>${title}</span>`;
    chooser.append(label);
  }
  const thumbnails = (): void => {
    for (const input of chooser.querySelectorAll<HTMLInputElement>('input')) {
      drawThumbnail(input.nextElementSibling as HTMLCanvasElement, generate(input.value as DatasetName, 300, Number(noise.value), 7));
    }
  };

  const grid = gridPoints();
  const curve = curvePoints();
  /** What the plot needs the model's outputs for: the grid's cells, or the curve's xs. */
  const plotRows = (): { data: Float32Array; rows: number; cols: number } =>
    state.train.inputs === 1 ? { data: curve, rows: CURVE_STEPS, cols: 1 } : { data: grid, rows: GRID * GRID, cols: 2 };
  const regression = (): boolean => state.train.classes === 0;
  /** The viewer's outputs over the plot: probabilities, or (a regression) values. */
  const plotOutputs = (model: Sequential): Float32Array => (regression() ? (model.predict(plotRows()) as Float32Array) : model.predictProba(plotRows()));
  const initial = readSettings().settings;
  const state: PlaygroundState = {
    status: 'idle',
    settings: initial,
    ...split(generate(initial.dataset, 500, 0.05, 1), TEST_FRACTION),
    loss: [],
    valLoss: [],
    result: null,
    final: null,
    error: null,
    weights: null,
  };
  let job: TrainingJob | null = null;
  let viewer: Sequential | null = null; // a main-thread copy of the network, only for drawing the boundary
  let pendingWeights: LayerWeights[] | null = null;
  let proba: Float32Array | null = null;
  let frame = 0;
  let startedAt = 0;

  /** The form's settings, and what is wrong with its typed fields (the first problem is the one shown). */
  function readSettings(): { settings: Settings; problems: Partial<Record<TypedField, string>> } {
    const dataset = (chooser.querySelector<HTMLInputElement>('input:checked')?.value ?? 'moons') as DatasetName;
    const text = fields.hidden.value.trim();
    const hidden = text === '' ? [] : text.split(/[\s,]+/).map(Number);
    const problems: Partial<Record<TypedField, string>> = {};
    if (hidden.length > 8 || hidden.some((u) => !Number.isInteger(u) || u < 1 || u > 256)) {
      problems.hidden = 'Hidden layers: up to 8 whole numbers from 1 to 256, separated by commas (e.g. "8, 8").';
    }
    const epochs = Number(fields.epochs.value);
    if (!Number.isInteger(epochs) || epochs < 1 || epochs > 100_000) problems.epochs = 'Epochs: a whole number from 1 to 100000.';
    const seed = Number(fields.seed.value);
    if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 32 - 1) problems.seed = 'Seed: a whole number from 0 to 4294967295.';
    const settings: Settings = {
      dataset,
      noise: Number(noise.value),
      points: Number(fields.points.value),
      hidden,
      activation: fields.activation.value as Activation,
      learningRate: Number(fields.lr.value),
      batchSize: fields.batch.value === 'all' ? null : Number(fields.batch.value),
      epochs,
      seed,
      backend: fields.backend.value as BackendName,
      animate: fields.animate.checked,
    };
    return { settings, problems };
  }
  const firstProblem = (problems: Partial<Record<TypedField, string>>): string | undefined => TYPED.map((f) => problems[f]).find(Boolean);

  let errorIsProblem = false; // the error box shows a problem of the form, which goes once the fields are fixed
  /** Show an error under the form (a problem of the form's fields, or a failed training), or hide the box. */
  function showError(text: string | undefined, ofTheForm = true): void {
    errorBox.textContent = text ?? '';
    errorBox.hidden = text === undefined;
    errorIsProblem = ofTheForm && text !== undefined;
  }

  /**
   * Regenerate the points from the form (when idle) and clear the plots. `state.settings` only ever
   * holds valid values: a typed field that is not valid keeps the value in use.
   */
  function refreshData(note = ''): void {
    const { settings, problems } = readSettings();
    for (const field of TYPED) if (problems[field]) (settings as Record<TypedField, unknown>)[field] = state.settings[field];
    state.settings = settings;
    Object.assign(state, split(generate(settings.dataset, settings.points, settings.noise, settings.seed), TEST_FRACTION));
    state.loss = [];
    state.valLoss = [];
    state.result = null;
    state.final = null;
    state.weights = null;
    proba = null;
    const { classes, inputs } = state.train;
    thirdClass.hidden = classes !== 3;
    for (const key of classKeys) key.hidden = classes === 0;
    shadeKey.textContent =
      classes === 0
        ? inputs === 1
          ? 'points: (x, its target) · line: the model’s prediction'
          : 'shade: the predicted value, points: their targets (blue below 0, orange above)'
        : classes === 2
          ? 'shade: P(class 1) · line: P = 0.5'
          : 'shade: the likeliest class, deeper as it is likelier · lines: where it changes';
    for (const [i, label] of scoreLabels.entries()) label.textContent = `${i === 0 ? 'Training' : 'Test'} ${classes === 0 ? 'R²' : 'accuracy'}`;
    const suggestion = SUGGESTIONS[settings.dataset];
    hint.hidden = !suggestion;
    if (suggestion) {
      hint.innerHTML = '';
      const apply = document.createElement('button');
      apply.type = 'button';
      apply.textContent = 'Use these';
      apply.onclick = () => {
        for (const [key, value] of Object.entries(suggestion.apply)) fields[key as keyof typeof suggestion.apply].value = value;
      };
      hint.append(suggestion.text, ' ', apply);
    }
    setStatus('idle', `${note}${state.train.n} training and ${state.test.n} test points. Press Train.`);
    renderStats(null);
    render();
  }

  function setStatus(status: PlaygroundState['status'], text: string): void {
    state.status = status;
    root.dataset.state = status;
    statusLine.textContent = text;
  }

  function setBusy(busy: boolean): void {
    for (const element of form.querySelectorAll<HTMLInputElement | HTMLSelectElement>('input, select')) element.disabled = busy;
    trainButton.textContent = busy ? 'Stop' : 'Train';
    trainButton.classList.toggle('stop', busy);
    resetButton.disabled = busy;
  }

  const percent = (v: number): string => `${(100 * v).toFixed(1)} %`;
  function renderStats(epochs: number | null): void {
    const n = state.loss.length;
    stat.epoch.textContent = epochs === null ? '–' : `${n} / ${epochs}`;
    const seconds = (performance.now() - startedAt) / 1000;
    stat.speed.textContent = n > 0 && epochs !== null ? `${Math.round(n / seconds).toLocaleString('en-US')} epochs/s` : '–';
    const f = state.final;
    stat.lossTrain.textContent = f ? f.trainLoss.toFixed(4) : n ? state.loss[n - 1]!.toFixed(4) : '–';
    stat.lossTest.textContent = f ? f.testLoss.toFixed(4) : n ? state.valLoss[n - 1]!.toFixed(4) : '–';
    // (a regression's score is R², to 3 decimals; its training R² comes with the final evaluation)
    const score = (v: number): string => (regression() ? v.toFixed(3) : percent(v));
    const final = (which: 'train' | 'test'): number =>
      regression() ? f![which === 'train' ? 'trainR2' : 'testR2'] : f![which === 'train' ? 'trainAccuracy' : 'testAccuracy'];
    stat.accTrain.textContent = f ? score(final('train')) : lastTrainAccuracy === null ? '–' : score(lastTrainAccuracy);
    stat.accTest.textContent = f ? score(final('test')) : lastTestAccuracy === null ? '–' : score(lastTestAccuracy);
  }
  let lastTrainAccuracy: number | null = null;
  let lastTestAccuracy: number | null = null;

  function render(): void {
    frame = 0;
    if (viewer && pendingWeights) {
      viewer.setWeights(pendingWeights);
      state.weights = pendingWeights;
      pendingWeights = null;
      proba = plotOutputs(viewer);
    }
    if (regression()) drawRegression(boundary, proba, state.train, state.test);
    else drawBoundary(boundary, proba, state.train.classes === 2 ? 1 : state.train.classes, state.train, state.test);
    drawLoss(lossCanvas, state.loss, state.valLoss, state.status === 'idle' ? Math.max(2, state.settings.epochs || 2) : state.settings.epochs);
    if (state.status === 'training') renderStats(state.settings.epochs);
    root.dispatchEvent(new Event('pg-render')); // for the backprop panel
  }
  const scheduleRender = (): void => {
    frame ||= requestAnimationFrame(render);
  };

  async function train(): Promise<void> {
    const { settings, problems } = readSettings();
    const problem = firstProblem(problems);
    showError(problem);
    if (problem) return;
    refreshData();
    state.settings = settings;
    const model = {
      inputs: state.train.inputs,
      layers: [...settings.hidden.map((units) => dense(units, settings.activation)), outputLayer(state.train.classes)],
      seed: settings.seed,
      backend: settings.backend,
    };
    viewer?.dispose();
    viewer = await Sequential.create({ ...model, backend: 'wasm' });
    pendingWeights = viewer.getWeights();
    lastTrainAccuracy = lastTestAccuracy = null;
    const rows = (p: Points) => ({ data: p.x, rows: p.n, cols: p.inputs });
    startedAt = performance.now();
    setBusy(true);
    // (the worker's model takes threads: 'auto' as this page's does: every core when the page is cross-origin isolated)
    const threads = settings.backend === 'wasm' ? viewer.threads : 1;
    state.threads = threads;
    setStatus(
      'training',
      `Training in a Web Worker on the ${settings.backend === 'wasm' ? 'WebAssembly' : 'TypeScript'} backend, ${threads === 1 ? '1 thread' : `${threads} threads`}…`,
    );
    try {
      job = trainInWorker({
        model,
        x: rows(state.train),
        y: state.train.y,
        fit: {
          epochs: settings.epochs,
          learningRate: settings.learningRate,
          ...(settings.batchSize === null ? {} : { batchSize: settings.batchSize }),
          validationData: [rows(state.test), state.test.y],
        },
        weightsEvery: settings.animate ? 1 : 10,
        minEpochMs: settings.animate ? ANIMATION_MS : 0,
        onEpochEnd: (log, weights) => {
          state.loss.push(log.loss);
          state.valLoss.push(log.valLoss!);
          lastTrainAccuracy = regression() ? null : log.accuracy;
          lastTestAccuracy = regression() ? log.valR2! : log.valAccuracy!;
          if (weights) pendingWeights = weights;
          scheduleRender();
        },
      });
      const result = await job.done;
      state.result = result;
      state.weights = result.model.layers.map((l) => ({ weights: Float32Array.from(l.weights), bias: Float32Array.from(l.bias) }));
      viewer.setWeights(state.weights);
      pendingWeights = null;
      proba = plotOutputs(viewer);
      const onTrain = viewer.evaluate(rows(state.train), state.train.y);
      const onTest = viewer.evaluate(rows(state.test), state.test.y);
      const of = (e: typeof onTrain, key: 'accuracy' | 'r2'): number => (key in e ? (e as unknown as Record<string, number>)[key]! : NaN);
      state.final = {
        trainAccuracy: of(onTrain, 'accuracy'),
        testAccuracy: of(onTest, 'accuracy'),
        trainR2: of(onTrain, 'r2'),
        testR2: of(onTest, 'r2'),
        trainLoss: onTrain.loss,
        testLoss: onTest.loss,
      };
      const seconds = (performance.now() - startedAt) / 1000;
      setStatus(
        'done',
        `${result.cancelled ? 'Stopped' : 'Done'} after ${result.history.loss.length} epochs in ${seconds.toFixed(2)} s ` +
          `(${threads === 1 ? '1 thread' : `${threads} threads`}): ` +
          (regression() ? `test R² ${state.final.testR2.toFixed(3)}.` : `test accuracy ${percent(state.final.testAccuracy)}.`),
      );
    } catch (error) {
      state.error = (error as Error).message;
      showError(`Training failed: ${state.error}`, false);
      setStatus('error', 'Training failed.');
    } finally {
      job = null;
      setBusy(false);
      if (frame) cancelAnimationFrame(frame);
      render();
      renderStats(state.settings.epochs);
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (job) job.cancel();
    else void train();
  });
  // Reset: new points, empty plots, no error; a typed field that is not valid goes back to the value in use.
  resetButton.addEventListener('click', () => {
    const { problems } = readSettings();
    const restored: string[] = [];
    for (const field of TYPED) {
      if (!problems[field]) continue;
      const value = state.settings[field];
      fields[field].value = Array.isArray(value) ? value.join(', ') : String(value);
      restored.push(`${LABELS[field]} back to ${fields[field].value === '' ? 'none' : fields[field].value}.`);
    }
    showError(undefined);
    refreshData(restored.length ? `${restored.join(' ')} ` : ''); // (its render() tells the backprop panel, which reads the field again)
  });
  // A shown problem goes as soon as the fields are fixed (and changes to the next one, if any).
  for (const field of TYPED) {
    fields[field].addEventListener('input', () => {
      if (errorIsProblem) showError(firstProblem(readSettings().problems));
    });
  }
  chooser.addEventListener('change', () => refreshData());
  noise.addEventListener('input', () => {
    $('pg-noise-out').textContent = Number(noise.value).toFixed(2);
    refreshData();
    thumbnails();
  });
  for (const field of [fields.points, fields.seed, fields.epochs]) field.addEventListener('change', () => refreshData());
  // The plots take their container's width: redraw them, at the screen's pixels, whenever their size changes.
  new ResizeObserver(scheduleRender).observe(boundary);
  new ResizeObserver(scheduleRender).observe(lossCanvas);
  window.addEventListener('resize', thumbnails); // (a new devicePixelRatio, when zoomed)

  thumbnails();
  refreshData();
  return state;
}
