// Opaque NextToken helpers.
import { createHash } from 'node:crypto';

export function requestHash(value: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(value ?? null))
    .digest('base64url')
    .slice(0, 16);
}

/** Offset token bound to the request that produced it (other parameters must not change between pages). */
export function encodeOffsetToken(offset: number, hash: string): string {
  return Buffer.from(JSON.stringify({ o: offset, h: hash })).toString('base64');
}

/** Returns the offset, or undefined when the token is not one of ours for this request. */
export function decodeOffsetToken(token: string, hash: string): number | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { o?: unknown; h?: unknown };
    if (typeof parsed.o === 'number' && Number.isInteger(parsed.o) && parsed.o >= 0 && parsed.h === hash) {
      return parsed.o;
    }
  } catch {
    // fall through
  }
  return undefined;
}

/** Pages `items` with an offset token; `pageSize` items per page. */
export function pageOf<T>(
  items: T[],
  pageSize: number,
  token: string | undefined,
  hash: string,
  invalid: () => Error,
): { page: T[]; nextToken?: string } {
  let offset = 0;
  if (token !== undefined && token !== '') {
    const decoded = decodeOffsetToken(token, hash);
    if (decoded === undefined || decoded > items.length) throw invalid();
    offset = decoded;
  }
  const page = items.slice(offset, offset + pageSize);
  const end = offset + page.length;
  return end < items.length ? { page, nextToken: encodeOffsetToken(end, hash) } : { page };
}
