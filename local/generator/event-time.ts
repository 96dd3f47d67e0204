/** The ways producers stamp event times; all are accepted by ingest and normalised to UTC there. */
export type TimeFormat = 'iso-utc' | 'iso-local' | 'epoch-ms';

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** ISO 8601 in UTC ("...Z"), ISO 8601 in local time with its offset ("...+05:30"), or epoch milliseconds. */
export function formatEventTime(ms: number, format: TimeFormat, utcOffsetMinutes: number): string | number {
  switch (format) {
    case 'epoch-ms':
      return ms;
    case 'iso-utc':
      return new Date(ms).toISOString();
    case 'iso-local': {
      const local = new Date(ms + utcOffsetMinutes * 60_000).toISOString().slice(0, 23);
      const sign = utcOffsetMinutes < 0 ? '-' : '+';
      const abs = Math.abs(utcOffsetMinutes);
      return `${local}${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
    }
  }
}
