// Password hashes of an htpasswd file (Apache's formats, what `htpasswd` and `openssl passwd` write):
//   $2y$ / $2a$ / $2b$   bcrypt (htpasswd -B)                         — bcryptjs
//   {SHA}                base64 SHA-1, unsalted (htpasswd -s)          — legacy, accepted for migration
//   $apr1$               Apache's salted MD5 (htpasswd -m, the default) — legacy, accepted for migration
// Anything else (crypt(3) DES, $5$/$6$ SHA-crypt, plain text) is refused when the file is loaded,
// naming the line, rather than never matching at login time.
import { createHash, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';

export type HashKind = 'bcrypt' | 'sha1' | 'apr1';

export function hashKind(hash: string): HashKind | null {
  if (/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash)) return 'bcrypt';
  if (/^\{SHA\}[A-Za-z0-9+/]{27}=$/.test(hash)) return 'sha1';
  if (/^\$apr1\$[^$]{1,8}\$[./0-9A-Za-z]{22}$/.test(hash)) return 'apr1';
  return null;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** True when `password` matches `hash` (a hash hashKind() accepted). */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  switch (hashKind(hash)) {
    case 'bcrypt':
      return bcrypt.compare(password, hash);
    case 'sha1':
      return same(`{SHA}${createHash('sha1').update(password, 'utf8').digest('base64')}`, hash);
    case 'apr1':
      return same(apr1(password, hash.split('$')[2]!), hash);
    default:
      return false;
  }
}

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Apache's APR1 MD5-crypt (apr_md5.c), the `htpasswd -m` format. */
export function apr1(password: string, salt: string): string {
  const md5 = (...parts: (Buffer | string)[]) => {
    const h = createHash('md5');
    for (const p of parts) h.update(p);
    return h.digest();
  };
  const pw = Buffer.from(password, 'utf8');
  const magic = '$apr1$';
  salt = salt.slice(0, 8);
  let fin = md5(pw, salt, pw);
  const ctx: Buffer[] = [pw, Buffer.from(magic + salt)];
  for (let n = pw.length; n > 0; n -= 16) ctx.push(fin.subarray(0, Math.min(16, n)));
  for (let i = pw.length; i; i >>= 1) ctx.push(i & 1 ? Buffer.from([0]) : pw.subarray(0, 1));
  fin = md5(...ctx);
  for (let i = 0; i < 1000; i++) {
    const parts: Buffer[] = [];
    parts.push(i & 1 ? pw : fin);
    if (i % 3) parts.push(Buffer.from(salt));
    if (i % 7) parts.push(pw);
    parts.push(i & 1 ? fin : pw);
    fin = md5(...parts);
  }
  const to64 = (v: number, n: number) => {
    let s = '';
    for (; n > 0; n--, v >>= 6) s += ITOA64[v & 0x3f];
    return s;
  };
  const b = fin;
  const out =
    to64((b[0]! << 16) | (b[6]! << 8) | b[12]!, 4) +
    to64((b[1]! << 16) | (b[7]! << 8) | b[13]!, 4) +
    to64((b[2]! << 16) | (b[8]! << 8) | b[14]!, 4) +
    to64((b[3]! << 16) | (b[9]! << 8) | b[15]!, 4) +
    to64((b[4]! << 16) | (b[10]! << 8) | b[5]!, 4) +
    to64(b[11]!, 2);
  return `${magic}${salt}$${out}`;
}
