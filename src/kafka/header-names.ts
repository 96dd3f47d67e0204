/** Header names Tributary writes. DLQ headers say why, where and when a record was set aside. */
export const DlqHeader = {
  reason: 'tributary-dlq-reason',
  detail: 'tributary-dlq-detail',
  stage: 'tributary-dlq-stage',
  topic: 'tributary-dlq-source-topic',
  partition: 'tributary-dlq-source-partition',
  offset: 'tributary-dlq-source-offset',
  time: 'tributary-dlq-time',
} as const;

const DLQ_HEADER_NAMES: ReadonlySet<string> = new Set(Object.values(DlqHeader));

export function isDlqHeader(name: string): boolean {
  return DLQ_HEADER_NAMES.has(name);
}
