// `npm run serve`: a small static server for the demo, on 127.0.0.1 only. It serves dist/demo/,
// and /models/ and /data/ from the repository (so a model saved by `npm start` shows up on reload).
// Its pages are cross-origin isolated (the COOP and COEP headers), which threads need: without
// them a page may not share WebAssembly memory between workers.
// Environment: PORT (default 8080; 0 picks a free port), MODELS_DIR (what /models/ serves;
// default ./models), ISOLATE=0 (leave the headers out: a page without threads).
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
};

/**
 * Start the server. `mounts` maps URL prefixes to directories; the longest matching prefix wins.
 * Resolves once listening, with the server and its base URL.
 */
export function startServer({
  port = 8080,
  host = '127.0.0.1',
  mounts = { '/': join(ROOT, 'dist/demo'), '/models/': join(ROOT, 'models'), '/data/': join(ROOT, 'data') },
  isolate = true,
} = {}) {
  const isolation = isolate ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } : {};
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length);
  const server = createServer((request, response) => {
    const send = (status, text) => {
      response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(text);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(405, 'method not allowed\n');
    let path;
    try {
      path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    } catch {
      return send(400, 'bad request\n');
    }
    if (path.includes('\0')) return send(400, 'bad request\n');
    const prefix = prefixes.find((p) => path.startsWith(p));
    if (!prefix) return send(404, 'not found\n');
    const base = resolve(mounts[prefix]);
    let file = resolve(base, '.' + sep + path.slice(prefix.length));
    if (file !== base && !file.startsWith(base + sep)) return send(403, 'forbidden\n');
    let stat = statSync(file, { throwIfNoEntry: false });
    if (stat?.isDirectory()) {
      file = join(file, 'index.html');
      stat = statSync(file, { throwIfNoEntry: false });
    }
    if (!stat?.isFile()) return send(404, 'not found\n');
    response.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': stat.size,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      ...isolation,
    });
    if (request.method === 'HEAD') return response.end();
    createReadStream(file).pipe(response);
  });
  return new Promise((resolveStart, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolveStart({ server, url: `http://${host}:${address.port}/` });
    });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const port = Number(process.env.PORT ?? 8080);
  if (!existsSync(join(ROOT, 'dist/demo/index.html'))) console.warn('dist/demo/ is not built yet: run `npm run demo` first');
  const mounts = { '/': join(ROOT, 'dist/demo'), '/models/': resolve(process.env.MODELS_DIR ?? join(ROOT, 'models')), '/data/': join(ROOT, 'data') };
  try {
    const isolate = process.env.ISOLATE !== '0';
    const { url } = await startServer({ port, mounts, isolate });
    console.log(
      `gradwasm demo: ${url}   (serving dist/demo/, /models/ from ${mounts['/models/']}${isolate ? '' : ', not cross-origin isolated'}; Ctrl-C stops)`,
    );
  } catch (error) {
    // one line, not a stack trace: the usual causes are a port in use or a bad PORT
    const why =
      error.code === 'EADDRINUSE'
        ? `port ${port} is in use; set PORT to another (PORT=0 picks a free one)`
        : error.code === 'EACCES'
          ? `port ${port} needs privileges; set PORT above 1023`
          : error.message;
    console.error(`gradwasm demo: ${why}`);
    process.exitCode = 1;
  }
}
