import { X509Certificate } from "node:crypto";

/**
 * The operator's egress settings for sandboxes (docs/sandbox.md#egress), as the sandbox uses
 * them: the CA certificates a TLS-inspecting proxy signs with, the proxies, and an optional
 * allowlist enforced outside the container by Droid's egress proxy. `config/` reads them from
 * `DROID_SANDBOX_*` variables with the parsers below.
 */
export interface SandboxEgress {
  /** PEM certificates (certificate blocks only) trusted in addition to the image's own CAs; null: none. */
  caCertificates: string | null;
  /** The operator's proxies, http:// URLs; credentials in them stay in Droid's egress proxy when there is an allowlist. */
  proxy: { http: string | null; https: string | null; noProxy: string[] };
  /** Hosts the sandbox may reach, only through Droid's egress proxy; null: no allowlist (a direct route out). */
  allow: EgressHostPattern[] | null;
}

export const NO_SANDBOX_EGRESS: SandboxEgress = { caCertificates: null, proxy: { http: null, https: null, noProxy: [] }, allow: null };

/** One allowlist entry: `*`, `host`, `*.domain` (its subdomains, not itself), each with an optional `:port`. */
export type EgressHostPattern =
  | { kind: "any"; port: number | null }
  | { kind: "host"; host: string; port: number | null }
  | { kind: "subdomains"; domain: string; port: number | null };

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

const NAME = /^(?:[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*$/;
const IPV6 = /^\[[0-9a-f:.]+\]$/;

/** `registry.npmjs.org,*.pypi.org,files.example.com:8443` → patterns; lower case, no scheme or path. */
export function parseEgressAllowlist(text: string): Parsed<EgressHostPattern[]> {
  const entries = text.split(",").map((entry) => entry.trim().toLowerCase()).filter((entry) => entry !== "");
  if (entries.length === 0) return { ok: false, problem: "a comma-separated list of host patterns such as registry.npmjs.org,*.pypi.org" };
  const patterns: EgressHostPattern[] = [];
  for (const entry of entries) {
    const pattern = parseHostPattern(entry);
    if (pattern === null) {
      return { ok: false, problem: `${JSON.stringify(entry)} is not a host pattern (host, *.domain or *, with an optional :port; no scheme or path)` };
    }
    patterns.push(pattern);
  }
  return { ok: true, value: patterns };
}

function parseHostPattern(entry: string): EgressHostPattern | null {
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?$/.exec(entry);
  if (!match) return null;
  const host = match[1] ?? "";
  const port = match[2] === undefined ? null : Number(match[2]);
  if (port !== null && (port < 1 || port > 65_535)) return null;
  if (host === "*") return { kind: "any", port };
  if (host.startsWith("*.")) return NAME.test(host.slice(2)) ? { kind: "subdomains", domain: host.slice(2), port } : null;
  return NAME.test(host) || IPV6.test(host) ? { kind: "host", host, port } : null;
}

/** `DROID_SANDBOX_HTTP_PROXY` and friends: an http:// URL. Problems never repeat the URL's credentials. */
export function parseProxyUrl(text: string): Parsed<string> {
  let url: URL | null;
  try {
    url = new URL(text.trim());
  } catch {
    url = null;
  }
  if (url?.protocol === "http:" && url.hostname !== "") return { ok: true, value: text.trim() };
  const shown = url ? `${url.protocol}//${url.host}` : "not a URL";
  return { ok: false, problem: `an http:// URL such as http://proxy.example.com:3128 (got ${shown})` };
}

/** `localhost,.corp.example,10.1.2.3` → lower-case entries (`*` means every host). */
export function parseNoProxy(text: string): string[] {
  return text.split(",").map((entry) => entry.trim().toLowerCase()).filter((entry) => entry !== "");
}

/**
 * The certificates of a PEM bundle, checked one by one. A bundle holding a private key is
 * refused: whatever is in it would be copied into every sandbox with network.
 */
export function parseCaCertificates(pem: string): Parsed<string> {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) return { ok: false, problem: "holds a private key; give a file of CA certificates only" };
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) return { ok: false, problem: "holds no PEM certificate (-----BEGIN CERTIFICATE-----)" };
  const invalid = blocks.findIndex((block) => !isCertificate(block));
  if (invalid !== -1) return { ok: false, problem: `certificate ${invalid + 1} of ${blocks.length} is not a valid X.509 certificate` };
  return { ok: true, value: `${blocks.join("\n")}\n` };
}

function isCertificate(pem: string): boolean {
  try {
    return new X509Certificate(pem).raw.length > 0;
  } catch {
    return false;
  }
}

/** The proxies' passwords (and user names carrying them): strings to keep out of logs and comments. */
export function proxyCredentials(egress: SandboxEgress): string[] {
  const found = new Set<string>();
  for (const text of [egress.proxy.http, egress.proxy.https]) {
    if (text === null) continue;
    const url = new URL(text);
    if (url.password === "") continue;
    found.add(url.password);
    found.add(decodeURIComponent(url.password));
  }
  return [...found];
}
