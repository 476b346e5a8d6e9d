// Seeded input mutation for fuzz tests.

export { rng } from './rng.ts';

export function mutate(src: Buffer, r: () => number): Buffer {
  const b = Buffer.from(src);
  const kind = Math.floor(r() * 5);
  const at = Math.floor(r() * b.length);
  switch (kind) {
    case 0: // flip 1–8 random bytes
      for (let i = Math.floor(r() * 8) + 1; i > 0; i--) b[Math.floor(r() * b.length)] ^= 1 << Math.floor(r() * 8);
      return b;
    case 1: // truncate
      return b.subarray(0, at);
    case 2: // insert random bytes
      return Buffer.concat([b.subarray(0, at), Buffer.from(Array.from({ length: 1 + Math.floor(r() * 64) }, () => Math.floor(r() * 256))), b.subarray(at)]);
    case 3: // duplicate a span
      return Buffer.concat([b.subarray(0, at), b.subarray(Math.floor(r() * b.length), Math.floor(r() * b.length) + 200), b.subarray(at)]);
    default: // zero a span
      b.fill(0, at, Math.min(b.length, at + 1 + Math.floor(r() * 512)));
      return b;
  }
}

