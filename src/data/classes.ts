// Class names: what a label column holds when its values name classes (`setosa`, or UCI wine's
// 1, 2, 3) rather than being the class indices a model trains on. Classes are sorted as
// numpy.unique sorts them — numbers by value, strings by code point — and a label is the index
// of its class. A model keeps its classes (Sequential.classes) to say predictions by name.
import { describe } from '../core/checks.js';
import { OptionError } from '../core/errors.js';
import { NUMBER } from './csv-number.js';

/** A class as a label column names it. */
export type ClassName = string | number;

/** The sorted distinct classes of label cells' texts (trimmed): numbers when every one reads as a
 *  number, else the texts themselves. */
export function classesOf(texts: readonly string[]): ClassName[] {
  const distinct = [...new Set(texts)];
  if (distinct.every((t) => NUMBER.test(t))) return [...new Set(distinct.map(Number))].sort((a, b) => a - b);
  return distinct.sort(byCodePoint);
}

/** The class index of each label text among `classes` (the number a text reads as, when the
 *  classes are numbers); −1 where it names none of them. */
export function classIndices(texts: readonly string[], classes: readonly ClassName[]): Int32Array {
  const index = new Map<ClassName, number>(classes.map((c, i) => [c, i]));
  const numeric = classes.every((c) => typeof c === 'number');
  return Int32Array.from(texts, (t) => index.get(numeric && NUMBER.test(t) ? Number(t) : t) ?? -1);
}

/** `value` checked as the `count` classes of a model: distinct strings or finite numbers. */
export function checkClasses(value: unknown, count: number, argument: string): ClassName[] {
  if (!Array.isArray(value) || value.length !== count) {
    throw new OptionError(argument, `${argument} must be an array of ${count} class names (strings or numbers), got ${describe(value)}`);
  }
  return checkClassList(value, argument);
}

/** `value` checked as a list of classes: distinct strings or finite numbers, at least two. */
export function checkClassList(value: unknown, argument: string): ClassName[] {
  if (!Array.isArray(value) || value.length < 2)
    throw new OptionError(argument, `${argument} must be an array of at least 2 class names, got ${describe(value)}`);
  value.forEach((c: unknown, i) => {
    if (!(typeof c === 'string' || (typeof c === 'number' && Number.isFinite(c))))
      throw new OptionError(`${argument}[${i}]`, `${argument}[${i}] must be a string or a finite number, got ${describe(c)}`);
    const first = value.indexOf(c);
    if (first !== i) throw new OptionError(`${argument}[${i}]`, `${argument} names ${JSON.stringify(c)} twice (at ${first} and ${i})`);
  });
  return [...(value as ClassName[])];
}

/** Code-point order (numpy's for str), which differs from JavaScript's UTF-16 order beyond U+FFFF. */
function byCodePoint(a: string, b: string): number {
  const x = [...a],
    y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}
