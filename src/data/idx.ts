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

import {
  closeSync,
  constants,
  createReadStream,
  fstatSync,
  openSync,
  readSync,
  type BigIntStats,
} from 'node:fs';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { Parser } from 'binary-parser';
import { DataError } from '../errors.js';
import { cannotRead } from '../inputFile.js';

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

/** An IDX file's array, whose u8 elements can also be copied a range at a time. */
export interface IdxFile extends IdxArray {
  /** Elements [from, from + into.length) of a u8 array, copied into `into`. */
  copy(from: number, into: Uint8Array): void;
}

/**
 * Reads an IDX file, raw or gzipped. A raw file is checked against its header before it is
 * read; a gzip stream is read chunk by chunk and abandoned as soon as it runs past the size its
 * header claims, so neither a lying header nor a gzip bomb makes the reader allocate much.
 */
export async function readIdxFile(file: string): Promise<IdxFile> {
  const raw = await peekIdxFile(file);
  return inMemory(raw ? decodeIdx(await readFile(file), file) : await readGzippedIdx(file));
}

/**
 * Opens an IDX file as readIdxFile reads it, but leaves a raw file's payload on disk: `copy`
 * reads a range of it into memory of the caller's (the wasm engine compresses a training set
 * chunk by chunk, and never needs it whole), `data` reads it whole when first asked for and
 * keeps it. A gzipped file cannot be read by ranges: it is decompressed whole at once. A raw
 * file that changed since it was opened (size, modification time, inode or device) is refused
 * when it is read.
 */
export async function openIdxFile(file: string): Promise<IdxFile> {
  const raw = await peekIdxFile(file);
  if (raw) return new IdxOnDisk(file, raw.header, raw.identity);
  return inMemory(await readGzippedIdx(file));
}

function inMemory(array: IdxArray): IdxFile {
  return { ...array, copy: (from, into) => into.set(bytesOf(array.data, from, into.length)) };
}

/**
 * What a file's first bytes say: null for a gzip stream; for a raw IDX file its header (the
 * payload's length checked against the file's size) and its identity.
 */
async function peekIdxFile(
  file: string,
): Promise<{ header: IdxHeader; identity: BigIntStats } | null> {
  let handle: FileHandle;
  try {
    // without blocking: a FIFO is refused below, not waited on
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw cannotRead(file, error);
  }
  let identity: BigIntStats;
  let start: Buffer;
  try {
    identity = await handle.stat({ bigint: true });
    if (!identity.isFile()) throw new DataError(`${file}: not a regular file`);
    start = Buffer.alloc(Math.min(Number(identity.size), 64));
    await handle.read(start, 0, start.length, 0);
  } finally {
    await handle.close();
  }
  if (start[0] === 0x1f && start[1] === 0x8b) return null;

  const header = parseIdxHeader(start, file);
  if (!header) throw new DataError(`${file}: truncated IDX header (${identity.size} bytes)`);
  checkPayloadLength(header, Number(identity.size) - header.headerBytes, file);
  return { header, identity };
}

/** The u8 elements [from, from + length) of an array. */
function bytesOf(data: IdxData, from: number, length: number): Uint8Array {
  if (!(data instanceof Uint8Array)) throw new Error('IDX elements copied as bytes are not u8');
  return data.subarray(from, from + length);
}

/** A raw IDX file's payload on disk: read by ranges, or whole once (see openIdxFile). */
class IdxOnDisk implements IdxFile {
  readonly type: IdxType;
  readonly dims: number[];
  private whole: IdxData | null = null;

  constructor(
    private readonly file: string,
    private readonly header: IdxHeader,
    private readonly identity: BigIntStats,
  ) {
    this.type = header.type.name;
    this.dims = [...header.dims];
  }

  get data(): IdxData {
    if (!this.whole) {
      const payload = new Uint8Array(this.header.payloadBytes);
      this.read(0, payload);
      this.whole = decodePayload(this.header, payload).data;
    }
    return this.whole;
  }

  copy(from: number, into: Uint8Array): void {
    if (this.whole) into.set(bytesOf(this.whole, from, into.length));
    else if (this.type === 'u8') this.read(from, into);
    else throw new Error('IDX elements copied as bytes are not u8');
  }

  /** Payload bytes from `from` into `into`, from the file as it was opened. */
  private read(from: number, into: Uint8Array): void {
    const { file } = this;
    let descriptor: number;
    try {
      descriptor = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (error) {
      throw cannotRead(file, error);
    }
    try {
      if (!sameFile(fstatSync(descriptor, { bigint: true }), this.identity)) {
        throw new DataError(`${file}: changed since it was opened; run again`);
      }
      const position = this.header.headerBytes + from;
      for (let done = 0; done < into.length;) {
        const read = readSync(descriptor, into, done, into.length - done, position + done);
        if (read === 0) throw new DataError(`${file}: changed since it was opened; run again`);
        done += read;
      }
    } finally {
      closeSync(descriptor);
    }
  }
}

/** Whether two stats are of one file, unchanged: size, modification time, inode, device. */
function sameFile(a: BigIntStats, b: BigIntStats): boolean {
  return a.size === b.size && a.mtimeNs === b.mtimeNs && a.ino === b.ino && a.dev === b.dev;
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
