/** Runs bench/cost/stage-cost.ts (the handler cores without I/O) as it is, and reads its µs/record lines. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface StageCostBench {
  /** The output of bench/cost/stage-cost.ts (handler cores without I/O), as printed. */
  output: string;
  ingestMicrosPerRecord?: number;
  enrichMicrosPerRecord?: number;
}

const SCRIPT = fileURLToPath(new URL('./stage-cost.ts', import.meta.url));

/** Reads "ingest   16.21 us/record" style lines. */
export function parseStageCostOutput(output: string): StageCostBench {
  const micros = (label: string) => {
    const match = new RegExp(`^${label}[^\\n]*?([\\d.]+) us/record`, 'm').exec(output);
    return match?.[1] === undefined ? undefined : Number(match[1]);
  };
  const ingest = micros('ingest');
  const enrich = micros('enrich');
  return {
    output: output.trim(),
    ...(ingest !== undefined ? { ingestMicrosPerRecord: ingest } : {}),
    ...(enrich !== undefined ? { enrichMicrosPerRecord: enrich } : {}),
  };
}

export function runStageCost(records: number, databaseUrl: string): Promise<StageCostBench> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', SCRIPT, '--records', String(records)],
      { env: { ...process.env, DATABASE_URL: databaseUrl }, timeout: 600_000, maxBuffer: 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`bench/cost/stage-cost.ts failed: ${(stderr || error.message).trim().split('\n').at(-1)}`));
        else resolve(parseStageCostOutput(stdout));
      },
    );
  });
}
