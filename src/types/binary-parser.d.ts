// binary-parser ships its types beside the CommonJS build, which its "exports" map hides from
// NodeNext resolution; point the ESM entry at them.
declare module 'binary-parser' {
  export { Parser } from 'binary-parser/dist/binary_parser.js';
}
