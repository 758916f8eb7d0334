// Citations in the sources: comments cite docs/architecture.md by section (`docs/architecture.md
// §4.3`) and name files of the repository (`assembly/model.ts`, `src/backend/plan.ts`). This test
// fails when a citation names a section the page does not have, when a comment names a file that
// does not exist, or when anything cites the old design document that lived outside the repository.
// Comments are read with a small scanner that knows strings, template literals and regular
// expressions, so that import specifiers and code are never taken for citations.
// The pages' links too: a relative link in README.md or docs/*.md must name a file that exists
// and, after `#`, a heading that page has (GitHub's anchors).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('..', import.meta.url).pathname;
const DOC = 'docs/architecture.md';
const SELF = 'test/docs.test.ts';
/** The design document that lived outside the repository (spelt so that this file does not cite it). */
const OLD_DESIGN = ['DESIGN', 'md'].join('.');
/** Folders whose files' comments are checked (never node_modules, dist/ or build/, which are generated). */
const SOURCE_DIRS = ['assembly', 'src', 'test', 'bench', 'scripts', 'demo'];
const SOURCE = /\.(ts|mts|mjs|js|css|html)$/;

interface SourceFile {
  path: string;
  text: string;
}

/** The comments of JavaScript/TypeScript (and CSS) source, with the line each starts on. */
export function comments(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  const n = text.length;
  const templates: number[] = []; // brace depth at which each open `${` of a template literal began
  let depth = 0,
    i = 0;
  let prev = ''; // the last significant character ('a' for a word, a string or a literal)
  let word = '';
  const lineAt = (at: number): number => text.slice(0, at).split('\n').length;
  const WORDS_BEFORE_REGEX = new Set(['return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'new', 'delete', 'void', 'throw', 'yield', 'await', 'instanceof']);
  const template = (k: number): number => {
    while (k < n) {
      if (text[k] === '\\') k += 2;
      else if (text[k] === '`') return k + 1;
      else if (text[k] === '$' && text[k + 1] === '{') {
        templates.push(++depth);
        return k + 2;
      } else k++;
    }
    return k;
  };
  while (i < n) {
    const c = text[i]!;
    if (c === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      const e = end < 0 ? n : end;
      out.push({ line: lineAt(i), text: text.slice(i + 2, e) });
      i = e;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const e = end < 0 ? n : end;
      out.push({ line: lineAt(i), text: text.slice(i + 2, e) });
      i = e + 2;
    } else if (c === '"' || c === "'") {
      for (i++; i < n && text[i] !== c && text[i] !== '\n'; i += text[i] === '\\' ? 2 : 1);
      i++;
      prev = 'a';
      word = '';
    } else if (c === '`') {
      i = template(i + 1);
      prev = 'a';
      word = '';
    } else if (c === '}' && templates.length > 0 && templates[templates.length - 1] === depth) {
      templates.pop();
      depth--;
      i = template(i + 1);
      prev = 'a';
      word = '';
    } else if (c === '/' && (prev === '' || '(,=:[!&|?{};+-*%<>~^'.includes(prev) || WORDS_BEFORE_REGEX.has(word))) {
      // a regular expression literal: up to the unescaped / outside a character class, then its flags
      let inClass = false;
      for (i++; i < n && text[i] !== '\n'; i++) {
        const d = text[i]!;
        if (d === '\\') i++;
        else if (d === '[') inClass = true;
        else if (d === ']') inClass = false;
        else if (d === '/' && !inClass) break;
      }
      for (i++; i < n && /[a-z]/i.test(text[i]!); i++);
      prev = 'a';
      word = '';
    } else if (/\s/.test(c)) {
      i++;
    } else if (/[\w$]/.test(c)) {
      const start = i;
      while (i < n && /[\w$]/.test(text[i]!)) i++;
      word = text.slice(start, i);
      prev = 'a';
    } else {
      if (c === '{') depth++;
      if (c === '}') depth--;
      prev = c;
      word = '';
      i++;
    }
  }
  return out;
}

/** The comments of a file by its kind: HTML comments, or the scanner's. */
function commentsOf(file: SourceFile): { line: number; text: string }[] {
  if (!file.path.endsWith('.html')) return comments(file.text);
  return [...file.text.matchAll(/<!--([\s\S]*?)-->/g)].map((m) => ({ line: file.text.slice(0, m.index).split('\n').length, text: m[1]! }));
}

/** The numbers of the page's sections: `## 4. Title` is 4, `### 4.3 Title` is 4.3. */
export function sectionsOf(markdown: string): string[] {
  return [...markdown.matchAll(/^#{2,3} (\d+(?:\.\d+)?)\.? /gm)].map((m) => m[1]!);
}

/** A citation: the page and a section or a range of sections (`§6–7`). */
const CITATION = /docs\/architecture\.md\s*§\s*(\d+(?:\.\d+)?)(?:\s*[–-]\s*(\d+(?:\.\d+)?))?/g;
/** A reference inside the page itself. */
const SECTION_REFERENCE = /§\s*(\d+(?:\.\d+)?)(?:\s*[–-]\s*(\d+(?:\.\d+)?))?/g;
/** A repository path: a top folder, then a name. Not part of a longer path or a URL (../src/x,
 *  node_modules/y/src/x, https://host/docs/x), and never a glob or an ellipsis. */
const PATH = /(?<![\w./@:~-])((?:assembly|src|test|bench|scripts|docs|demo)\/[\w./{},-]*[\w}])(?![\w*…])/g;

/** `a/{b,c}.ts` → `a/b.ts`, `a/c.ts` (one level of braces). */
function expand(path: string): string[] {
  const m = /^(.*)\{([^{}]*)\}(.*)$/.exec(path);
  return m ? m[2]!.split(',').map((part) => `${m[1]}${part}${m[3]}`) : [path];
}

/**
 * Everything wrong with the citations of `files` against the page's `sections`: the old design
 * document cited anywhere, a section of the page that does not exist (cited from anywhere, or
 * referred to inside the page), a repository path in a comment (or in the page) for which
 * `exists` is false. TypeScript's ESM imports name .ts files as .js: either one will do.
 */
export function problems(files: readonly SourceFile[], sections: readonly string[], exists: (path: string) => boolean): string[] {
  const known = new Set(sections);
  const out: string[] = [];
  const checkSections = (where: string, from: string, to: string | undefined): void => {
    for (const s of to === undefined ? [from] : [from, to]) if (!known.has(s)) out.push(`${where}: cites ${DOC} §${s}, which it does not have`);
  };
  for (const file of files) {
    const lines = file.text.split('\n');
    lines.forEach((line, i) => {
      const where = `${file.path}:${i + 1}`;
      if (line.includes(OLD_DESIGN)) out.push(`${where}: cites ${OLD_DESIGN}, which is not in the repository; cite ${DOC} §N`);
      for (const m of line.matchAll(CITATION)) checkSections(where, m[1]!, m[2]);
      if (file.path === DOC) for (const m of line.matchAll(SECTION_REFERENCE)) checkSections(where, m[1]!, m[2]);
    });
    const texts = file.path.endsWith('.md') ? [{ line: 1, text: file.text }] : commentsOf(file);
    for (const c of texts) {
      for (const m of c.text.matchAll(PATH)) {
        for (const path of expand(m[1]!)) {
          if (exists(path) || (path.endsWith('.js') && exists(path.replace(/\.js$/, '.ts')))) continue;
          const line = c.line + c.text.slice(0, m.index).split('\n').length - 1;
          out.push(`${file.path}:${line}: names ${path}, which does not exist`);
        }
      }
    }
  }
  return out;
}

/** Markdown with its fenced code blocks and inline code spans blanked (lines kept, so that line numbers hold). */
function prose(markdown: string): string {
  const blank = (code: string): string => code.replace(/[^\n]/g, ' ');
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, blank).replace(/`[^`\n]*`/g, blank);
}

/** The anchors of a page's headings, as GitHub makes them: lower case, punctuation dropped, spaces to `-`, repeats numbered. */
export function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').matchAll(/^#{1,6} +(.*?) *#*$/gm)) {
    const base = m[1]!
      .toLowerCase()
      .replace(/<[^>]*>/g, '')
      .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
      .trim()
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Every broken relative link of the Markdown `pages`: a file that `read` cannot find, or an anchor its page lacks. */
export function linkProblems(pages: readonly SourceFile[], read: (path: string) => string | undefined): string[] {
  const out: string[] = [];
  for (const page of pages) {
    prose(page.text)
      .split('\n')
      .forEach((line, i) => {
        for (const m of line.matchAll(/\]\(([^)\s]+)\)/g)) {
          const target = m[1]!;
          if (/^[a-z][\w+.-]*:/i.test(target)) continue; // https:, mailto:
          const [file, anchor] = target.split('#', 2) as [string, string | undefined];
          const path = file === '' ? page.path : normalize(join(dirname(page.path), file));
          const text = read(path);
          if (text === undefined) out.push(`${page.path}:${i + 1}: links to ${target}, but ${path} does not exist`);
          else if (anchor !== undefined && path.endsWith('.md') && !anchorsOf(text).has(anchor))
            out.push(`${page.path}:${i + 1}: links to ${target}, but ${path} has no heading #${anchor}`);
        }
      });
  }
  return out;
}

