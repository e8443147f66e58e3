// A network as a standard ONNX model, for any ONNX runtime (Python, C#, Java, mobile, the web).
// Built from each layer's Keras counterpart (layer.keras(), as the tfjs export is), so it knows
// no layer class by name; encoded by protobufjs from ONNX's own schema, onnx.proto (ONNX 1.23.0,
// Apache-2.0, kept verbatim beside this file and copied to dist/ by the build).
//
//   pixels: (batch, height·width) float32, raw 0–255
//     → Mul(scale) → Add(offset)                        x = pixel · scale + offset
//     → per layer: Gemm (x·W + b) | BatchNormalization (moving statistics) | Relu/Sigmoid/Tanh
//     → Softmax(axis −1)
//   → probabilities: (batch, classes) float32

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import protobuf from 'protobufjs';
import { UserError, EXIT } from '../errors.js';
import type { KerasLayer } from './layerRecord.js';
import type { Network } from './network.js';

/** Opset 17 (ONNX 1.12, IR version 8): read by onnxruntime 1.12 and later. */
export const ONNX_OPSET = 17;
const IR_VERSION = 8;

export const ONNX_INPUT = 'pixels';
export const ONNX_OUTPUT = 'probabilities';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/** onnx.proto's messages and enums, parsed once (a few milliseconds), when first needed. */
let schema: ReturnType<typeof parseSchema> | null = null;

function parseSchema() {
  const text = readFileSync(new URL('./onnx.proto', import.meta.url), 'utf8');
  const { root } = protobuf.parse(text); // field names in camelCase: raw_data is rawData
  return {
    ModelProto: root.lookupType('onnx.ModelProto'),
    FLOAT: root.lookupEnum('onnx.TensorProto.DataType').values.FLOAT,
    attribute: root.lookupEnum('onnx.AttributeProto.AttributeType').values,
  };
}

function onnxSchema() {
  return (schema ??= parseSchema());
}

// The messages built here, as protobufjs takes them: onnx.proto's fields, in camelCase.
interface Attribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
}
interface Tensor {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}
interface Node {
  opType: string;
  name: string;
  input: string[];
  output: string[];
  attribute: Attribute[];
}
interface ValueInfo {
  name: string;
  type: {
    tensorType: {
      elemType: number;
      shape: { dim: ({ dimParam: string } | { dimValue: number })[] };
    };
  };
}

/** A float32 tensor as an initializer: its values little-endian in raw_data. */
function tensor(name: string, dims: number[], values: ArrayLike<number>): Tensor {
  const raw = new Uint8Array(4 * values.length);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i], true);
  return { name, dims, dataType: onnxSchema().FLOAT, rawData: raw };
}

function floatAttribute(name: string, f: number): Attribute {
  return { name, type: onnxSchema().attribute.FLOAT, f };
}

function intAttribute(name: string, i: number): Attribute {
  return { name, type: onnxSchema().attribute.INT, i };
}

/** (batch, size) float32, the batch named (any size at run time). */
function matrixInfo(name: string, size: number): ValueInfo {
  const dim = [{ dimParam: 'batch' }, { dimValue: size }];
  const tensorType = { elemType: onnxSchema().FLOAT, shape: { dim } };
  return { name, type: { tensorType } };
}

