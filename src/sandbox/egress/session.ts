import path from "node:path";
import type { Readable } from "node:stream";
import type Docker from "dockerode";
import type { Logger } from "pino";
import { readArchiveFiles } from "../archive-unpack.ts";
import { STATE_DIR } from "../exec.ts";
import type { SandboxOwner } from "../labels.ts";
import type { NetworkPolicy } from "../settings.ts";
import { type EgressGate, openEgressGate } from "./gate.ts";
import type { SandboxEgress } from "./policy.ts";

/**
 * One sandbox's way out while it has network: the network it joins, the variables its commands
 * get (CA bundle, proxies), and — with an allowlist — the gate it goes out through. Commands get
 * `env` only until `close()`: `disconnectNetwork` (after setup under `network: setup`) and
 * `remove` close it, so the agent's commands under `setup` see neither proxy nor CA variables.
 */
export interface EgressSession {
  readonly networkName: string;
  /** Variables for commands while the sandbox has network; empty once closed. */
  readonly env: Readonly<Record<string, string>>;
  /** Copies the CA bundle into the started sandbox (`/droid/ca/`). */
  install(sandbox: SandboxFiles): Promise<void>;
  /** Stops the gate, if any (after the sandbox left its network). Safe to call more than once. */
  close(): Promise<void>;
}

/** What installing needs of the sandbox. */
export interface SandboxFiles {
  getArchive(sourcePath: string): Promise<Readable>;
  writeFile(filePath: string, content: string | Buffer, options?: { mode?: number }): Promise<void>;
}

export interface EgressSessionOptions {
  egress: SandboxEgress;
  network: NetworkPolicy;
  /** The network the sandbox (or, with an allowlist, the gate) reaches the world through. */
  outsideNetwork: string;
  owner: SandboxOwner;
  /** The sandbox's unique suffix; the gate is `droid-egress-<suffix>`. */
  suffix: string;
  logger: Logger;
}

export const CA_DIR = `${STATE_DIR}/ca`;
/** The image's own CAs followed by the operator's: for tools whose variable replaces the default store. */
export const CA_BUNDLE_PATH = `${CA_DIR}/bundle.pem`;
/** The operator's CAs alone: for NODE_EXTRA_CA_CERTS, which adds to Node's own. */
export const CA_EXTRA_PATH = `${CA_DIR}/operator.pem`;
const BUNDLE_VARIABLES = ["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "PIP_CERT", "CURL_CA_BUNDLE", "GIT_SSL_CAINFO", "npm_config_cafile", "CARGO_HTTP_CAINFO"];
/** Where images keep their system CA bundle (Debian/Ubuntu/Alpine, RHEL/Fedora, openSUSE); links are not followed. */
const IMAGE_BUNDLES = ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/ca-bundle.pem"];
const MAX_IMAGE_BUNDLE_BYTES = 4 * 1024 * 1024;
/** Inside the sandbox with a gate, only loopback goes direct (there is no other route). */
const GATED_NO_PROXY = "localhost,127.0.0.1,::1";

export async function openEgressSession(docker: Docker, options: EgressSessionOptions): Promise<EgressSession> {
  const { egress } = options;
  if (options.network === "none") return session(options.outsideNetwork, {}, null, async () => {});
  const gate =
    egress.allow === null
      ? null
      : await openEgressGate(docker, {
          owner: options.owner,
          name: `droid-egress-${options.suffix}`,
          outsideNetwork: options.outsideNetwork,
          allow: egress.allow,
          upstream: egress.proxy,
          logger: options.logger,
        });
  const proxies = gate ? { http: gate.proxyUrl, https: gate.proxyUrl, noProxy: GATED_NO_PROXY } : { ...egress.proxy, noProxy: egress.proxy.noProxy.join(",") };
  const env = { ...proxyEnv(proxies), ...(egress.caCertificates === null ? {} : caEnv()) };
  const install = async (sandbox: SandboxFiles) => {
    if (egress.caCertificates !== null) await installCaBundle(sandbox, egress.caCertificates, options);
  };
  return session(gate?.networkName ?? options.outsideNetwork, env, gate, install);
}

function session(networkName: string, env: Record<string, string>, gate: EgressGate | null, install: EgressSession["install"]): EgressSession {
  let closed = false;
  return {
    networkName,
    get env() {
      return closed ? {} : env;
    },
    install,
    async close() {
      if (closed) return;
      closed = true;
      await gate?.close();
    },
  };
}

/** HTTP_PROXY, HTTPS_PROXY, NO_PROXY in both cases (tools disagree on which they read). */
function proxyEnv(proxies: { http: string | null; https: string | null; noProxy: string }): Record<string, string> {
  const env: Record<string, string> = {};
  const set = (name: string, value: string | null) => {
    if (value === null || value === "") return;
    env[name.toUpperCase()] = value;
    env[name] = value;
  };
  set("http_proxy", proxies.http);
  set("https_proxy", proxies.https);
  if (proxies.http !== null || proxies.https !== null) set("no_proxy", proxies.noProxy);
  // Node ≥ 22.21 / 24.5: fetch and http honour the variables above only with this.
  if (proxies.http !== null || proxies.https !== null) env["NODE_USE_ENV_PROXY"] = "1";
  return env;
}

function caEnv(): Record<string, string> {
  return { ...Object.fromEntries(BUNDLE_VARIABLES.map((name) => [name, CA_BUNDLE_PATH])), NODE_EXTRA_CA_CERTS: CA_EXTRA_PATH };
}

async function installCaBundle(sandbox: SandboxFiles, certificates: string, options: EgressSessionOptions): Promise<void> {
  const own = await imageBundle(sandbox);
  if (own === null) {
    options.logger.warn({ jobId: options.owner.jobId, looked: IMAGE_BUNDLES }, "the image has no CA bundle where expected; the sandbox trusts only the operator's CAs");
  }
  await sandbox.writeFile(CA_EXTRA_PATH, certificates);
  await sandbox.writeFile(CA_BUNDLE_PATH, own === null ? certificates : `${own.toString("utf8").trimEnd()}\n${certificates}`);
}

async function imageBundle(sandbox: SandboxFiles): Promise<Buffer | null> {
  for (const file of IMAGE_BUNDLES) {
    try {
      const files = await readArchiveFiles(await sandbox.getArchive(file), { maxBytes: MAX_IMAGE_BUNDLE_BYTES });
      const content = files.get(path.posix.basename(file));
      if (content !== undefined) return content;
    } catch {
      // absent, a link, or too large: try the next place
    }
  }
  return null;
}