function sourceFiles(): SourceFile[] {
  const files: SourceFile[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(path);
      } else if (SOURCE.test(entry.name) && path !== SELF) {
        files.push({ path, text: readFileSync(join(ROOT, path), 'utf8') });
      }
    }
  };
  for (const dir of SOURCE_DIRS) walk(dir);
  for (const name of readdirSync(join(ROOT, 'docs')))
    if (name.endsWith('.md')) files.push({ path: `docs/${name}`, text: readFileSync(join(ROOT, 'docs', name), 'utf8') });
  files.push({ path: 'README.md', text: readFileSync(join(ROOT, 'README.md'), 'utf8') });
  return files;
}

describe(DOC, () => {
  const page = readFileSync(join(ROOT, DOC), 'utf8');
  const sections = sectionsOf(page);

  it("numbers its sections 1, 2, … and each one's subsections N.1, N.2, … in order", () => {
    const top = sections.filter((s) => !s.includes('.'));
    expect(top).toEqual(top.map((_, i) => String(i + 1)));
    for (const t of top) {
      const subs = sections.filter((s) => s.startsWith(`${t}.`));
      expect(subs).toEqual(subs.map((_, i) => `${t}.${i + 1}`));
    }
  });

  it('every citation names a section it has, every path a comment names exists, and nothing cites the old design document', () => {
    const found = problems(sourceFiles(), sections, (path) => existsSync(join(ROOT, path)));
    expect(found, found.join('\n')).toEqual([]);
  });

  it('is cited by the sources (its sections are what the comments point at)', () => {
    const cited = sourceFiles().filter((f) => f.path !== DOC && f.text.includes(`${DOC} §`));
    expect(cited.length).toBeGreaterThanOrEqual(10);
  });
});

