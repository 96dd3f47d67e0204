/**
 * The pure parts of reading an S3 archive: the --archive URL, and which date prefixes a range lists
 * (UTC days, the end exclusive, a range across midnight or a month).
 */
import { describe, expect, it } from 'vitest';
import { firehoseRowToEvent } from '../../local/archive/archive-replay.js';
import { datesInRange, parseS3ArchiveUrl, S3ArchiveError, s3ArchiveUrl } from '../../local/archive/s3-archive.js';

const ms = (iso: string) => Date.parse(iso);

describe('S3 archive location', () => {
  it('parses s3://bucket[/prefix], trimming slashes, and refuses anything else naming the option', () => {
    expect(parseS3ArchiveUrl('s3://tributary-archive')).toEqual({ bucket: 'tributary-archive', prefix: '' });
    expect(parseS3ArchiveUrl('s3://my.bucket/prod/archive/')).toEqual({ bucket: 'my.bucket', prefix: 'prod/archive' });
    expect(s3ArchiveUrl(parseS3ArchiveUrl('s3://b-1/x/'))).toBe('s3://b-1/x');
    for (const bad of ['s3:/b', 'https://b/x', 's3://B/x', 's3://ab', '/tmp/archive']) {
      expect(() => parseS3ArchiveUrl(bad)).toThrow(S3ArchiveError);
      expect(() => parseS3ArchiveUrl(bad)).toThrow(`--archive must be s3://<bucket>[/<prefix>], got "${bad}"`);
    }
  });

  it('lists the UTC dates a range touches, the end exclusive', () => {
    expect(datesInRange({ fromMs: ms('2026-11-03T09:00:00Z'), toMs: ms('2026-11-03T12:00:00Z') })).toEqual(['2026-11-03']);
    expect(datesInRange({ fromMs: ms('2026-11-30T23:30:00Z'), toMs: ms('2026-12-01T00:00:00.001Z') })).toEqual([
      '2026-11-30',
      '2026-12-01',
    ]);
    expect(datesInRange({ fromMs: ms('2026-11-03T00:00:00Z'), toMs: ms('2026-11-04T00:00:00Z') })).toEqual(['2026-11-03']);
  });

  it('rebuilds an event from a Firehose row: camelCase names, nulls left out, epoch-ms times and int64s as numbers', () => {
    expect(
      firehoseRowToEvent({
        eventid: 'e-1',
        type: 'checkout',
        occurredat: '1762160400000',
        userid: null,
        deviceid: 'd-1',
        cartvalue: 12.5,
        itemcount: 3n,
        unknowncolumn: 'ignored',
      }),
    ).toEqual({ eventId: 'e-1', type: 'checkout', occurredAt: 1762160400000, deviceId: 'd-1', itemCount: 3, cartValue: 12.5 });
  });
});
