import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import Docker from "dockerode";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { readSettings } from "../../src/config/settings.ts";
import { CA_BUNDLE_PATH, CA_EXTRA_PATH, openEgressSession } from "../../src/sandbox/egress/session.ts";
import { NO_SANDBOX_EGRESS, type SandboxEgress, packEntries, parseEgressAllowlist, proxyCredentials } from "../../src/sandbox/index.ts";
import { makeTestCa } from "../helpers/test-ca.ts";

const ca = makeTestCa(["secure.droid.test"]);
const dir = mkdtempSync(path.join(tmpdir(), "droid-egress-settings-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pemFile = (name: string, content: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
};

describe("operator egress settings (DROID_SANDBOX_*)", () => {
  it("are off by default", () => {
    expect(readSettings({}).sandboxEgress).toEqual(NO_SANDBOX_EGRESS);
  });

  it("read the CA bundle once, keeping certificates only", () => {
    const file = pemFile("bundle.pem", `# corporate roots\n${ca.caPem}\n${ca.certPem}`);
    const egress = readSettings({ DROID_SANDBOX_CA_BUNDLE: file }).sandboxEgress;
    expect(egress.caCertificates).toBe(`${ca.caPem.trim()}\n${ca.certPem.trim()}\n`);
  });

  it("refuse a bundle that is missing, holds no certificate, a broken one or a private key", () => {
    expect(() => readSettings({ DROID_SANDBOX_CA_BUNDLE: path.join(dir, "absent.pem") })).toThrow(/DROID_SANDBOX_CA_BUNDLE: cannot read .*absent\.pem \(ENOENT\)/);
    expect(() => readSettings({ DROID_SANDBOX_CA_BUNDLE: pemFile("empty.pem", "nothing here") })).toThrow(/holds no PEM certificate/);
    const broken = ca.caPem.replace(/\n[A-Za-z0-9+/]{20}/, "\n!!!!!!!!!!!!!!!!!!!!");
    expect(() => readSettings({ DROID_SANDBOX_CA_BUNDLE: pemFile("broken.pem", broken) })).toThrow(/certificate 1 of 1 is not a valid X\.509 certificate/);
    expect(() => readSettings({ DROID_SANDBOX_CA_BUNDLE: pemFile("key.pem", `${ca.caPem}${ca.keyPem}`) })).toThrow(/holds a private key/);
  });

  it("take http:// proxies and never echo their credentials", () => {
    const egress = readSettings({
      DROID_SANDBOX_HTTP_PROXY: "http://corp:s3cret-pass@proxy.corp.example:3128",
      DROID_SANDBOX_HTTPS_PROXY: "http://proxy.corp.example:3128",
      DROID_SANDBOX_NO_PROXY: " .corp.example, Localhost ,",
    }).sandboxEgress;
    expect(egress.proxy).toEqual({ http: "http://corp:s3cret-pass@proxy.corp.example:3128", https: "http://proxy.corp.example:3128", noProxy: [".corp.example", "localhost"] });
    expect(proxyCredentials(egress)).toEqual(["s3cret-pass"]);
    const socks = { DROID_SANDBOX_HTTPS_PROXY: "socks5://corp:s3cret-pass@proxy:1080" };
    expect(() => readSettings(socks)).toThrow(/DROID_SANDBOX_HTTPS_PROXY: an http:\/\/ URL such as http:\/\/proxy\.example\.com:3128 \(got socks5:\/\/proxy:1080\)/);
    expect(() => readSettings(socks)).not.toThrow(/s3cret/);
  });

  it("parse the allowlist into host patterns", () => {
    expect(readSettings({ DROID_SANDBOX_EGRESS_ALLOW: "Registry.npmjs.org, *.pypi.org,files.example.com:8443,[::1]:80" }).sandboxEgress.allow).toEqual([
      { kind: "host", host: "registry.npmjs.org", port: null },
      { kind: "subdomains", domain: "pypi.org", port: null },
      { kind: "host", host: "files.example.com", port: 8443 },
      { kind: "host", host: "[::1]", port: 80 },
    ]);
    expect(parseEgressAllowlist("*")).toEqual({ ok: true, value: [{ kind: "any", port: null }] });
    for (const bad of ["https://registry.npmjs.org", "registry.npmjs.org/path", "*pypi.org", "a.*.org", "host:99999", " , "]) {
      expect(() => readSettings({ DROID_SANDBOX_EGRESS_ALLOW: bad })).toThrow(/DROID_SANDBOX_EGRESS_ALLOW/);
    }
  });
});

describe("what a sandbox's commands get", () => {
  const docker = new Docker({ socketPath: "/nonexistent/docker.sock" }); // never called without an allowlist
  const logger = pino({ level: "silent" });
  const open = (egress: SandboxEgress, network: "none" | "setup" | "full") =>
    openEgressSession(docker, { egress, network, outsideNetwork: "bridge", owner: { jobId: "job-1", instance: "test" }, suffix: "abcd", logger });
  const corporate: SandboxEgress = {
    caCertificates: ca.caPem,
    proxy: { http: "http://proxy.corp.example:3128", https: "http://proxy.corp.example:3128", noProxy: [".corp.example", "localhost"] },
    allow: null,
  };

  it("nothing without network, whatever the operator set", async () => {
    expect((await open(corporate, "none")).env).toEqual({});
  });

  it("the proxies in both cases and the CA bundle while there is network; nothing once closed", async () => {
    const session = await open(corporate, "setup");
    expect(session.networkName).toBe("bridge");
    expect(session.env).toMatchObject({
      HTTP_PROXY: "http://proxy.corp.example:3128",
      http_proxy: "http://proxy.corp.example:3128",
      HTTPS_PROXY: "http://proxy.corp.example:3128",
      https_proxy: "http://proxy.corp.example:3128",
      NO_PROXY: ".corp.example,localhost",
      no_proxy: ".corp.example,localhost",
      SSL_CERT_FILE: CA_BUNDLE_PATH,
      REQUESTS_CA_BUNDLE: CA_BUNDLE_PATH,
      PIP_CERT: CA_BUNDLE_PATH,
      CURL_CA_BUNDLE: CA_BUNDLE_PATH,
      GIT_SSL_CAINFO: CA_BUNDLE_PATH,
      npm_config_cafile: CA_BUNDLE_PATH,
      NODE_EXTRA_CA_CERTS: CA_EXTRA_PATH,
    });
    await session.close();
    expect(session.env).toEqual({});
  });

  it("no proxy variables when only a CA bundle is set", async () => {
    const env = (await open({ ...NO_SANDBOX_EGRESS, caCertificates: ca.caPem }, "full")).env;
    expect(Object.keys(env).filter((name) => /proxy/i.test(name))).toEqual([]);
    expect(env["SSL_CERT_FILE"]).toBe(CA_BUNDLE_PATH);
  });

  it("installs the image's own CAs followed by the operator's, and the operator's alone for Node", async () => {
    const written = new Map<string, string>();
    const files = {
      getArchive: async (file: string): Promise<Readable> => {
        if (file !== "/etc/ssl/certs/ca-certificates.crt") throw Object.assign(new Error("no such file"), { statusCode: 404 });
        return packEntries([{ type: "file", name: "ca-certificates.crt", content: "IMAGE ROOTS\n", mode: 0o644 }], { uid: 0, gid: 0 });
      },
      writeFile: async (file: string, content: string | Buffer) => void written.set(file, content.toString()),
    };
    await (await open(corporate, "setup")).install(files);
    expect(written.get(CA_EXTRA_PATH)).toBe(ca.caPem);
    expect(written.get(CA_BUNDLE_PATH)).toBe(`IMAGE ROOTS\n${ca.caPem}`);
  });

  it("trusts only the operator's CAs when the image's bundle is absent or too large to be one", async () => {
    const written = new Map<string, string>();
    const huge = "x".repeat(5 * 1024 * 1024);
    const files = {
      getArchive: async (): Promise<Readable> => packEntries([{ type: "file", name: "ca-certificates.crt", content: huge, mode: 0o644 }], { uid: 0, gid: 0 }),
      writeFile: async (file: string, content: string | Buffer) => void written.set(file, content.toString()),
    };
    await (await open(corporate, "setup")).install(files);
    expect(written.get(CA_BUNDLE_PATH)).toBe(ca.caPem);
  });
});
