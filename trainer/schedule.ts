// Learning-rate schedule of nanoGPT: linear warmup, then cosine decay to minLr (default lr/10), then flat.

export interface ScheduleConfig {
  lr: number;
  warmupSteps: number;
  /** Step at which the cosine reaches minLr (usually the total step count). */
  decaySteps: number;
  minLr?: number;
}

/** Learning rate for 0-based optimizer step `it`. */
export function lrAt(s: ScheduleConfig, it: number): number {
  const minLr = s.minLr ?? s.lr / 10;
  if (it < s.warmupSteps) return (s.lr * (it + 1)) / (s.warmupSteps + 1);
  if (it >= s.decaySteps) return minLr;
  const ratio = (it - s.warmupSteps) / Math.max(1, s.decaySteps - s.warmupSteps);
  return minLr + 0.5 * (1 + Math.cos(Math.PI * ratio)) * (s.lr - minLr);
}
