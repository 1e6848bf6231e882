// SigV4 verification: parse the Authorization header and recompute the signature with @smithy/signature-v4
// over the same method, path, query, signed headers, body and X-Amz-Date.
import { timingSafeEqual } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

export interface ParsedAuthorization {
  accessKeyId: string;
  shortDate: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

export interface IncomingSigned {
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  headers: Record<string, string>;
  body: Buffer;
}

const AUTH_RE =
  /^AWS4-HMAC-SHA256\s+Credential=([^/\s,]+)\/(\d{8})\/([^/\s,]+)\/([^/\s,]+)\/aws4_request,\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/;

/** Returns null when the header is not a well-formed SigV4 Authorization header. */
export function parseAuthorization(header: string): ParsedAuthorization | null {
  const m = AUTH_RE.exec(header.trim());
  if (!m) return null;
  const [, accessKeyId, shortDate, region, service, signed, signature] = m;
  if (!accessKeyId || !shortDate || !region || !service || !signed || !signature) return null;
  return { accessKeyId, shortDate, region, service, signedHeaders: signed.split(';'), signature };
}

/** Parses X-Amz-Date (yyyyMMddTHHmmssZ). */
export function parseAmzDate(value: string | undefined): Date | null {
  const m = value ? /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value) : null;
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number);
  return new Date(Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 1, h ?? 0, mi ?? 0, s ?? 0));
}

export async function verifySignature(
  req: IncomingSigned,
  auth: ParsedAuthorization,
  signingDate: Date,
  credentials: { accessKeyId: string; secretAccessKey: string },
): Promise<boolean> {
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = req.headers[name];
    if (value === undefined) return false;
    headers[name] = value;
  }
  const signer = new SignatureV4({
    // The session token, when signed, is already among `headers`; it is checked separately.
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    region: auth.region,
    service: auth.service,
    sha256: Sha256,
    uriEscapePath: true,
    applyChecksum: false,
  });
  const hostHeader = req.headers.host ?? '';
  const [hostname = '', port] = hostHeader.split(':');
  const signed = await signer.sign(
    {
      method: req.method,
      protocol: 'http:',
      hostname,
      ...(port ? { port: Number(port) } : {}),
      path: req.path,
      query: req.query,
      headers,
      body: req.body.length > 0 ? req.body : undefined,
    },
    {
      signingDate,
      signingRegion: auth.region,
      signingService: auth.service,
      signableHeaders: new Set(auth.signedHeaders),
    },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization ?? ''))?.[1];
  const expectedList = /SignedHeaders=([^,\s]+)/.exec(String(signed.headers.authorization ?? ''))?.[1];
  if (!expected || expectedList !== auth.signedHeaders.join(';')) return false;
  return timingSafeEqual(Buffer.from(expected), Buffer.from(auth.signature));
}
