/**
 * Zod schemas for custom resource properties. CloudFormation hands every property over as a
 * string, so structured ones travel as JSON and flags as "true" or "false". A problem is reported
 * naming the property (and the index of a bad item), as the first issue zod finds.
 */
import { z } from 'zod';

/** A property holding JSON that must match `schema`. */
export function jsonProperty<T extends z.ZodType>(schema: T, expected: string) {
  return z
    .string({ error: `must be ${expected}` })
    .transform((text, ctx): unknown => {
      try {
        return JSON.parse(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `is not JSON: ${(error as Error).message}` });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

/** An array whose items each match `item`; a bad item is reported by its index with `itemMessage`. */
export function arrayOf<T extends z.ZodType>(item: T, itemMessage: string, arrayMessage = 'must be an array') {
  return z.array(z.unknown(), { error: arrayMessage }).transform((items, ctx) =>
    items.map((value, index): z.output<T> => {
      const parsed = item.safeParse(value);
      if (parsed.success) return parsed.data;
      ctx.addIssue({ code: 'custom', path: [index], message: itemMessage });
      return z.NEVER;
    }),
  );
}

/** A "true" or "false" property, false when absent. */
export function flagProperty() {
  return z
    .enum(['true', 'false'], { error: (issue) => `must be "true" or "false", got ${JSON.stringify(issue.input)}` })
    .default('false')
    .transform((flag) => flag === 'true');
}

/** Parses the properties, throwing `toError` of the first problem: "property Name ..." or "Name[i] ...". */
export function parseProperties<T extends z.ZodType>(
  schema: T,
  properties: Record<string, unknown>,
  toError: (message: string) => Error,
): z.output<T> {
  const parsed = schema.safeParse(properties);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const [name, index] = issue?.path ?? [];
  const where = typeof index === 'number' ? `${String(name)}[${index}]` : `property ${String(name)}`;
  throw toError(`${where} ${issue?.message ?? 'is invalid'}`);
}
