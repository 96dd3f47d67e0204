let unique = 0;

/** A name no other test of this run uses (topics, groups, client ids): prefix, process id, counter. */
export const uniqueName = (prefix: string): string => `${prefix}-${process.pid}-${++unique}`;
