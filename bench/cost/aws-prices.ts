/**
 * AWS on-demand list prices the cost model uses: us-east-1, first pricing tier, no free tier.
 * Each price names the official page and a dated third-party copy of the figure (the official
 * pages render their price tables with scripts, so the copy shows the number as text).
 */

export interface Price {
  readonly usd: number;
  readonly unit: string;
  readonly source: string;
  /** A dated page quoting the same figure. */
  readonly corroboration: string;
}

export const PRICES_REGION = 'us-east-1';
/** When these figures were checked against the sources. */
export const PRICES_CHECKED = '2026-11-25';

const LAMBDA = 'https://aws.amazon.com/lambda/pricing/';
const MSK = 'https://aws.amazon.com/msk/pricing/';
const AURORA = 'https://aws.amazon.com/rds/aurora/pricing/';

export const AWS_PRICES = {
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    unit: 'GB-second (Arm, first 7.5 billion GB-s a month)',
    source: LAMBDA,
    corroboration:
      'https://cloudchipr.com/blog/aws-lambda-pricing ("AWS Lambda Pricing Breakdown: Ultimate Guide 2024", US East (N. Virginia))',
  },
  lambdaRequest: {
    usd: 0.2 / 1_000_000,
    unit: 'request ($0.20 per million, x86 and Arm)',
    source: LAMBDA,
    corroboration: 'https://cloudchipr.com/blog/aws-lambda-pricing (2024)',
  },
  mskServerlessClusterHour: {
    usd: 0.75,
    unit: 'MSK Serverless cluster-hour',
    source: MSK,
    corroboration:
      'https://gist.github.com/EverettBerry/d24aa940ad43c313803248cea6366682 (MSK Serverless price table, 2022-10-03; same figures in docs/aws.md)',
  },
  mskServerlessPartitionHour: {
    usd: 0.0015,
    unit: 'MSK Serverless partition-hour',
    source: MSK,
    corroboration: 'https://gist.github.com/EverettBerry/d24aa940ad43c313803248cea6366682 (2022-10-03)',
  },
  mskServerlessDataInGb: {
    usd: 0.1,
    unit: 'GiB written to MSK Serverless',
    source: MSK,
    corroboration: 'https://gist.github.com/EverettBerry/d24aa940ad43c313803248cea6366682 (2022-10-03)',
  },
  mskServerlessDataOutGb: {
    usd: 0.05,
    unit: 'GiB read from MSK Serverless',
    source: MSK,
    corroboration: 'https://gist.github.com/EverettBerry/d24aa940ad43c313803248cea6366682 (2022-10-03)',
  },
  auroraServerlessV2AcuHour: {
    usd: 0.12,
    unit: 'Aurora Serverless v2 ACU-hour (Aurora Standard, PostgreSQL-compatible)',
    source: AURORA,
    corroboration:
      'https://github.com/aws/agent-toolkit-for-aws (skills/.../amazon-aurora-mysql/scripts/acu_calculator.py: us-east-1 static price 0.12 $/ACU-h, last updated 2026-03-28); https://www.factualminds.com/blog/amazon-aurora-pricing-io-optimized-serverless-v2-global/ (us-east-1, June 2026)',
  },
} as const satisfies Record<string, Price>;

/** Lambda allocates CPU in proportion to memory: one vCPU at 1,769 MB (Lambda developer guide, "Configure Lambda function memory"). */
export const LAMBDA_MB_PER_VCPU = 1769;
export const LAMBDA_MEMORY_SOURCE = 'https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html';
