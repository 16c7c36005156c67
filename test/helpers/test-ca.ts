import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** A throwaway certificate authority and one server certificate it signed, as PEM text. */
export interface TestCa {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/**
 * Makes a CA (valid two days) and a server certificate for `names` with the openssl CLI, the
 * way an enterprise's TLS-inspecting proxy has its own CA that nothing trusts by default.
 */
export function makeTestCa(names: readonly string[]): TestCa {
  const dir = mkdtempSync(path.join(tmpdir(), "droid-test-ca-"));
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  try {
    openssl("req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Droid test CA",
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    openssl("req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", `/CN=${names[0] ?? "localhost"}`);
    writeFileSync(
      file("server.ext"),
      [
        `subjectAltName=${names.map((name) => `DNS:${name}`).join(",")}`,
        "basicConstraints=CA:FALSE",
        "keyUsage=critical,digitalSignature",
        "extendedKeyUsage=serverAuth",
        "subjectKeyIdentifier=hash",
        "authorityKeyIdentifier=keyid",
      ].join("\n"),
    );
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext");
    return { caPem: readFileSync(file("ca.pem"), "utf8"), certPem: readFileSync(file("server.pem"), "utf8"), keyPem: readFileSync(file("server.key"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
