/**
 * Authentication: bearer tokens from --token-auth-file (upstream's CSV: token,user,uid,"group1,group2")
 * and client certificates signed by --client-ca-file (CN = user, O = groups). Nothing else: 401.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { KubeError } from '../../api/errors.js';

export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
}

/** Parse a token file; bad lines are a configuration error naming the line. */
export function parseTokenFile(text: string): Map<string, UserInfo> {
  const out = new Map<string, UserInfo>();
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) return;
    const fields = parseCsvLine(t);
    if (fields.length < 3) {
      throw new KubeError('BadRequest', `token file: line ${i + 1}: expected at least 3 fields (token,user,uid), got ${fields.length}`, {
        code: 'ERR_CONFIG',
      });
    }
    const [token, name, uid, groups] = fields as [string, string, string, string | undefined];
    out.set(token, {
      name,
      uid,
      groups: groups ? groups.split(',').map((g) => g.trim()).filter(Boolean) : [],
    });
  });
  return out;
}

function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.map((s) => s.trim());
}

export class Authenticator {
  constructor(private readonly tokens: Map<string, UserInfo>) {}

  static fromTokenFile(path: string | undefined): Authenticator {
    return new Authenticator(path ? parseTokenFile(readFileSync(path, 'utf8')) : new Map());
  }

  /** The user, or undefined for an anonymous request. A presented but wrong credential is 401 too. */
  authenticate(req: IncomingMessage): UserInfo | undefined {
    const auth = req.headers.authorization;
    if (auth) {
      const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
      if (m) {
        const u = this.tokens.get(m[1]!.trim());
        if (u) return withAuthenticated(u);
      }
      return undefined;
    }
    const sock = req.socket as TLSSocket;
    if (typeof sock.getPeerCertificate === 'function' && sock.authorized) {
      const cert = sock.getPeerCertificate();
      if (cert && cert.subject) {
        const cn = asArray(cert.subject.CN)[0];
        if (cn) return withAuthenticated({ name: cn, groups: asArray(cert.subject.O) });
      }
    }
    return undefined;
  }
}

function asArray(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

function withAuthenticated(u: UserInfo): UserInfo {
  return u.groups.includes('system:authenticated') ? u : { ...u, groups: [...u.groups, 'system:authenticated'] };
}
