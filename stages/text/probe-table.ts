// Scratch arrays of an open-addressing hash table reused from document to document: a slot is in
// use only when its `gen` equals the generation `begin` returned, so starting over costs nothing
// (no clearing). The caller probes with `mask`, keeps a 32-bit key and an int value per slot.

export class ProbeTable {
  key = new Int32Array(0);
  val = new Int32Array(0);
  gen = new Int32Array(0);
  /** Slots of this use: a power of two ≥ 2n (at least 64), minus one. */
  mask = 0;
  private stamp = 0;

  /** Start a use for up to n entries; returns its generation. */
  begin(n: number): number {
    let cap = 64;
    while (cap < n * 2) cap <<= 1;
    if (this.key.length < cap) {
      this.key = new Int32Array(cap);
      this.val = new Int32Array(cap);
      this.gen = new Int32Array(cap);
      this.stamp = 0;
    }
    this.mask = cap - 1;
    return ++this.stamp;
  }
}
