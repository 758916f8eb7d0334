// The names a model keeps after fitting a table read from CSV (Sequential.fit(table)): its
// column names and its classes, which must agree with those the model has. With the training
// code, which fit loads, so that a page that only predicts does not download these checks.
import { OptionError } from '../core/errors.js';
import { checkColumnNames, type ColumnNames } from '../data/column-names.js';
import type { CsvTable } from '../data/csv.js';

/** The names a model keeps after fitting `table`: the table's, which must agree with those it has. */
export function namesOfTable(table: CsvTable, names: ColumnNames, inputs: number, classCount: number): ColumnNames {
  if (table.features.length !== inputs) return names; // fit says what is wrong with the width
  if (table.classes && names.classes && JSON.stringify(table.classes) !== JSON.stringify(names.classes)) {
    throw new OptionError(
      'table.classes',
      `the table's classes are ${JSON.stringify(table.classes)}, but the model's are ${JSON.stringify(names.classes)}: parse the file with the option { classes: model.classNames }`,
    );
  }
  if (table.classes && table.classes.length !== classCount) {
    throw new OptionError(
      'table.classes',
      `the table's label column holds ${table.classes.length} classes (${JSON.stringify(table.classes)}), but the model has ${classCount}`,
    );
  }
  if (!table.header) return { ...names, classes: table.classes ?? names.classes };
  if (names.features && names.features.some((name, i) => name !== table.features[i])) {
    const i = names.features.findIndex((name, k) => name !== table.features[k]);
    throw new OptionError(
      'table.features',
      `the table's feature ${i + 1} is ${JSON.stringify(table.features[i])}, but the model's is ${JSON.stringify(names.features[i])}: parse the file with the option { features: model.featureNames } to take its columns by name`,
    );
  }
  if (names.label !== null && names.label !== table.label) {
    throw new OptionError('table.label', `the table's label column is ${JSON.stringify(table.label)}, but the model's is ${JSON.stringify(names.label)}`);
  }
  return checkColumnNames(
    table.features,
    table.label,
    inputs,
    { features: 'table.features', label: 'table.label' },
    { value: table.classes ?? names.classes, count: classCount, argument: 'table.classes' },
  );
}
