/** A kafkajs internal that a patch relies on is not where, or not what, the patch expects. */
export class KafkajsPatchError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(`${message} (the patches in src/kafka are written for kafkajs 2.2.4: check the installed version)`, options);
    this.name = 'KafkajsPatchError';
  }
}

/** A function's source without whitespace, so a check also holds for minified (bundled) code. */
export function compactSource(fn: unknown): string {
  return typeof fn === 'function' ? Function.prototype.toString.call(fn).replace(/\s+/g, '') : '';
}
