/**
 * An archive on S3 (`s3://bucket/prefix`) read through a local cache: the objects of the
 * requested hours are listed (only the `<role>/event_date=YYYY-MM-DD/` prefixes of the dates in
 * range), downloaded into `.data/archive-cache/<bucket>/<prefix>/` with the same layout, checked
 * (size, and the MD5 when the ETag is one) and renamed into place, so the local reader reads them
 * as it reads the twin's folder. Files already cached with the same size are not fetched again
 * (archive files are never rewritten). DuckDB's httpfs extension would read S3 directly, but it is
 * downloaded at run time, which this tool cannot rely on.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { ArchivedTopicRole } from '../../src/pipeline/archive-definition.js';
import { checkArchiveManifest, checkManifestText, INCOMING_DIR, MANIFEST_FILE } from './archive-layout.js';
import type { TimeRange } from './archive-reader.js';
import { ArchiveError } from './errors.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
export const DEFAULT_ARCHIVE_CACHE_DIR = join('.data', 'archive-cache');

/** Reading the S3 archive failed: no credentials, no bucket, access denied, a bad download. */
export class S3ArchiveError extends ArchiveError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'S3ArchiveError';
  }
}

export interface S3ArchiveLocation {
  readonly bucket: string;
  /** The archive's root inside the bucket, without leading or trailing slash ('' for the bucket's root). */
  readonly prefix: string;
}

export function parseS3ArchiveUrl(url: string): S3ArchiveLocation {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!match?.[1]) throw new S3ArchiveError(`--archive must be s3://<bucket>[/<prefix>], got "${url}"`);
  return { bucket: match[1], prefix: (match[2] ?? '').replace(/^\/+|\/+$/g, '') };
}

export const s3ArchiveUrl = (location: S3ArchiveLocation): string =>
  `s3://${location.bucket}${location.prefix ? `/${location.prefix}` : ''}`;

/** A client from the default provider chain; AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL point it at another S3 server. */
export function defaultS3Client(env: NodeJS.ProcessEnv = process.env): S3Client {
  const endpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  return new S3Client(endpoint ? { endpoint, forcePathStyle: true } : {});
}

/** UTC dates whose hours overlap [fromMs, toMs): the date prefixes to list. */
export function datesInRange(range: TimeRange): string[] {
  const dates: string[] = [];
  for (let day = Math.floor(range.fromMs / DAY_MS) * DAY_MS; day < range.toMs; day += DAY_MS) {
    dates.push(new Date(day).toISOString().slice(0, 10));
  }
  return dates;
}

export interface SyncProgress {
  readonly files: number;
  readonly totalFiles: number;
  readonly bytes: number;
  readonly totalBytes: number;
}

export interface S3SyncOptions {
  readonly location: S3ArchiveLocation;
  readonly role: ArchivedTopicRole;
  readonly range: TimeRange;
  /** Cache root (default .data/archive-cache); the archive lands in <root>/<bucket>/<prefix>. */
  readonly cacheDir?: string;
  readonly client?: S3Client;
  /** Called after each downloaded file. */
  readonly onProgress?: (progress: SyncProgress) => void;
}

export interface S3SyncResult {
  /** The local archive folder to open with ArchiveReader. */
  readonly dir: string;
  /** Objects of the range on S3. */
  readonly objects: number;
  readonly downloaded: number;
  readonly downloadedBytes: number;
}

interface ListedObject {
  readonly key: string;
  readonly size: number;
  readonly etag: string | undefined;
}

/** Downloads the archive files of a range into the cache; returns the folder to read. */
export async function syncS3ArchiveRange(options: S3SyncOptions): Promise<S3SyncResult> {
  const { location, role, range } = options;
  const client = options.client ?? defaultS3Client();
  const ownClient = options.client === undefined;
  const dir = join(options.cacheDir ?? DEFAULT_ARCHIVE_CACHE_DIR, location.bucket, ...location.prefix.split('/').filter(Boolean));
  const root = location.prefix ? `${location.prefix}/` : '';
  try {
    await checkRemoteManifest(client, location, root);
    const objects: ListedObject[] = [];
    for (const date of datesInRange(range)) {
      const datePrefix = `${root}${role}/event_date=${date}/`;
      for (const object of await listAll(client, location.bucket, datePrefix)) {
        // Exactly <date prefix>event_hour=HH/<name>.parquet: anything else (or a key that would leave the cache) is not ours.
        const hour = /^event_hour=(\d{2})\/[^/]+\.parquet$/.exec(object.key.slice(datePrefix.length))?.[1];
        if (hour === undefined) continue;
        const start = Date.parse(`${date}T${hour}:00:00Z`);
        if (start < range.toMs && start + HOUR_MS > range.fromMs) objects.push(object);
      }
    }
    // The cache is this tool's own folder: a manifest of the current version (Firehose writes none).
    checkArchiveManifest(dir, { create: true });
    const missing = objects.filter((object) => cachedSize(join(dir, object.key.slice(root.length))) !== object.size);
    const totalBytes = missing.reduce((sum, object) => sum + object.size, 0);
    let bytes = 0;
    let files = 0;
    for (const object of missing) {
      await download(client, location, object, join(dir, object.key.slice(root.length)), dir);
      bytes += object.size;
      files++;
      options.onProgress?.({ files, totalFiles: missing.length, bytes, totalBytes });
    }
    return { dir, objects: objects.length, downloaded: missing.length, downloadedBytes: totalBytes };
  } catch (error) {
    throw explain(error, location);
  } finally {
    if (ownClient) client.destroy();
  }
}

