// The IDX file format of MNIST (http://yann.lecun.com/exdb/mnist/):
//
//   offset  type      value
//   0       u8 u8     0 0            magic: two zero bytes
//   2       u8        element type   0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64
//   3       u8        dimensions     number of sizes that follow, at least 1
//   4       u32 BE    size 0         ... one big-endian u32 per dimension
//   4+4d    payload   elements, big-endian, row-major
//
// Files may be gzipped; a gzip stream is recognised by its own magic (1f 8b), not by the name.

import { constants, createReadStream } from 'node:fs';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { Parser } from 'binary-parser';
import { DataError } from '../errors.js';

export type IdxType = 'u8' | 'i8' | 'i16' | 'i32' | 'f32' | 'f64';
export type IdxData =
  Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  type: IdxType;
  dims: number[];
  data: IdxData;
}

interface ElementType {
  code: number;
  name: IdxType;
  bytes: number;
  read(view: DataView, offset: number): number;
  write(view: DataView, offset: number, value: number): void;
  create(length: number): IdxData;
}

export const ELEMENT_TYPES: readonly ElementType[] = [
  {
    code: 0x08,
    name: 'u8',
    bytes: 1,
    read: (v, o) => v.getUint8(o),
    write: (v, o, x) => v.setUint8(o, x),
    create: (n) => new Uint8Array(n),
  },
  {
    code: 0x09,
    name: 'i8',
    bytes: 1,
    read: (v, o) => v.getInt8(o),
    write: (v, o, x) => v.setInt8(o, x),
    create: (n) => new Int8Array(n),
  },
  {
    code: 0x0b,
    name: 'i16',
    bytes: 2,
    read: (v, o) => v.getInt16(o),
    write: (v, o, x) => v.setInt16(o, x),
    create: (n) => new Int16Array(n),
  },
  {
    code: 0x0c,
    name: 'i32',
    bytes: 4,
    read: (v, o) => v.getInt32(o),
    write: (v, o, x) => v.setInt32(o, x),
    create: (n) => new Int32Array(n),
  },
  {
    code: 0x0d,
    name: 'f32',
    bytes: 4,
    read: (v, o) => v.getFloat32(o),
    write: (v, o, x) => v.setFloat32(o, x),
    create: (n) => new Float32Array(n),
  },
  {
    code: 0x0e,
    name: 'f64',
    bytes: 8,
    read: (v, o) => v.getFloat64(o),
    write: (v, o, x) => v.setFloat64(o, x),
    create: (n) => new Float64Array(n),
  },
];

const MAGIC_BYTES = 4;
// Typed arrays and Buffers in Node top out near 2^32 bytes; no data set of this kind comes close.
const MAX_PAYLOAD_BYTES = 2 ** 32 - 1;

const magicParser = new Parser()
  .uint16be('zero')
  .uint8('typeCode')
  .uint8('dimensionCount')
  .array('dims', { type: 'uint32be', length: 'dimensionCount' });

export interface IdxHeader {
  type: ElementType;
  dims: number[];
  headerBytes: number;
  payloadBytes: number;
}

/** Parses and validates the header at the start of `bytes`; null when more bytes are needed. */
export function parseIdxHeader(bytes: Uint8Array, file: string): IdxHeader | null {
  if (bytes.length < MAGIC_BYTES) return null;
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataError(`${file}: not an IDX file (bad magic: the first two bytes must be zero)`);
  }
  const dimensionCount = bytes[3];
  if (dimensionCount === 0) throw new DataError(`${file}: IDX header declares zero dimensions`);
  const headerBytes = MAGIC_BYTES + 4 * dimensionCount;
  if (bytes.length < headerBytes) return null;

  const header = magicParser.parse(Buffer.from(bytes.buffer, bytes.byteOffset, headerBytes)) as {
    typeCode: number;
    dims: number[];
  };
  const type = ELEMENT_TYPES.find((t) => t.code === header.typeCode);
  if (!type) {
    const code = `0x${header.typeCode.toString(16).padStart(2, '0')}`;
    throw new DataError(`${file}: unknown IDX element type ${code}`);
  }
  const elements = header.dims.reduce((product, size) => product * size, 1);
  const payloadBytes = elements * type.bytes;
  if (payloadBytes > MAX_PAYLOAD_BYTES) {
    throw new DataError(
      `${file}: IDX header claims ${header.dims.join('×')} ${type.name} elements, ` +
        `${payloadBytes} bytes, more than this reader accepts`,
    );
  }
  return { type, dims: header.dims, headerBytes, payloadBytes };
}

