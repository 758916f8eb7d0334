// The demo page: the playground, its backprop graph and the inference panel, all running on the same
// gradwasm.browser.js that the package ships (scripts/build-demo.mjs copies it beside this file).
import { initBackprop } from './graph-panel.js';
import { initInference } from './inference.js';
import { initPlayground } from './playground.js';

declare global {
  interface Window {
    /** The page's state, for the console and the browser test. */
    gradwasmDemo: {
      playground: ReturnType<typeof initPlayground>;
      inference: ReturnType<typeof initInference>;
      backprop: ReturnType<typeof initBackprop>;
      ready: Promise<void>;
    };
  }
}

/** Show what this page downloaded of gradwasm: the bundle's size, raw and gzipped (gzipped here, with CompressionStream). */
async function showBundleSize(): Promise<void> {
  const bytes = await (await fetch('gradwasm.browser.js')).arrayBuffer();
  let text = `gradwasm.browser.js: ${(bytes.byteLength / 1000).toFixed(1)} kB`;
  if (typeof CompressionStream === 'function') {
    const gzip = await new Response(new Blob([bytes]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer();
    text += `, ${(gzip.byteLength / 1000).toFixed(1)} kB gzipped`;
  }
  document.getElementById('bundle-size')!.textContent = `${text} — WebAssembly included`;
}

const playground = initPlayground();
const inference = initInference();
const backprop = initBackprop(playground);
window.gradwasmDemo = {
  playground,
  inference,
  backprop,
  ready: Promise.all([inference.ready, showBundleSize().catch(() => {})]).then(() => {
    document.body.dataset.ready = 'true';
  }),
};
