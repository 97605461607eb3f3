/**
 * @module
 * The few XML documents localfc's OSS answers with (an error, a ListObjects page). Written by hand: two flat documents
 * of escaped text elements do not justify an XML library.
 */
import type { OssError, StoredObject } from '../../domain/object-store.ts';

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[ch]!);
}

function elements(fields: ReadonlyArray<readonly [string, string]>, indent: string): string {
  return fields.map(([name, value]) => `${indent}<${name}>${escapeXml(value)}</${name}>\n`).join('');
}

/** OSS's error body: Code, Message, RequestId, HostId, then what the error adds (BucketName, Key, …). */
export function errorXml(e: OssError, requestId: string, hostId: string): string {
  const fields: Array<readonly [string, string]> = [['Code', e.code], ['Message', e.message], ['RequestId', requestId], ['HostId', hostId], ...Object.entries(e.details)];
  return `${DECLARATION}<Error>\n${elements(fields, '  ')}</Error>\n`;
}

/** ListObjects (GetBucket, version 1) for one page. */
export function listObjectsXml(page: { bucket: string; prefix: string; marker: string; maxKeys: number; objects: readonly StoredObject[]; nextMarker?: string | undefined }): string {
  const contents = page.objects
    .map((o) => `  <Contents>\n${elements([
      ['Key', o.key],
      ['LastModified', new Date(o.lastModified).toISOString()],
      ['ETag', o.etag],
      ['Type', 'Normal'],
      ['Size', String(o.body.length)],
      ['StorageClass', 'Standard'],
    ], '    ')}  </Contents>\n`)
    .join('');
  const head = elements([
    ['Name', page.bucket],
    ['Prefix', page.prefix],
    ['Marker', page.marker],
    ['MaxKeys', String(page.maxKeys)],
    ['Delimiter', ''],
    ['IsTruncated', String(page.nextMarker !== undefined)],
    ...(page.nextMarker !== undefined ? [['NextMarker', page.nextMarker] as const] : []),
  ], '  ');
  return `${DECLARATION}<ListBucketResult>\n${head}${contents}</ListBucketResult>\n`;
}
