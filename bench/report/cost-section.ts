/** What a million events cost on AWS: per stage, the three stages, MSK data, the fixed hourly cost and the prices. */
import { STAGE_NAMES } from '../../src/pipeline/definition.js';
import type { CostModel } from '../cost/cost-model.js';
import type { BenchReport } from './bench-report.js';
import { n, row, STORE_NAMES, usd } from './report-values.js';

const COLUMNS = [8, 7, 6, 12, 22, 10, 12, 12];

function stageTable(cost: CostModel): string[] {
  const out = [row(['  stage', 'memory', 'batch', 'invocations', 'ms wall/cpu->billed', 'GB-s', 'compute', 'requests'], COLUMNS)];
  for (const stage of STAGE_NAMES) {
    const c = cost.stages[stage];
    const cells = [
      `  ${stage}`,
      `${c.memoryMb}`,
      `${c.batchSize}`,
      n(c.invocationsPerMillion),
      `${c.localWallMs}/${c.localCpuMs}->${c.billedMsPerInvocation}`,
      c.gbSecondsPerMillion.toFixed(1),
      usd(c.computeUsdPerMillion),
      usd(c.requestsUsdPerMillion),
    ];
    out.push(row(cells, COLUMNS));
  }
  return out;
}

function totals(cost: CostModel): string[] {
  const l = cost.lambdaPerMillion;
  const f = cost.fixedPerHour;
  const observed = STAGE_NAMES.map(
    (s) =>
      `${s} ${cost.stages[s].observed.meanRecordsPerInvocation} records ${usd(cost.stages[s].observed.computeUsdPerMillion + cost.stages[s].observed.requestsUsdPerMillion)}`,
  );
  return [
    `  Lambda, three stages: ${l.gbSeconds} GB-s = ${usd(l.computeUsd)} compute + ${usd(l.requestsUsd)} requests = ${usd(l.totalUsd)}`,
    `  compute if the whole wall time ran at one vCPU: ${usd(l.computeUsdWithoutCpuScale)}; upper bound from the emulator's durations under load, all scaled: ${l.computeUsdUpperBound === undefined ? '-' : usd(l.computeUsdUpperBound)}`,
    `  at the batch sizes seen at half load: ${observed.join(', ')} (compute + requests)`,
    `  MSK Serverless data: ${cost.mskDataPerMillion.writtenGiB} GiB written + ${cost.mskDataPerMillion.readGiB} GiB read = ${usd(cost.mskDataPerMillion.usd)}`,
    `  fixed per hour: MSK Serverless cluster ${usd(f.mskClusterUsd)} + ${f.partitions} partitions ${usd(f.mskPartitionsUsd)} + Aurora Serverless v2 ${f.auroraMinAcu} ACU ${usd(f.auroraUsd)} = ${usd(f.totalUsd)}/h (${usd(f.totalUsd * 730)} a month)`,
  ];
}

export function costSection(report: BenchReport): string[] {
  const cost = report.costModel;
  if (!cost) return [];
  return [
    `AWS cost per million events (${cost.region}, list prices checked ${cost.pricesChecked}; measured on ${STORE_NAMES[report.targetStore ?? 'postgres']})`,
    ...stageTable(cost),
    ...totals(cost),
    '  prices:',
    ...Object.values(cost.prices).map((p) => `    $${Number(p.usd.toPrecision(6))} per ${p.unit}: ${p.source}; also ${p.corroboration}`),
    '',
  ];
}
