// float expf(float) as musl (Arm optimized-routines) computes it, the libm that the WebAssembly
// fastText build links: exp(x) = 2^(k/32) * p(r) in double, rounded once to float. Its error is
// 0.502 ulp, so on ~0.2% of inputs it differs by one ulp from a correctly rounded exp, which
// Math.fround(Math.exp(x)) would give; using the same kernel keeps fastText's scores bit-identical.

const hex = (mantissa: bigint, exp: number) => (Number(mantissa) / 2 ** 52) * 2 ** exp;

// 2^(i/32) (exp2f_data.c: tab[i] + (i << 47) as the bits of a double)
const TAB = [
  0x3ff0000000000000n, 0x3fefd9b0d3158574n, 0x3fefb5586cf9890fn, 0x3fef9301d0125b51n, 0x3fef72b83c7d517bn, 0x3fef54873168b9aan,
  0x3fef387a6e756238n, 0x3fef1e9df51fdee1n, 0x3fef06fe0a31b715n, 0x3feef1a7373aa9cbn, 0x3feedea64c123422n, 0x3feece086061892dn,
  0x3feebfdad5362a27n, 0x3feeb42b569d4f82n, 0x3feeab07dd485429n, 0x3feea47eb03a5585n, 0x3feea09e667f3bcdn, 0x3fee9f75e8ec5f74n,
  0x3feea11473eb0187n, 0x3feea589994cce13n, 0x3feeace5422aa0dbn, 0x3feeb737b0cdc5e5n, 0x3feec49182a3f090n, 0x3feed503b23e255dn,
  0x3feee89f995ad3adn, 0x3feeff76f2fb5e47n, 0x3fef199bdd85529cn, 0x3fef3720dcef9069n, 0x3fef5818dcfba487n, 0x3fef7c97337b9b5fn,
  0x3fefa4afa2a490dan, 0x3fefd0765b6e4540n,
];
const POW2 = new Float64Array(32);
{
  const v = new DataView(new ArrayBuffer(8));
  TAB.forEach((t, i) => {
    v.setBigUint64(0, t + (BigInt(i) << 47n));
    POW2[i] = v.getFloat64(0);
  });
}
const N = 32;
const INV_LN2_N = hex(0x171547652b82fen, 0) * N;
const SHIFT = 1.5 * 2 ** 52;
const C0 = hex(0x1c6af84b912394n, -5) / N / N / N;
const C1 = hex(0x1ebfce50fac4f3n, -3) / N / N;
const C2 = hex(0x162e42ff0c52d6n, -1) / N;
const OVERFLOW = Math.fround(hex(0x162e42e0000000n, 6)); // 0x1.62e42ep6f ≈ 88.72
const UNDERFLOW = -Math.fround(hex(0x19fe3680000000n, 6)); // -0x1.9fe368p6f ≈ -103.97

/** expf of a float32 value, returned as float32 (bit-identical to musl's). */
export function expf(x: number): number {
  if (!(x <= OVERFLOW)) return x > 0 ? Infinity : NaN;
  if (x < UNDERFLOW) return 0;
  const z = INV_LN2_N * x;
  const kd = z + SHIFT - SHIFT; // round to nearest integer, ties to even
  const r = z - kd;
  const s = POW2[kd & 31] * 2 ** Math.floor(kd / 32);
  const y = (C0 * r + C1) * (r * r) + (C2 * r + 1);
  return Math.fround(y * s);
}