describe('README.md and docs/*.md', () => {
  it('link to files that exist and headings those pages have', () => {
    const pages = sourceFiles().filter((f) => f.path.endsWith('.md'));
    const read = (path: string): string | undefined =>
      existsSync(join(ROOT, path)) ? (path.endsWith('.md') ? readFileSync(join(ROOT, path), 'utf8') : '') : undefined;
    const found = linkProblems(pages, read);
    expect(found, found.join('\n')).toEqual([]);
  });
});

describe('the link checker', () => {
  it("makes GitHub's anchors", () => {
    expect([
      ...anchorsOf(
        '# A b\n## Feature scaling, CSV files, ONNX and TensorFlow.js models\n### `trainInWorker`\n## A b\n```sh\n# not a heading\n```\n## 2. Memory\n',
      ),
    ]).toEqual(['a-b', 'feature-scaling-csv-files-onnx-and-tensorflowjs-models', 'traininworker', 'a-b-1', '2-memory']);
  });

  it('finds a missing file and a missing heading, and leaves URLs and code alone', () => {
    const pages = {
      'README.md':
        '# Top\nSee [guide](docs/guide.md#use), [gone](docs/gone.md), [here](#top), [there](#nowhere), [web](https://x.org/a#b).\n```\n[code](nope.md)\n```\n`[code](nope.md)`\n',
      'docs/guide.md': '## Use\n[back](../README.md#top) [bad](../README.md#use)\n',
    } as Record<string, string>;
    expect(
      linkProblems(
        Object.entries(pages).map(([path, text]) => ({ path, text })),
        (path) => pages[path],
      ),
    ).toEqual([
      'README.md:2: links to docs/gone.md, but docs/gone.md does not exist',
      'README.md:2: links to #nowhere, but README.md has no heading #nowhere',
      'docs/guide.md:2: links to ../README.md#use, but README.md has no heading #use',
    ]);
  });
});

