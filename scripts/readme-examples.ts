// The docs' examples of command-line output, produced by running the commands (the built
// dist/cli.js, in a scratch directory holding a copy of the bundled table). `npm run docs` writes
// each into the pages of PAGES that mark it, between `<!-- output: name -->` and the end of the code
// block after it (scripts/readme-examples.mjs, from the repository's root);
// test/readme-examples.test.ts runs them again and fails when a page differs in anything but timings.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The pages that show command-line output (README.md: `npm start`'s; docs/cli.md: a session). */
export const PAGES = ['README.md', 'docs/cli.md'] as const;

/** A command run in the scratch directory: what it wrote to stdout and stderr, and its exit status. */
type Runner = (argv: string[]) => { out: string; err: string; code: number };

function runnerIn(dir: string): Runner {
  const cli = resolve('dist/cli.js');
  return (argv) => {
    const r = spawnSync(process.execPath, [cli, ...argv], { cwd: dir, encoding: 'utf8' });
    if (r.error) throw r.error;
    return { out: r.stdout, err: r.stderr, code: r.status ?? -1 };
  };
}

/** Each example's text, by name. */
export async function examples(): Promise<Map<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), 'gradwasm-readme-'));
  try {
    mkdirSync(join(dir, 'data'));
    mkdirSync(join(dir, 'models'));
    copyFileSync('data/breast_cancer.csv', join(dir, 'data/breast_cancer.csv'));
    copyFileSync('data/breast_cancer.csv', join(dir, 'data.csv'));
    writeFileSync(join(dir, 'bad.csv'), 'a,b,label\n1,2,0\n3,abc,1\n');
    const gradwasm = runnerIn(dir);
    const examples = new Map<string, string>();

    // what `npm start` prints (its progress bar, on stderr while it trains, left out)
    examples.set('npm-start', gradwasm(['train', 'data/breast_cancer.csv', '--out', 'models/breast-cancer.json', '--compare-js', '--no-progress']).out);

    const session: string[] = [];
    const show = (shown: string, argv: string[], keep = (out: string) => out, exit = false) => {
      const { out, err, code } = gradwasm(argv);
      session.push(`$ ${shown}`, (keep(out) + err).trimEnd() + (exit ? `\nexit ${code}` : ''), '');
    };
    const train = [
      '--label',
      'label',
      '--layers',
      '16,8',
      '--activation',
      'relu',
      '--optimizer',
      'adam',
      '--epochs',
      '50',
      '--lr',
      '0.01',
      '--batch',
      '32',
      '--val',
      '0.2',
      '--seed',
      '1',
      '--out',
      'model.json',
      '--no-progress',
    ];
    show(`gradwasm train data.csv ${train.slice(0, 8).join(' ')} \\\n    ${train.slice(8).join(' ')}`, ['train', 'data.csv', ...train]);
    show('gradwasm predict model.json data.csv | head -3      # or --out probabilities.csv', ['predict', 'model.json', 'data.csv'], (out) =>
      out.split('\n').slice(0, 3).join('\n'),
    );
    show('gradwasm evaluate model.json data.csv', ['evaluate', 'model.json', 'data.csv']);
    show('gradwasm train bad.csv; echo "exit $?"', ['train', 'bad.csv', '--no-progress'], (out) => out, true);
    examples.set('cli', session.join('\n').trimEnd() + '\n');
    return examples;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const MARKER = /<!-- output: ([\w-]+) -->\n```[^\n]*\n[\s\S]*?```/g;

/** The page (`page` names it in errors) with each marked code block replaced by its example. */
export function withExamples(page: string, text: string, made: Map<string, string>): string {
  return text.replace(MARKER, (block, name: string) => {
    const example = made.get(name);
    if (example === undefined) throw new Error(`${page} marks an example "${name}" that scripts/readme-examples.ts does not make`);
    return `<!-- output: ${name} -->\n\`\`\`\n${example.trimEnd()}\n\`\`\``;
  });
}

/** The names of the examples a page marks. */
export function markedExamples(text: string): string[] {
  return [...text.matchAll(MARKER)].map((m) => m[1]!);
}

/** Output with what varies from run to run or machine to machine blanked: seconds, rates, ratios, the threads 'auto' finds. */
export function withoutTimings(text: string): string {
  return text
    .replace(/, \d+ threads\b/g, ', … threads')
    .replace(/\d[\d,.]*(?:e[+-]?\d+)? ?(ms|s|samples\/s|rows\/s|MB\/s)\b/g, '… $1')
    .replace(/speed ratio wasm\/js: [\d.]+×/g, 'speed ratio wasm/js: …×');
}
