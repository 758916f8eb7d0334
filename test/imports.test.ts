// The modules' import graph has no cycles: a module that needs shared types takes them from the
// layer they belong to (such as src/train/history.ts or src/metrics/classification.ts), not from
// the module that uses them (options.ts and sequential.ts imported each other before). Type-only
// imports count too: a cycle of types is a cycle of concepts.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = 'src';

function modules(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? modules(path) : path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** Each module's static imports (import … from, export … from) of other modules under src/. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of modules(SRC)) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/^(?:import|export)\s[^;]*?\sfrom\s+'(\.{1,2}\/[^']+)\.js';/gm)]
      .map((m) => normalize(join(dirname(file), `${m[1]}.ts`)))
      .filter((target) => modules(SRC).includes(target));
    graph.set(file, targets);
  }
  return graph;
}

/** Every cycle, as a path of modules (each found once, from its smallest member). */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  for (const start of [...graph.keys()].sort()) {
    const walk = (at: string, path: string[]): void => {
      for (const next of graph.get(at) ?? []) {
        if (next === start) found.push([...path, start]);
        else if (next > start && !path.includes(next)) walk(next, [...path, next]);
      }
    };
    walk(start, [start]);
  }
  return found;
}

describe('the import graph of src/', () => {
  it('the cycle finder finds a planted cycle', () => {
    const planted = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(cycles(planted)).toEqual([['a', 'b', 'c', 'a']]);
  });

  it('has no cycles', () => {
    const found = cycles(importGraph()).map((c) => c.map((f) => relative(SRC, f)).join(' → '));
    expect(found).toEqual([]);
  });
});
