// The data set a command scores a model on (`eval`, `predict --index`): the one `--data` names,
// else the one the model records; either must fit the model, checked the same way for both.

import { checkDataFits, loadDataset, resolveDataSource, type Dataset } from '../data/dataset.js';
import type { LoadedModel } from '../model/modelFile.js';
import { columnsOf, wrap } from './format.js';

export async function testDataFor(
  model: LoadedModel,
  file: string,
  data: string | undefined,
  testLimit?: number,
): Promise<Dataset> {
  const source = resolveDataSource(data ?? model.data?.source);
  if (data !== undefined && model.data && source.name !== model.data.name) {
    const warning = `warning: ${file} was trained on ${model.data.name}; scoring it on ${source.name}'s test set`;
    console.error(wrap(warning, columnsOf(process.stderr)));
  }
  const dataset = await loadDataset(source, { testOnly: true, testLimit });
  const { input, classes } = model.network;
  checkDataFits(source, dataset.test, { file, ...input, classes: classes.length });
  return dataset;
}
