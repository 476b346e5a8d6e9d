// The MinHash inner loop as a tiny WebAssembly module, assembled here from opcodes (no toolchain
// needed at build time). WASM has native 64-bit multiply and unsigned compare, which JS lacks
// (BigInt is ~100× slower), so this gives 64-bit permutations h(x) = a·x + b mod 2^64 at
// about the speed of a 32-bit Math.imul loop. Four permutations share each load of a shingle
// and keep four independent min chains in registers.
//
//   minhash(xPtr, n, abPtr, k, outPtr):
//     for p in 0..k step 4:            (k is padded to a multiple of 4 by the caller)
//       a_j, b_j = ab[p+j]             (16 bytes per permutation: a then b)
//       m_j = 2^64-1
//       for each shingle hash x in x[0..n): m_j = min_u(m_j, a_j·x + b_j)
//       out[p+j] = m_j

const I32 = 0x7f;
const I64 = 0x7e;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const str = (s: string) => [...uleb(s.length), ...Buffer.from(s, 'utf8')];
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];

// Opcodes used.
const op = {
  block: 0x02, loop: 0x03, br: 0x0c, brIf: 0x0d, end: 0x0b,
  get: 0x20, set: 0x21, tee: 0x22, select: 0x1b,
  i32const: 0x41, i64const: 0x42, i32add: 0x6a, i32shl: 0x74, i32geU: 0x4f,
  i64load: 0x29, i64store: 0x37, i64mul: 0x7e, i64add: 0x7c, i64ltU: 0x54,
} as const;

function minhashBody(): number[] {
  // params: 0 xPtr, 1 n, 2 abPtr, 3 k, 4 outPtr
  // locals: 5 ptr, 6 end, 7 p, 8 q (i32); 9 x, 10-13 a, 14-17 b, 18-21 m, 22 h (i64)
  const [xPtr, n, abPtr, k, outPtr, ptr, end, p, q, x] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const a = (j: number) => 10 + j;
  const b = (j: number) => 14 + j;
  const m = (j: number) => 18 + j;
  const h = 22;
  const c: number[] = [];
  const get = (i: number) => c.push(op.get, ...uleb(i));
  const set = (i: number) => c.push(op.set, ...uleb(i));
  const load64 = (offset: number) => c.push(op.i64load, 3, ...uleb(offset));
  const store64 = (offset: number) => c.push(op.i64store, 3, ...uleb(offset));

  // end = xPtr + n*8
  get(xPtr); get(n); c.push(op.i32const, ...sleb(3), op.i32shl, op.i32add); set(end);
  c.push(op.i32const, 0); set(p);
  c.push(op.block, 0x40, op.loop, 0x40);
  // if p >= k: break
  get(p); get(k); c.push(op.i32geU, op.brIf, 1);
  // q = abPtr + p*16
  get(abPtr); get(p); c.push(op.i32const, ...sleb(4), op.i32shl, op.i32add); set(q);
  for (let j = 0; j < 4; j++) {
    get(q); load64(j * 16); set(a(j));
    get(q); load64(j * 16 + 8); set(b(j));
    c.push(op.i64const, ...sleb(-1)); set(m(j));
  }
  get(xPtr); set(ptr);
  c.push(op.block, 0x40, op.loop, 0x40);
  get(ptr); get(end); c.push(op.i32geU, op.brIf, 1);
  get(ptr); load64(0); set(x);
  for (let j = 0; j < 4; j++) {
    // h = x*a + b; m = h <u m ? h : m
    get(x); get(a(j)); c.push(op.i64mul); get(b(j)); c.push(op.i64add, op.tee, ...uleb(h));
    get(m(j)); get(h); get(m(j)); c.push(op.i64ltU, op.select); set(m(j));
  }
  get(ptr); c.push(op.i32const, ...sleb(8), op.i32add); set(ptr);
  c.push(op.br, 0, op.end, op.end);
  // out[p..p+4) = m
  for (let j = 0; j < 4; j++) {
    get(outPtr); get(p); c.push(op.i32const, ...sleb(3), op.i32shl, op.i32add); get(m(j)); store64(j * 8);
  }
  get(p); c.push(op.i32const, ...sleb(4), op.i32add); set(p);
  c.push(op.br, 0, op.end, op.end);
  c.push(op.end);
  const locals = vec([[4, I32], [14, I64]]);
  const body = [...locals, ...c];
  return [...uleb(body.length), ...body];
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32], [I32]]), ...vec([])]])),
    ...section(3, vec([[0]])),
    ...section(5, vec([[0x00, ...uleb(2)]])),
    ...section(7, vec([[...str('minhash'), 0x00, 0], [...str('memory'), 0x02, 0]])),
    ...section(10, vec([minhashBody()])),
  ];
  return new Uint8Array(bytes);
}

export interface MinhashKernel {
  memory: WebAssembly.Memory;
  minhash(xPtr: number, n: number, abPtr: number, k: number, outPtr: number): void;
}

let compiled: WebAssembly.Module | undefined;

/** A fresh kernel instance (own memory): one per MinHasher, so hashers never share buffers. */
export function minhashKernel(): MinhashKernel {
  compiled ??= new WebAssembly.Module(moduleBytes());
  const inst = new WebAssembly.Instance(compiled, {});
  return inst.exports as unknown as MinhashKernel;
}
