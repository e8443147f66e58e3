// How a layer is written and read, whatever the layer: model.json's fields of one layer, the
// arrays a checkpoint holds, and the Keras layer that is its TensorFlow.js counterpart. Each
// layer class (layers.ts) says what its own are; model.json, checkpoints and the tfjs checks
// loop over layers through these, knowing no layer by name.

/** A matrix, written row by row. */
export interface Rows {
  values: Float32Array;
  columns: number;
}

/**
 * A layer's fields in model.json, in order: numbers (on the first line, after "type"), then
 * arrays and matrices (each on lines of its own).
 */
export interface LayerRecord {
  type: string;
  fields: [name: string, value: number | Float32Array | Rows][];
}

/** The Keras layer of the same math, for TensorFlow.js: its class, config and weights. */
export interface KerasLayer {
  className: 'Dense' | 'BatchNormalization' | 'Activation';
  config: Record<string, number | string | boolean>;
  /** In Keras' order (Dense: kernel, bias; BatchNormalization: γ, β, moving mean, variance). */
  weights: { values: Float32Array; shape: number[] }[];
}

/**
 * Reading one layer's fields from model.json: each read checks its field and names it in the
 * error, through `where` (which adds the file and the layer).
 */
export class FieldReader {
  constructor(
    private readonly json: Record<string, unknown>,
    readonly where: (what: string) => never,
  ) {}

  /** Numbers that float32 (in which the engines compute) holds as finite: 1e39 is not. */
  static finiteFloat32(x: unknown): x is number {
    return typeof x === 'number' && Number.isFinite(Math.fround(x));
  }

  value(name: string): unknown {
    return this.json[name];
  }

  floats(name: string, length: number, value = this.json[name], label = `"${name}"`) {
    if (!Array.isArray(value)) return this.where(`${label} must be an array`);
    if (value.length !== length) {
      this.where(`${label} has ${value.length} values, expected ${length}`);
    }
    const result = new Float32Array(length);
    for (let i = 0; i < length; i++) {
      const x = value[i];
      if (!FieldReader.finiteFloat32(x)) {
        this.where(`${label}[${i}] is ${JSON.stringify(x)}, not a number finite as float32`);
      }
      result[i] = x;
    }
    return result;
  }

  /** A matrix of `rows` rows of equal length: its values, row-major, and that length. */
  rows(name: string, rows: number): Rows {
    const value = this.json[name];
    if (!Array.isArray(value)) return this.where(`"${name}" must be an array of rows`);
    if (value.length !== rows) {
      this.where(`"${name}" has ${value.length} rows, expected ${rows} (one per input)`);
    }
    const columns = Array.isArray(value[0]) ? value[0].length : 0;
    if (columns === 0) this.where(`"${name}" rows must be non-empty arrays`);
    const values = new Float32Array(rows * columns);
    value.forEach((row, i) =>
      values.set(this.floats(name, columns, row, `${name}[${i}]`), i * columns),
    );
    return { values, columns };
  }
}
