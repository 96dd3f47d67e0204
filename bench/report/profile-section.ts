/** The CPU profile of the saturated twin, when one was taken. */

import type { BenchReport } from './bench-report.js';
import { formatProfileSummary } from './cpu-profile-summary.js';
import { n, STORE_NAMES } from './report-values.js';

export function profileSection(report: BenchReport): string[] {
  const profile = report.profile;
  if (!profile) return [];
  return [
    `CPU profile of the twin at ${n(profile.rate)} events/s for ${profile.seconds} s (${STORE_NAMES[profile.store]}): ${profile.path}`,
    formatProfileSummary(profile.summary),
    '',
  ];
}
