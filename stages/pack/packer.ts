// Packs tokenized documents, each framed as `BOS doc EOS` (either may be absent), into rows of
// exactly rowLen tokens. Pure (no I/O): rows go to a callback, so the stage, tests and the bench
// share it.
//
// Modes:
//   concat  documents run on across rows (no padding except the task's final row)
//   pad     a document never crosses a row boundary if it fits in a row: when the next document
//           does not fit in what is left, the row is padded; documents longer than a row are
//           split across whole rows
//   split   every document starts a new row (one document per row); long documents span rows
// With `overlap`, rows are seqLen+1 long and a row that ends inside a token stream (mid-document,
// or anywhere in concat mode) is followed by a row starting with the same last token, so every
// input/target pair (x = row[:-1], y = row[1:]) is seen once.
//
// Conservation: rows × rowLen = tokensIn + special + pad + overlap (checked by the tests).

export type PackMode = 'concat' | 'pad' | 'split';
export const PACK_MODES: PackMode[] = ['concat', 'pad', 'split'];

export interface PackerOptions {
  rowLen: number;
  mode: PackMode;
  overlap: boolean;
  /** Token ids; -1 = not used. */
  bos: number;
  eos: number;
  pad: number;
}

/** Token ids of one row; the packer writes into it (uint16 when the shard's ids are uint16). */
export type RowBuffer = Uint16Array | Uint32Array;

/**
 * Receives each finished row. `row` is the buffer the packer wrote (its own, reused for the next
 * row, or the one `nextRow` handed out).
 */
export type RowSink = (row: RowBuffer, numTokens: number, docStarts: number[], docIds: string[]) => void;

export interface PackCounts {
  docs: number;
  tokensIn: number;
  /** BOS/EOS tokens added. */
  special: number;
  pad: number;
  /** Tokens repeated at the start of a row (overlap mode). */
  overlap: number;
  rows: number;
}

export class Packer {
  readonly counts: PackCounts = { docs: 0, tokensIn: 0, special: 0, pad: 0, overlap: 0, rows: 0 };
  private row: RowBuffer;
  private pos = 0;
  /** The row starts with a token repeated from the previous row. */
  private carried = false;
  private starts: number[] = [];
  private ids: string[] = [];
  private lastDoc = -1;

  /**
   * `nextRow`, when given, hands out the buffer of each next row (e.g. the slot of the row in a
   * shard writer's record batch), so rows are packed where they are written from: no copy.
   */
  constructor(
    readonly o: PackerOptions,
    private readonly sink: RowSink,
    private readonly nextRow?: () => RowBuffer,
  ) {
    if (!(o.rowLen >= 2)) throw new Error(`row length must be at least 2, got ${o.rowLen}`);
    this.row = nextRow ? nextRow() : new Uint32Array(o.rowLen);
  }

  /** Add one document's tokens. */
  add(tokens: Uint32Array, id: string): void {
    const { o } = this;
    const hasBos = o.bos >= 0 ? 1 : 0;
    const hasEos = o.eos >= 0 ? 1 : 0;
    const L = tokens.length + hasBos + hasEos;
    const docIndex = this.counts.docs++;
    this.counts.tokensIn += tokens.length;
    this.counts.special += hasBos + hasEos;
    if (L === 0) return;
    const R = o.rowLen;
    if (o.mode === 'split' && this.hasContent()) this.emit(false);
    else if (o.mode === 'pad' && this.hasContent() && L > R - this.pos) this.emit(false);
    // Write the virtual sequence [bos?, ...tokens, eos?] from index k on.
    let k = 0;
    let first = true;
    while (k < L) {
      if (this.lastDoc !== docIndex) {
        this.ids.push(id);
        this.lastDoc = docIndex;
      }
      if (first) {
        this.starts.push(this.pos);
        first = false;
      }
      const n = Math.min(R - this.pos, L - k);
      this.copy(tokens, hasBos, k, n);
      k += n;
      this.pos += n;
      if (this.pos === R) {
        const more = k < L;
        this.emit(o.overlap && (more || o.mode === 'concat'));
      }
    }
  }

  /** Pad and emit the last partial row (end of a task). */
  finish(): void {
    if (this.hasContent()) this.emit(false);
    else this.reset();
  }

  /** True when the row holds tokens beyond a carried one. */
  private hasContent(): boolean {
    return this.pos > (this.carried ? 1 : 0);
  }

  private copy(tokens: Uint32Array, hasBos: number, k: number, n: number): void {
    const { row, o } = this;
    let p = this.pos;
    let end = k + n;
    if (hasBos && k === 0) {
      row[p++] = o.bos;
      k = 1;
    }
    const tokEnd = Math.min(end, tokens.length + hasBos);
    if (k < tokEnd) {
      row.set(tokens.subarray(k - hasBos, tokEnd - hasBos), p);
      p += tokEnd - k;
      k = tokEnd;
    }
    if (k < end) row[p++] = o.eos; // only the EOS can be left
  }

  private emit(carry: boolean): void {
    const { row, o } = this;
    const R = o.rowLen;
    const used = this.pos;
    if (used < R) {
      row.fill(o.pad, used);
      this.counts.pad += R - used;
    }
    if (this.carried) this.counts.overlap++;
    this.counts.rows++;
    this.sink(row, used, this.starts, this.ids);
    const lastId = this.ids[this.ids.length - 1];
    const lastToken = row[R - 1];
    if (this.nextRow) this.row = this.nextRow();
    this.starts = [];
    if (carry) {
      this.row[0] = lastToken;
      this.pos = 1;
      this.carried = true;
      this.ids = [lastId];
    } else {
      this.reset();
    }
  }

  private reset(): void {
    this.pos = 0;
    this.carried = false;
    this.ids = [];
    this.starts = [];
    this.lastDoc = -1;
  }
}