/** Decodes a complete IDX file held in memory (raw, not gzipped). */
export function decodeIdx(bytes: Uint8Array, file: string): IdxArray {
  const header = parseIdxHeader(bytes, file);
  if (!header) throw new DataError(`${file}: truncated IDX header (${bytes.length} bytes)`);
  checkPayloadLength(header, bytes.length - header.headerBytes, file);
  return decodePayload(header, bytes.subarray(header.headerBytes));
}

function checkPayloadLength(header: IdxHeader, actual: number, file: string): void {
  if (actual === header.payloadBytes) return;
  const relation = actual < header.payloadBytes ? 'shorter' : 'longer';
  throw new DataError(
    `${file}: payload is ${relation} than the header says ` +
      `(${header.dims.join('×')} ${header.type.name} needs ${header.payloadBytes} bytes, found ${actual})`,
  );
}

function decodePayload(header: IdxHeader, payload: Uint8Array): IdxArray {
  const { type, dims } = header;
  const count = header.payloadBytes / type.bytes;
  let data: IdxData;
  if (type.name === 'u8') {
    data = payload; // bytes are the elements: no copy
  } else if (type.name === 'i8') {
    data = new Int8Array(payload.buffer, payload.byteOffset, count);
  } else {
    data = type.create(count);
    const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    for (let i = 0; i < count; i++) data[i] = type.read(view, i * type.bytes);
  }
  return { type: type.name, dims: [...dims], data };
}

/** Encodes an array as an IDX file (used by tests and tools that write data sets). */
export function encodeIdx(array: IdxArray): Uint8Array {
  const type = ELEMENT_TYPES.find((t) => t.name === array.type);
  if (!type) throw new Error(`unknown IDX type ${array.type}`);
  const elements = array.dims.reduce((product, size) => product * size, 1);
  if (elements !== array.data.length) {
    throw new Error(`IDX dims ${array.dims.join('×')} do not match ${array.data.length} elements`);
  }
  const headerBytes = MAGIC_BYTES + 4 * array.dims.length;
  const bytes = new Uint8Array(headerBytes + elements * type.bytes);
  const view = new DataView(bytes.buffer);
  view.setUint8(2, type.code);
  view.setUint8(3, array.dims.length);
  array.dims.forEach((size, d) => view.setUint32(MAGIC_BYTES + 4 * d, size));
  for (let i = 0; i < elements; i++) type.write(view, headerBytes + i * type.bytes, array.data[i]);
  return bytes;
}

/**
 * Reads an IDX file, raw or gzipped. A raw file is checked against its header before it is
 * read; a gzip stream is read chunk by chunk and abandoned as soon as it runs past the size its
 * header claims, so neither a lying header nor a gzip bomb makes the reader allocate much.
 */
export async function readIdxFile(file: string): Promise<IdxArray> {
  let handle: FileHandle;
  try {
    // without blocking: a FIFO is refused below, not waited on
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new DataError(`${file}: cannot open (${describeError(error)})`);
  }
  let size: number;
  let start: Buffer;
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new DataError(`${file}: not a regular file`);
    size = info.size;
    start = Buffer.alloc(Math.min(size, 64));
    await handle.read(start, 0, start.length, 0);
  } finally {
    await handle.close();
  }
  if (start[0] === 0x1f && start[1] === 0x8b) return readGzippedIdx(file);

  const header = parseIdxHeader(start, file);
  if (!header) throw new DataError(`${file}: truncated IDX header (${size} bytes)`);
  checkPayloadLength(header, size - header.headerBytes, file);
  return decodeIdx(await readFile(file), file);
}

async function readGzippedIdx(file: string): Promise<IdxArray> {
  const source = createReadStream(file);
  const gunzip = source.pipe(createGunzip());
  source.on('error', (error) => gunzip.destroy(error));

  const chunks: Buffer[] = [];
  let received = 0;
  let header: IdxHeader | null = null;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      received += chunk.length;
      header ??= parseIdxHeader(Buffer.concat(chunks), file);
      if (header && received > header.headerBytes + header.payloadBytes) {
        checkPayloadLength(header, received - header.headerBytes, file);
      }
    }
  } catch (error) {
    if (error instanceof DataError) throw error;
    throw new DataError(`${file}: damaged gzip data (${describeError(error)})`);
  } finally {
    source.destroy();
  }
  return decodeIdx(Buffer.concat(chunks, received), file);
}

function describeError(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  return code ?? message ?? String(error);
}