const ACTIVATION_OPS: Record<string, string> = { relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh' };

/** The graph's nodes and initializers, built layer by layer. */
class GraphBuilder {
  readonly nodes: Node[] = [];
  readonly initializers: Tensor[] = [];

  /** Adds a node of `op` on `inputs`; returns the name of its output. */
  node(op: string, name: string, inputs: string[], attribute: Attribute[] = []) {
    const output = `${name}_out`;
    this.nodes.push({ opType: op, name, input: inputs, output: [output], attribute });
    return output;
  }

  initializer(name: string, dims: number[], values: ArrayLike<number>): string {
    this.initializers.push(tensor(name, dims, values));
    return name;
  }
}

/** The refusal of a layer ONNX export has no counterpart for, naming it. */
function cannotExpress(index: number, type: string, what: string): never {
  throw new UserError(
    `layer ${index + 1} (${type}): ${what}; ONNX export knows dense, batchnorm, ` +
      `${Object.keys(ACTIVATION_OPS).join(', ')}`,
    EXIT.input,
  );
}

/** One layer's nodes on `x`; returns the name of its output. */
function layerNodes(
  graph: GraphBuilder,
  keras: KerasLayer,
  x: string,
  index: number,
  type: string,
): string {
  const name = `layer${index + 1}_${type}`;
  const { className, config, weights } = keras;
  if (className === 'Dense') {
    // Gemm: Y = X · B + C, B: (inputs, outputs) as our weights are stored, C: (outputs)
    const [kernel, bias] = weights;
    const w = graph.initializer(`${name}_weights`, kernel.shape, kernel.values);
    const b = graph.initializer(`${name}_bias`, bias.shape, bias.values);
    return graph.node('Gemm', name, [x, w, b]);
  }
  if (className === 'BatchNormalization') {
    // inference: y = γ (x − moving μ) / √(moving σ² + ε) + β, per feature (axis 1 of (N, C))
    const [gamma, beta, mean, variance] = weights.map(({ values, shape }, i) =>
      graph.initializer(`${name}_${['gamma', 'beta', 'mean', 'variance'][i]}`, shape, values),
    );
    const epsilon = floatAttribute('epsilon', Number(config.epsilon));
    return graph.node('BatchNormalization', name, [x, gamma, beta, mean, variance], [epsilon]);
  }
  if (className === 'Activation') {
    const op = ACTIVATION_OPS[String(config.activation)];
    if (!op) cannotExpress(index, type, `activation ${String(config.activation)} is not exported`);
    return graph.node(op, name, [x]);
  }
  return cannotExpress(index, type, `a ${String(className)} layer is not exported`);
}

/**
 * The network as an ONNX ModelProto's bytes: input `pixels` (batch, height·width) float32 of raw
 * 0–255 values, output `probabilities` (batch, classes). metadata_props hold the class names
 * (JSON), the input's size and scaling, and the producing version. Throws UserError naming the
 * first layer that ONNX export cannot express.
 */
export function toOnnx(network: Network): Uint8Array {
  const graph = new GraphBuilder();
  const { height, width, scale, offset } = network.input;
  // the scaling as the engines do it: in float32, a product then a sum
  const scaled = graph.node('Mul', 'scale', [
    ONNX_INPUT,
    graph.initializer('input_scale', [], [scale]),
  ]);
  let x = graph.node('Add', 'offset', [scaled, graph.initializer('input_offset', [], [offset])]);
  network.layers.forEach((layer, index) => {
    x = layerNodes(graph, layer.keras(), x, index, layer.type);
  });
  const softmax = graph.nodes.length;
  graph.node('Softmax', 'softmax', [x], [intAttribute('axis', -1)]);
  graph.nodes[softmax].output = [ONNX_OUTPUT];

  const classes = network.classes.length;
  const model = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'mnist-softmax',
    producerVersion: version,
    docString:
      `A classifier of ${height}×${width} images into ${classes} classes, trained by ` +
      `mnist-softmax ${version}. Input "${ONNX_INPUT}": (batch, ${height * width}) raw pixels ` +
      `0–255, row-major; output "${ONNX_OUTPUT}": (batch, ${classes}).`,
    graph: {
      name: 'mnist_softmax',
      node: graph.nodes,
      initializer: graph.initializers,
      input: [matrixInfo(ONNX_INPUT, height * width)],
      output: [matrixInfo(ONNX_OUTPUT, classes)],
    },
    metadataProps: Object.entries({
      classes: JSON.stringify(network.classes),
      'mnist-softmax.version': version,
      'input.height': String(height),
      'input.width': String(width),
      'input.scale': String(scale),
      'input.offset': String(offset),
    }).map(([key, value]) => ({ key, value })),
  };
  const { ModelProto } = onnxSchema();
  const invalid = ModelProto.verify(model);
  if (invalid) throw new Error(`the ONNX model built does not follow onnx.proto: ${invalid}`);
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

/** An ONNX file's bytes back as a plain object of onnx.proto's fields (int64 as numbers). */
export function decodeOnnx(bytes: Uint8Array): Record<string, unknown> {
  const { ModelProto } = onnxSchema();
  return ModelProto.toObject(ModelProto.decode(bytes), { longs: Number, arrays: true });
}
