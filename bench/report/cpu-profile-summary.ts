/**
 * Summarises a V8 .cpuprofile (node --cpu-prof, or the inspector's Profiler): self time by package
 * (node_modules package, project folder, Node internals, GC) and by function.
 *
 *   npx tsx bench/report/cpu-profile-summary.ts <file.cpuprofile> [--top 20]
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface SelfTime {
  name: string;
  ms: number;
  /** Share of all sampled time, 0..1. */
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  byPackage: SelfTime[];
  byFunction: SelfTime[];
}

/** Where a frame's code lives: "pg-protocol", "@electric-sql/pglite", "src/stages", "node:internal", "(garbage collector)", ... */
export function packageOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node:internal';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  const project = /\/(src|local|functions|bench|test)\/([^/]+)\//.exec(url);
  if (project) return `${project[1]}/${project[2]}`;
  const file = /\/(src|local|functions|bench|test)\/[^/]+$/.exec(url);
  return file ? `${file[1]}/` : url;
}

function functionLabel(frame: CallFrame): string {
  const file = frame.url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*?\/(src|local|functions|bench)\//, '$1/');
  const name = frame.functionName || '(anonymous)';
  return frame.url ? `${name} ${file}:${frame.lineNumber + 1}` : name;
}

function ranked(map: Map<string, number>, totalMs: number, top: number): SelfTime[] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, ms]) => ({ name, ms: Math.round(ms), share: totalMs > 0 ? Math.round((ms / totalMs) * 1000) / 1000 : 0 }));
}

/** Self time per node from samples and time deltas (or hit counts times the mean interval). */
export function summariseProfile(profile: CpuProfile, top = 20): ProfileSummary {
  const selfUs = new Map<number, number>();
  if (profile.samples && profile.timeDeltas && profile.samples.length === profile.timeDeltas.length) {
    // timeDeltas[i] is the time before sample i; attribute each interval to the sample that ends it.
    for (let i = 0; i < profile.samples.length; i++) {
      const id = profile.samples[i] as number;
      selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, profile.timeDeltas[i] as number));
    }
  } else {
    const hits = profile.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0);
    const interval = hits > 0 ? (profile.endTime - profile.startTime) / hits : 0;
    for (const node of profile.nodes) selfUs.set(node.id, (node.hitCount ?? 0) * interval);
  }
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let totalUs = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (us === 0) continue;
    totalUs += us;
    const pkg = packageOf(node.callFrame);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us / 1000);
    const fn = functionLabel(node.callFrame);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us / 1000);
  }
  const totalMs = totalUs / 1000;
  return { totalMs: Math.round(totalMs), byPackage: ranked(byPackage, totalMs, top), byFunction: ranked(byFunction, totalMs, top) };
}

/** The summary as aligned text. */
export function formatProfileSummary(summary: ProfileSummary): string {
  const line = (t: SelfTime) => `  ${(t.share * 100).toFixed(1).padStart(5)}%  ${String(t.ms).padStart(7)} ms  ${t.name}`;
  return [
    `self time over ${summary.totalMs.toLocaleString('en-US')} ms of samples, by package:`,
    ...summary.byPackage.map(line),
    'by function:',
    ...summary.byFunction.map(line),
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '20' } } });
  const file = positionals[0];
  if (!file) {
    console.error('usage: cpu-profile-summary.ts <file.cpuprofile> [--top N]');
    process.exit(2);
  }
  try {
    console.log(formatProfileSummary(summariseProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, Number(values.top))));
  } catch (error) {
    console.error(`cannot summarise ${file}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
