/** The benchmark report as aligned text for the terminal and docs/performance.md, section by section. */
import type { BenchReport } from './bench-report.js';
import { measuredStores } from './report-values.js';
import { ceilingsSection } from './sections/ceilings-section.js';
import { costSection } from './sections/cost-section.js';
import { handlersSection } from './sections/handlers-section.js';
import { headerSection } from './sections/header-section.js';
import { pipelineSection } from './sections/pipeline-section.js';
import { profileSection } from './sections/profile-section.js';
import { scalingSection } from './sections/scaling-section.js';
import { targetsSection } from './sections/targets-section.js';

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
