/** The benchmark report as aligned text for the terminal and docs/performance.md, section by section. */
import type { BenchReport } from './bench-report.js';
import { ceilingsSection } from './ceilings-section.js';
import { costSection } from './cost-section.js';
import { handlersSection } from './handlers-section.js';
import { headerSection } from './header-section.js';
import { pipelineSection } from './pipeline-section.js';
import { profileSection } from './profile-section.js';
import { measuredStores } from './report-values.js';
import { scalingSection } from './scaling-section.js';
import { targetsSection } from './targets-section.js';

export function formatReport(report: BenchReport): string {
  const stores = measuredStores(report);
  return [
    ...headerSection(report),
    ...ceilingsSection(report, stores),
    ...pipelineSection(report, stores),
    ...handlersSection(report, stores),
    ...scalingSection(report),
    ...costSection(report),
    ...targetsSection(report),
    ...profileSection(report),
    ...report.errors.map((error) => `ERROR ${error}`),
  ].join('\n');
}
