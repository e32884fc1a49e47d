/**
 * Codecs turn record values into bytes and back. User topics default to JSON (readable with any tool);
 * internal topics (repartition, state) use msgpack, which decodes about 3× faster than JSON here.
 */

import { Packr } from 'msgpackr';
import { StreamsightError } from '../errors/index.ts';

export interface Codec<T = unknown> {
  readonly name: string;
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

const textDecoder = new TextDecoder();

// Buffer.from(string) allocates from Node's pool: 3.5× faster than TextEncoder.encode for small
// strings (measured: 9.0M/s against 2.6M/s for 150-byte JSON).
const utf8 = (text: string): Uint8Array => Buffer.from(text, 'utf8');

/** UTF-8 JSON, one document per record. */
export const jsonCodec: Codec = {
  name: 'json',
  encode: (value) => utf8(JSON.stringify(value)),
  decode: (bytes) => JSON.parse(textDecoder.decode(bytes)),
};

// One shared Packr without records/structures: self-describing bytes that any process can read.
const packr = new Packr({ useRecords: false, moreTypes: false, int64AsType: 'number' });

/** MessagePack: compact and fast; the codec of internal topics and state. */
export const msgpackCodec: Codec = {
  name: 'msgpack',
  encode: (value) => packr.pack(value),
  decode: (bytes) => packr.unpack(bytes),
};

/** Values are UTF-8 strings. */
export const stringCodec: Codec<string> = {
  name: 'string',
  encode: (value) => utf8(value),
  decode: (bytes) => textDecoder.decode(bytes),
};

/** Values are raw bytes. */
export const bytesCodec: Codec<Uint8Array> = {
  name: 'bytes',
  encode: (value) => value,
  decode: (bytes) => bytes,
};

export type CodecName = 'json' | 'msgpack' | 'string' | 'bytes';

const CODECS: Record<CodecName, Codec<any>> = {
  json: jsonCodec,
  msgpack: msgpackCodec,
  string: stringCodec,
  bytes: bytesCodec,
};

/** Resolves a codec option (a name or a Codec object). */
export function resolveCodec(codec: CodecName | Codec<any> | undefined, option: string): Codec<any> {
  if (codec === undefined) return jsonCodec;
  if (typeof codec === 'object' && typeof codec.encode === 'function' && typeof codec.decode === 'function') {
    return codec;
  }
  const found = CODECS[codec as CodecName];
  if (!found) {
    throw new StreamsightError('SS_ERR_INVALID_OPTION', `${option}: unknown codec ${JSON.stringify(codec)}`, {
      details: { option, known: Object.keys(CODECS) },
    });
  }
  return found;
}

/** A record key: what `keyBy` returns and what partitions and state are keyed by. */
export type Key = string | number;

/**
 * Key bytes for partitioning: the UTF-8 text of the key. Strings and numbers that print the same
 * (`7` and `'7'`) land in the same partition, so a table topic keyed by `'7'` joins a stream keyed by 7.
 */
export function keyBytes(key: Key): Uint8Array {
  return utf8(typeof key === 'string' ? key : String(key));
}
