/**
 * Sessions of the run pages, kept in the reader's browser only: a cookie whose payload
 * (login, expiry, a random session id, and the user's GitHub token encrypted with
 * AES-256-GCM) is signed with HMAC-SHA256. Nothing of a session is stored on the server;
 * a cookie that was altered, signed with another key or expired is no session. The OAuth
 * `state` travels the same way, signed, for ten minutes.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";

export interface Session {
  /** Random; names the session in the access cache (never the token). */
  id: string;
  login: string;
  token: string;
  /** Epoch ms after which the session is over. */
  expiresAt: number;
}

export interface OAuthState {
  state: string;
  /** Where to go after signing in (a path under /runs). */
  next: string;
  expiresAt: number;
}

export const SESSION_COOKIE = "droid_session";
export const STATE_COOKIE = "droid_oauth_state";
const STATE_MS = 10 * 60 * 1000;

export class SessionCodec {
  readonly #signKey: Buffer;
  readonly #cryptKey: Buffer;
  readonly #now: () => number;

  /** `secret`: `DROID_SESSION_SECRET`, or the App's client secret (the keys are derived, never the secret itself used). */
  constructor(secret: string, now: () => number = Date.now) {
    this.#signKey = Buffer.from(hkdfSync("sha256", secret, "droid run pages", "session signature", 32));
    this.#cryptKey = Buffer.from(hkdfSync("sha256", secret, "droid run pages", "session token encryption", 32));
    this.#now = now;
  }

  newSession(login: string, token: string, lifetimeMs: number): Session {
    return { id: randomBytes(16).toString("base64url"), login, token, expiresAt: this.#now() + lifetimeMs };
  }

  sealSession(session: Session): string {
    return this.#sign({ k: "session", i: session.id, l: session.login, t: this.#encrypt(session.token), e: session.expiresAt });
  }

  openSession(cookie: string | undefined): Session | null {
    const data = this.#verify(cookie);
    if (data?.k !== "session" || typeof data.i !== "string" || typeof data.l !== "string" || typeof data.t !== "string" || typeof data.e !== "number") return null;
    if (data.e <= this.#now()) return null;
    const token = this.#decrypt(data.t);
    return token === null ? null : { id: data.i, login: data.l, token, expiresAt: data.e };
  }

  newState(next: string): OAuthState {
    return { state: randomBytes(24).toString("base64url"), next, expiresAt: this.#now() + STATE_MS };
  }

  sealState(state: OAuthState): string {
    return this.#sign({ k: "state", s: state.state, n: state.next, e: state.expiresAt });
  }

  /** The state a callback carries, checked against the signed cookie's (constant time); null when they differ or it expired. */
  checkState(cookie: string | undefined, returned: string | null): OAuthState | null {
    const data = this.#verify(cookie);
    if (data?.k !== "state" || typeof data.s !== "string" || typeof data.n !== "string" || typeof data.e !== "number" || returned === null) return null;
    if (data.e <= this.#now() || !sameText(data.s, returned)) return null;
    return { state: data.s, next: data.n, expiresAt: data.e };
  }

  #sign(data: Record<string, unknown>): string {
    const payload = Buffer.from(JSON.stringify(data)).toString("base64url");
    return `${payload}.${this.#mac(payload)}`;
  }

  #verify(cookie: string | undefined): Record<string, unknown> | null {
    if (!cookie) return null;
    const [payload, mac, ...rest] = cookie.split(".");
    if (!payload || !mac || rest.length > 0 || !sameText(mac, this.#mac(payload))) return null;
    try {
      const data: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
      return typeof data === "object" && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  }

  #mac(payload: string): string {
    return createHmac("sha256", this.#signKey).update(payload).digest("base64url");
  }

  #encrypt(text: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.#cryptKey, iv);
    const sealed = Buffer.concat([cipher.update(text, "utf8"), cipher.final()]);
    return [iv, sealed, cipher.getAuthTag()].map((b) => b.toString("base64url")).join("~");
  }

  #decrypt(text: string): string | null {
    const [iv, sealed, tag] = text.split("~").map((p) => Buffer.from(p, "base64url"));
    if (!iv || !sealed || !tag) return null;
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.#cryptKey, iv);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(sealed), decipher.final()]).toString("utf8");
    } catch {
      return null;
    }
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The cookies of a request, by name (the first of each name). */
export function readCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? "").split(";")) {
    const at = part.indexOf("=");
    if (at < 0) continue;
    const name = part.slice(0, at).trim();
    if (!cookies.has(name)) cookies.set(name, part.slice(at + 1).trim());
  }
  return cookies;
}

/** A `Set-Cookie` value for the run pages: HttpOnly, SameSite=Lax (the OAuth callback is a top-level navigation), Secure over https. */
export function cookie(name: string, value: string, options: { maxAgeSeconds: number; secure: boolean }): string {
  return [`${name}=${value}`, "Path=/runs", `Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`, "HttpOnly", "SameSite=Lax", ...(options.secure ? ["Secure"] : [])].join("; ");
}
