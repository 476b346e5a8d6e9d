// Minimal safetensors reader/writer (https://github.com/huggingface/safetensors): 8-byte little-endian
// header length, JSON header {name: {dtype, shape, data_offsets}, __metadata__?}, then raw tensor bytes.
// Only F32 and I32 are needed here; the writer is atomic (temp file + rename).
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

export interface NamedArray {
  data: Float32Array | Int32Array;
  shape: number[];
}

export function encodeSafetensors(tensors: Record<string, NamedArray>, metadata: Record<string, string> = {}): Buffer {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let off = 0;
  for (const n of names) {
    const t = tensors[n];
    const size = t.data.length * 4;
    if (t.shape.reduce((a, b) => a * b, 1) !== t.data.length) throw new Error(`safetensors: ${n}: shape ${t.shape} does not match ${t.data.length} values`);
    header[n] = { dtype: t.data instanceof Float32Array ? 'F32' : 'I32', shape: t.shape, data_offsets: [off, off + size] };
    off += size;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8); // keep tensor data 8-byte aligned
  const hbytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + hbytes.length + off);
  out.writeBigUInt64LE(BigInt(hbytes.length), 0);
  hbytes.copy(out, 8);
  let p = 8 + hbytes.length;
  for (const n of names) {
    const d = tensors[n].data;
    Buffer.from(d.buffer, d.byteOffset, d.byteLength).copy(out, p);
    p += d.byteLength;
  }
  return out;
}

export function writeSafetensors(path: string, tensors: Record<string, NamedArray>, metadata: Record<string, string> = {}): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, encodeSafetensors(tensors, metadata));
  renameSync(tmp, path);
}

export function decodeSafetensors(buf: Buffer, what = 'safetensors'): { tensors: Record<string, NamedArray>; metadata: Record<string, string> } {
  if (buf.length < 8) throw new Error(`${what}: file too short`);
  const hlen = Number(buf.readBigUInt64LE(0));
  if (8 + hlen > buf.length) throw new Error(`${what}: header length ${hlen} exceeds file size`);
  const header = JSON.parse(buf.subarray(8, 8 + hlen).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const base = 8 + hlen;
  const tensors: Record<string, NamedArray> = {};
  let metadata: Record<string, string> = {};
  for (const [name, h] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = h as unknown as Record<string, string>;
      continue;
    }
    const [a, b] = h.data_offsets;
    const bytes = buf.subarray(base + a, base + b);
    const copy = new ArrayBuffer(bytes.length); // aligned copy
    new Uint8Array(copy).set(bytes);
    if (h.dtype === 'F32') tensors[name] = { data: new Float32Array(copy), shape: h.shape };
    else if (h.dtype === 'I32') tensors[name] = { data: new Int32Array(copy), shape: h.shape };
    else throw new Error(`${what}: tensor ${name}: dtype ${h.dtype} is not supported (F32, I32)`);
  }
  return { tensors, metadata };
}

export function readSafetensors(path: string) {
  return decodeSafetensors(readFileSync(path), path);
}
