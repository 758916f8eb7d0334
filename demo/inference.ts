// The inference panel: load a model saved by toJSON() (models/breast-cancer.json from
// `npm start`, or a chosen file), then classify CSV rows in this page. A model that carries a
// feature scaler standardises the raw rows itself.
import { Sequential, type ModelJSON, type ScalerJSON } from '../src/index.js';
import { parseRows } from './csv.js';

const MODEL_URL = 'models/breast-cancer.json';
const SAMPLE_URL = 'data/breast_cancer.csv';
const TABLE_ROWS = 200;

/** The panel's state, readable from the console and by the browser test (window.gradwasmDemo.inference). */
export interface InferenceState {
  status: 'empty' | 'ready' | 'done' | 'error';
  model: ModelJSON | null;
  modelSource: string | null;
  /** The model's feature scaler, if it has one: it z-scores every row before the network sees it. */
  scaler: ScalerJSON | null;
  /** P(Y=1) of the last rows classified. */
  proba: Float32Array | null;
  labels: Float32Array | null;
  /** How many times rows have been classified. */
  runs: number;
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

export function initInference(): InferenceState & { ready: Promise<void> } {
  const root = $('inference');
  const modelStatus = $('inf-model-status');
  const modelSummary = $('inf-model-summary');
  const scalerStatus = $('inf-scaler-status');
  const csv = $<HTMLTextAreaElement>('inf-csv');
  const classifyButton = $<HTMLButtonElement>('inf-classify');
  const errorBox = $('inf-error');
  const results = $('inf-results');
  const state: InferenceState = { status: 'empty', model: null, modelSource: null, scaler: null, proba: null, labels: null, runs: 0 };
  let model: Sequential | null = null;

  const showError = (message: string | null): void => {
    errorBox.textContent = message ?? '';
    errorBox.hidden = message === null;
  };
  const line = (element: HTMLElement, text: string, kind: 'ok' | 'warn' | ''): void => {
    element.textContent = text;
    element.className = `status-line ${kind}`;
    element.hidden = false;
  };

  /** What a failed load leaves: the model loaded before stays in use. */
  const inUse = (): string => (state.modelSource === null ? 'No model is loaded.' : `Still using ${state.modelSource}.`);

  async function useModel(text: string, source: string): Promise<boolean> {
    try {
      const loaded = await Sequential.fromJSON(text);
      model?.dispose();
      model = loaded;
      state.model = loaded.toJSON();
      state.scaler = state.model.scaler ?? null;
      state.modelSource = source;
      state.status = 'ready';
      root.dataset.state = 'ready';
      const parameters = state.model.layers.reduce((sum, l) => sum + l.weights.length + l.bias.length, 0);
      line(modelStatus, `Loaded ${source}`, 'ok');
      modelSummary.textContent =
        `${loaded.inputs} inputs → ${loaded.layers.map((l) => `${l.units} ${l.activation}`).join(' → ')} · ` +
        `${parameters.toLocaleString('en-US')} parameters`;
      modelSummary.hidden = false;
      classifyButton.disabled = false;
      describeScaler();
      return true;
    } catch (error) {
      line(modelStatus, `${source} is not a gradwasm model (${(error as Error).message}). ${inUse()}`, 'warn');
      return false;
    }
  }

  function describeScaler(): void {
    if (state.scaler) {
      line(
        scalerStatus,
        `Feature scaling saved in the model: z-scores with its training rows' mean and standard deviation (${state.scaler.mean.length} columns). Paste raw measurements.`,
        'ok',
      );
    } else {
      line(scalerStatus, 'No feature scaler in this model: rows are used as they are, so paste them scaled the way its training rows were.', 'warn');
    }
  }

  async function loadDefault(): Promise<void> {
    line(modelStatus, `Looking for ${MODEL_URL}…`, '');
    const response = await fetch(MODEL_URL, { cache: 'no-store' }).catch(() => null);
    const text = response?.ok ? await response.text().catch(() => null) : null;
    if (text === null) {
      line(
        modelStatus,
        `No ${MODEL_URL} here: run \`npm start\` (it saves one) and reload, or choose a model file.${state.model ? ` ${inUse()}` : ''}`,
        'warn',
      );
      return;
    }
    await useModel(text, MODEL_URL);
  }

  function classify(): void {
    showError(null);
    if (!model) return showError('Load a model first.');
    const parsed = parseRows(csv.value, model.inputs);
    if (typeof parsed === 'string') return showError(parsed);
    const started = performance.now();
    let proba: Float32Array;
    try {
      proba = model.predictProba(parsed);
    } catch (error) {
      return showError((error as Error).message);
    }
    const ms = performance.now() - started;
    Object.assign(state, { proba, labels: parsed.labels, status: 'done', runs: state.runs + 1 });
    root.dataset.state = 'done';
    renderResults(proba, parsed.labels, ms, state.scaler !== null);
  }

  function renderResults(proba: Float32Array, labels: Float32Array | null, ms: number, scaled: boolean): void {
    let positives = 0,
      correct = 0;
    for (let i = 0; i < proba.length; i++) {
      const predicted = proba[i]! > 0.5 ? 1 : 0;
      positives += predicted;
      if (labels && labels[i] === predicted) correct++;
    }
    const parts = [
      `${proba.length.toLocaleString('en-US')} rows classified in ${ms < 1 ? ms.toFixed(2) : ms.toFixed(1)} ms`,
      `${positives.toLocaleString('en-US')} as class 1`,
    ];
    if (labels) parts.push(`accuracy against the label column: ${((100 * correct) / proba.length).toFixed(2)} % (${correct} / ${proba.length})`);
    $('inf-summary').textContent = parts.join(' · ') + (scaled ? " — rows z-scored by the model's scaler" : '');
    const body = $('inf-table');
    body.innerHTML = '';
    for (let i = 0; i < Math.min(proba.length, TABLE_ROWS); i++) {
      const p = proba[i]!;
      const predicted = p > 0.5 ? 1 : 0;
      const row = document.createElement('tr');
      const match = labels ? (labels[i] === predicted ? ['ok', '✓'] : ['miss', '✗']) : ['', ''];
      row.innerHTML =
        `<td>${i + 1}</td><td class="p">${p.toFixed(4)}<span class="bar${p < 0.5 ? ' low' : ''}" style="width:${Math.max(2, Math.round(150 * Math.abs(p - 0.5) * 2))}px"></span></td>` +
        `<td>${predicted}</td><td>${labels ? labels[i] : '–'}</td><td class="${match[0]}">${match[1]}</td>`;
      body.append(row);
    }
    $('inf-more').textContent = proba.length > TABLE_ROWS ? `Showing the first ${TABLE_ROWS} of ${proba.length.toLocaleString('en-US')} rows.` : '';
    results.hidden = false;
  }

  const readFile = (input: HTMLInputElement): Promise<{ text: string; name: string } | null> => {
    const file = input.files?.[0];
    input.value = ''; // choosing the same file again fires change again
    return file ? file.text().then((text) => ({ text, name: file.name })) : Promise.resolve(null);
  };
  $<HTMLInputElement>('inf-model-file').addEventListener('change', async (event) => {
    const file = await readFile(event.target as HTMLInputElement);
    if (!file) return;
    await useModel(file.text, file.name);
  });
  $<HTMLInputElement>('inf-csv-file').addEventListener('change', async (event) => {
    const file = await readFile(event.target as HTMLInputElement);
    if (!file) return;
    csv.value = file.text;
    if (model) classify();
  });
  $('inf-sample').addEventListener('click', async () => {
    const response = await fetch(SAMPLE_URL).catch(() => null);
    if (!response?.ok) return showError(`Could not fetch ${SAMPLE_URL}.`);
    csv.value = await response.text();
    if (model) classify();
  });
  $('inf-reload').addEventListener('click', () => void loadDefault());
  classifyButton.addEventListener('click', classify);

  return Object.assign(state, { ready: loadDefault() });
}
