import { INSTALLED_KAFKAJS_VERSION, PATCHED_KAFKAJS_VERSION } from './kafkajs-version.js';

/** A kafkajs internal that a patch relies on is not where, or not what, the patch expects. */
export class KafkajsPatchError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(`${message} (the kafkajs patches are written for kafkajs ${PATCHED_KAFKAJS_VERSION}: check the installed version)`, options);
    this.name = 'KafkajsPatchError';
  }
}

/** Throws KafkajsPatchError unless `installed` is the kafkajs release the patches are written for. */
export function assertPatchedKafkajsVersion(installed: string = INSTALLED_KAFKAJS_VERSION): void {
  if (installed !== PATCHED_KAFKAJS_VERSION) throw new KafkajsPatchError(`kafkajs ${installed} is installed`);
}

/** A function's source without whitespace, so a check also holds for minified (bundled) code. */
export function compactSource(fn: unknown): string {
  return typeof fn === 'function' ? Function.prototype.toString.call(fn).replace(/\s+/g, '') : '';
}
