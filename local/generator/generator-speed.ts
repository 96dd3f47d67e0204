/**
 * How fast the traffic generator makes records on this machine, without Kafka:
 * `npx tsx local/generator/generator-speed.ts [records]`.
 */
import { createTrafficGenerator } from './storefront-traffic.js';

const count = Number(process.argv[2] ?? 500_000);
if (!Number.isInteger(count) || count <= 0) {
  console.error(`records must be a whole number > 0, got "${process.argv[2]}"`);
  process.exit(1);
}

const setupStarted = performance.now();
const generator = createTrafficGenerator({ seed: 1 });
const setupMs = performance.now() - setupStarted;
// Warm up the JIT, then measure.
for (let i = 0; i < 20_000; i++) generator.next();
const started = performance.now();
let bytes = 0;
for (let i = 0; i < count; i++) bytes += generator.next().value?.length ?? 0;
const seconds = (performance.now() - started) / 1000;
console.log(
  `${count.toLocaleString('en-US')} records in ${seconds.toFixed(2)} s: ${Math.round(count / seconds).toLocaleString('en-US')} records/s, ` +
    `${(bytes / count).toFixed(0)} bytes/record on average (set-up ${setupMs.toFixed(0)} ms)`,
);
