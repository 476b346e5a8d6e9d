// Per-label precision/recall/F1 and macro-F1 (over the gold labels), for language-id evaluation.

export interface LabelScore {
  support: number;
  precision: number;
  recall: number;
  f1: number;
}

export function macroF1(gold: string[], pred: string[]): { macro: number; accuracy: number; perLabel: Map<string, LabelScore> } {
  const tp = new Map<string, number>();
  const predicted = new Map<string, number>();
  const support = new Map<string, number>();
  let correct = 0;
  for (let i = 0; i < gold.length; i++) {
    support.set(gold[i], (support.get(gold[i]) ?? 0) + 1);
    predicted.set(pred[i], (predicted.get(pred[i]) ?? 0) + 1);
    if (gold[i] === pred[i]) {
      tp.set(gold[i], (tp.get(gold[i]) ?? 0) + 1);
      correct++;
    }
  }
  const perLabel = new Map<string, LabelScore>();
  let sum = 0;
  for (const [label, n] of support) {
    const t = tp.get(label) ?? 0;
    const p = predicted.get(label) ? t / predicted.get(label)! : 0;
    const r = t / n;
    const f1 = p + r ? (2 * p * r) / (p + r) : 0;
    perLabel.set(label, { support: n, precision: p, recall: r, f1 });
    sum += f1;
  }
  return { macro: support.size ? sum / support.size : 0, accuracy: gold.length ? correct / gold.length : 0, perLabel };
}