async function listAll(client: S3Client, bucket: string, prefix: string): Promise<ListedObject[]> {
  const out: ListedObject[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const item of page.Contents ?? []) {
      if (item.Key) out.push({ key: item.Key, size: item.Size ?? 0, etag: item.ETag });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/** An archive synced from the twin carries its manifest: refuse another version, as the local reader does. */
async function checkRemoteManifest(client: S3Client, location: S3ArchiveLocation, root: string): Promise<void> {
  let body: string;
  try {
    const response = await client.send(new GetObjectCommand({ Bucket: location.bucket, Key: `${root}${MANIFEST_FILE}` }));
    body = (await response.Body?.transformToString('utf8')) ?? '';
  } catch (error) {
    if (error instanceof S3ServiceException && (error.name === 'NoSuchKey' || error.name === 'NotFound')) return;
    throw error;
  }
  checkManifestText(s3ArchiveUrl(location), body);
}

function cachedSize(path: string): number | undefined {
  try {
    return statSync(path).size;
  } catch {
    return undefined;
  }
}

/** Fetches one object, checks size and MD5 (plain ETags only: multipart ETags are not an MD5), renames it into place. */
async function download(client: S3Client, location: S3ArchiveLocation, object: ListedObject, path: string, dir: string): Promise<void> {
  const response = await client.send(new GetObjectCommand({ Bucket: location.bucket, Key: object.key }));
  const bytes = Buffer.from((await response.Body?.transformToByteArray()) ?? new Uint8Array());
  const where = `s3://${location.bucket}/${object.key}`;
  if (bytes.length !== object.size) throw new S3ArchiveError(`download of ${where} is incomplete: ${bytes.length} bytes of ${object.size}`);
  const etag = (response.ETag ?? object.etag ?? '').replace(/"/g, '');
  if (/^[0-9a-f]{32}$/i.test(etag)) {
    const md5 = createHash('md5').update(bytes).digest('hex');
    if (md5 !== etag.toLowerCase()) throw new S3ArchiveError(`download of ${where} is corrupt: MD5 ${md5}, ETag ${etag}`);
  }
  // Written under the cache's .incoming/ (never read) and renamed: a reader sees a whole file or none.
  const incoming = join(dir, INCOMING_DIR);
  mkdirSync(incoming, { recursive: true });
  const temporary = join(incoming, `${randomUUID()}.parquet`);
  writeFileSync(temporary, bytes);
  mkdirSync(dirname(path), { recursive: true });
  renameSync(temporary, path);
}

/** S3 and credential failures as one line naming the problem. */
function explain(error: unknown, location: S3ArchiveLocation): unknown {
  if (error instanceof ArchiveError) return error;
  const url = s3ArchiveUrl(location);
  const name = error instanceof Error ? error.name : '';
  const status = error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
  if (name === 'CredentialsProviderError')
    return new S3ArchiveError(
      `no AWS credentials to read ${url} (set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run where a role provides them)`,
      { cause: error },
    );
  if (error instanceof Error && /Region is missing/i.test(error.message))
    return new S3ArchiveError(`no AWS region to read ${url} (set AWS_REGION, or a region in the profile)`, { cause: error });
  if (name === 'NoSuchBucket') return new S3ArchiveError(`bucket ${location.bucket} does not exist (${url})`, { cause: error });
  if (name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch')
    return new S3ArchiveError(`the AWS credentials were refused for ${url}: ${(error as Error).message}`, { cause: error });
  if (name === 'AccessDenied' || status === 403)
    return new S3ArchiveError(`access denied to ${url} (reading needs s3:ListBucket and s3:GetObject): ${(error as Error).message}`, {
      cause: error,
    });
  return new S3ArchiveError(`reading ${url} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}
