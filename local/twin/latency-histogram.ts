/** Latency percentiles at 1 ms resolution up to a minute (slower ones share the top bucket), in fixed memory. */
export class LatencyHistogram {
  private readonly counts: Uint32Array;
  private total = 0;
  private max = 0;

  constructor(private readonly limitMs = 60_000) {
    this.counts = new Uint32Array(limitMs + 1);
  }

  add(ms: number): void {
    const bucket = Math.min(this.limitMs, Math.max(0, Math.round(ms)));
    this.counts[bucket] = (this.counts[bucket] as number) + 1;
    this.total++;
    if (ms > this.max) this.max = ms;
  }

  get count(): number {
    return this.total;
  }

  /** The p-th percentile in ms (0 when empty). */
  percentile(p: number): number {
    if (this.total === 0) return 0;
    const rank = Math.ceil((p / 100) * this.total);
    let seen = 0;
    for (let ms = 0; ms < this.counts.length; ms++) {
      seen += this.counts[ms] as number;
      if (seen >= rank) return ms;
    }
    return this.limitMs;
  }

  summary(): { count: number; p50: number; p95: number; p99: number; max: number } {
    return { count: this.total, p50: this.percentile(50), p95: this.percentile(95), p99: this.percentile(99), max: Math.round(this.max) };
  }
}
