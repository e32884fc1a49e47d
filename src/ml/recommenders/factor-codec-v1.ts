/**
 * Codec v1 for the numeric arrays inside recommender state (factor matrices, biases, seen items).
 *
 * A JSON array of 100k factors would cost ~20 bytes a number; instead each array is stored as one
 * base64 string of its raw little-endian bytes, with the element type named next to it in the state:
 *
 *     "float64"  8 bytes per value, IEEE 754 binary64, little-endian — exact round trip
 *     "float32"  4 bytes per value, IEEE 754 binary32, little-endian — half the size; values are
 *                rounded to float32 (relative error ≤ 6e-8) and widened back to float64 on decode
 *     "int32"    4 bytes per value, two's complement, little-endian (indices and offsets)
 *
 * A factor matrix of n rows and rank k is row-major: value (row r, factor f) is element r·k + f.
 * Bytes are written through a DataView, so the layout does not depend on the machine's endianness.
 * Base64 uses the `btoa`/`atob` globals (Node and browsers), so `src/ml` stays free of Node APIs.
 */

import { StreamsightError } from '../../errors/index.ts';

/** Element type of an encoded numeric array. */
export type ArrayType = 'float64' | 'float32' | 'int32';

const WIDTH: Record<ArrayType, number> = { float64: 8, float32: 4, int32: 4 };
const CHUNK = 0x8000;

/**
 * Encodes the first `length` values of `values` as base64 of little-endian `type` bytes.
 *
 * @example
 * encodeArray(Float64Array.of(1, 2), 2, 'float32'); // 'AACAPwAAAEA='
 */
export function encodeArray(values: ArrayLike<number>, length: number, type: ArrayType): string {
  const bytes = new Uint8Array(length * WIDTH[type]);
  const view = new DataView(bytes.buffer);
  if (type === 'float64') for (let i = 0; i < length; i++) view.setFloat64(i * 8, values[i], true);
  else if (type === 'float32') for (let i = 0; i < length; i++) view.setFloat32(i * 4, values[i], true);
  else for (let i = 0; i < length; i++) view.setInt32(i * 4, values[i], true);
  let binary = '';
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[]);
  }
  return btoa(binary);
}

/**
 * Decodes `encodeArray` output; throws SS_ERR_MODEL_DECODE unless it holds exactly `length` values.
 *
 * @example
 * decodeFloats('AACAPwAAAEA=', 'float32', 2); // Float64Array [1, 2]
 */
export function decodeFloats(base64: string, type: 'float64' | 'float32', length: number): Float64Array {
  const view = decodeBytes(base64, type, length);
  const out = new Float64Array(length);
  if (type === 'float64') for (let i = 0; i < length; i++) out[i] = view.getFloat64(i * 8, true);
  else for (let i = 0; i < length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/**
 * Decodes an "int32" array; throws SS_ERR_MODEL_DECODE unless it holds exactly `length` values.
 *
 * @example
 * decodeInts(encodeArray([3, 1], 2, 'int32'), 2); // Int32Array [3, 1]
 */
export function decodeInts(base64: string, length: number): Int32Array {
  const view = decodeBytes(base64, 'int32', length);
  const out = new Int32Array(length);
  for (let i = 0; i < length; i++) out[i] = view.getInt32(i * 4, true);
  return out;
}

function decodeBytes(base64: string, type: ArrayType, length: number): DataView {
  const binary = atob(base64);
  if (binary.length !== length * WIDTH[type]) {
    throw new StreamsightError(
      'SS_ERR_MODEL_DECODE',
      `expected ${length} ${type} values, got ${binary.length} bytes`,
      { details: { type, length, bytes: binary.length } },
    );
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new DataView(bytes.buffer);
}
