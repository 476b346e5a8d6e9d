// Scatter reads: a run of consecutive rows of a shard file is read with one readv into the
// destinations the rows are meant for (slots of pending output batches), so the kernel's copy
// from the page cache is the only copy of the token bytes. Rows nobody wants inside a run are
// read into a junk row (cheaper than another syscall); longer gaps split the run.
import { readSync, readvSync } from 'node:fs';

/** Linux IOV_MAX: readv takes at most this many buffers. */
const MAX_IOV = 1024;
/** A gap of unwanted rows up to this long is read into the junk row instead of splitting the run. */
const MAX_JUNK = 8;

export class RowReads {
  private views: Uint8Array[] = [];
  private fd = -1;
  private pos = 0;
  /** File position after the run's last row, and unwanted rows since. */
  private next = -1;
  private gap = 0;
  private readonly junk: Uint8Array;
  /** Batch sequence number of the earliest output a pending row belongs to (Infinity: none). */
  minSeq = Infinity;

  constructor(private readonly rowBytes: number) {
    this.junk = new Uint8Array(rowBytes);
  }

  get pending(): boolean {
    return this.views.length > 0;
  }

  /**
   * The row at byte `pos` of the file `fd` goes to `dest` (null: not wanted). A row that does not
   * follow the run in the file (another file, another record batch, a jump) flushes the run:
   * continuity is by file position, never by row number (row r of the next record batch is not
   * after row r − 1 of this one).
   */
  add(fd: number, pos: number, dest: Uint8Array | null, seq = Infinity): void {
    if (dest === null) {
      if (this.views.length > 0 && fd === this.fd && pos === this.next) {
        this.next += this.rowBytes;
        this.gap++;
      }
      return;
    }
    if (this.views.length > 0 && (fd !== this.fd || pos !== this.next || this.gap > MAX_JUNK || this.views.length + this.gap >= MAX_IOV)) this.flush();
    if (this.views.length === 0) {
      this.fd = fd;
      this.pos = pos;
      this.gap = 0;
    }
    for (; this.gap > 0; this.gap--) this.views.push(this.junk);
    this.views.push(dest);
    this.next = pos + this.rowBytes;
    if (seq < this.minSeq) this.minSeq = seq;
  }

  flush(): void {
    const views = this.views;
    if (views.length === 0) return;
    this.views = [];
    this.gap = 0;
    this.minSeq = Infinity;
    const total = views.length * this.rowBytes;
    const got = readvSync(this.fd, views, this.pos);
    if (got < total) this.finishShort(views, got);
  }

  /** readv may return fewer bytes (signal, end of file): finish row by row, failing at EOF. */
  private finishShort(views: Uint8Array[], got: number): void {
    let at = this.pos;
    for (const v of views) {
      let off = Math.min(v.length, Math.max(0, got));
      got -= v.length;
      while (off < v.length) {
        const n = readSync(this.fd, v, off, v.length - off, at + off);
        if (n <= 0) throw new Error(`shard file truncated: row data ends before byte ${at + v.length}`);
        off += n;
      }
      at += v.length;
    }
  }
}