describe('the citation checker', () => {
  const sections = ['1', '1.1', '1.2', '2'];
  const exists = (path: string): boolean => ['docs/architecture.md', 'src/a.ts', 'assembly/b.ts', 'docs/c.md', 'src/d'].includes(path);

  it('finds a missing section, a missing file, the old design document, and a bad range', () => {
    const text = [
      '// the math: docs/architecture.md §1.2; the memory: docs/architecture.md §7',
      `/* as ${OLD_DESIGN} §1 said; see src/a.ts and src/gone.ts */`,
      '// docs/architecture.md §1–3, and src/{a,missing}.ts',
      'const s = "not a comment: src/nowhere.ts";',
    ].join('\n');
    expect(problems([{ path: 'src/x.ts', text }], sections, exists)).toEqual([
      'src/x.ts:1: cites docs/architecture.md §7, which it does not have',
      `src/x.ts:2: cites ${OLD_DESIGN}, which is not in the repository; cite docs/architecture.md §N`,
      'src/x.ts:3: cites docs/architecture.md §3, which it does not have',
      'src/x.ts:2: names src/gone.ts, which does not exist',
      'src/x.ts:3: names src/missing.ts, which does not exist',
    ]);
  });

  it('passes good citations, .js names of .ts files, folders, and leaves URLs, longer paths, globs and code alone', () => {
    const text = [
      '// docs/architecture.md §1.1 and §2 (docs/architecture.md §1–2); src/a.js is src/a.ts; src/d/ is a folder',
      '// https://example.com/src/nope.ts, node_modules/pkg/src/nope.ts, ../src/nope.ts, test/**/*.test.ts, src/…/x.ts',
      "import { x } from '../src/nope.js'; const r = /['\"]\\/\\//g; // assembly/b.ts's kernel",
      'const t = `${"//"} src/nope.ts ${`//`}`; // docs/c.md.',
    ].join('\n');
    expect(problems([{ path: 'test/y.ts', text }], sections, exists)).toEqual([]);
  });

  it('reads comments, not strings, template literals or regular expressions', () => {
    const text = "const a = '// no'; const b = `/* no ${'// no'} */`; const c = x / 2 / 3; // yes\nconst d = /\\/*no/; /* yes too */";
    expect(comments(text).map((c) => c.text.trim())).toEqual(['yes', 'yes too']);
  });

  it("reads the page's section numbers", () => {
    expect(sectionsOf('# Title\n## 1. Math\n### 1.1 Forward\n### 1.2 Loss\n## 2. Memory\ntext ## 3. no\n')).toEqual(['1', '1.1', '1.2', '2']);
  });
});
