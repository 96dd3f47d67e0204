/**
 * One CloudWatch dashboard per pipeline: offset lag per mapping; MSK time and offset lag per
 * consumer group; invocations, errors, throttles, p99 duration and concurrency per function; MSK
 * bytes in/out; records in/out/invalid per stage; ingest-to-queryable latency; DLQ traffic and
 * failure-queue depth; API requests, errors and latency; the provisioned-mode mapping counts
 * (polled, filtered, failed invoke, dropped); broker CPU, disk and under-replicated partitions on
 * provisioned clusters; Aurora capacity, connections, CPU, memory and commit latency. The rows are
 * built in dashboard-widgets.ts.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import {
  apiRow,
  auroraRow,
  brokerRow,
  consumerLagRow,
  flowRow,
  functionHealthRow,
  functionLoadRow,
  headerRow,
  mappingRow,
  recordsRow,
  WIDGET_HEIGHT,
} from './dashboard-widgets.js';
import type { ObservedPipeline } from './observed-pipeline.js';

export interface PipelineDashboardProps {
  readonly dashboardName: string;
  readonly observed: ObservedPipeline;
  readonly alarms: readonly cloudwatch.IAlarm[];
}

const ROWS = [headerRow, flowRow, recordsRow, functionHealthRow, functionLoadRow, auroraRow, consumerLagRow, apiRow, mappingRow, brokerRow];

export class PipelineDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: PipelineDashboardProps) {
    super(scope, id);
    this.dashboard = new cloudwatch.Dashboard(this, 'Resource', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(3),
    });
    for (const row of ROWS) {
      const widgets = row(props.observed);
      if (widgets.length > 0) this.dashboard.addWidgets(...widgets);
    }
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms], width: 24, height: WIDGET_HEIGHT }),
    );
  }
}
