import { generateKeyPairSync } from "node:crypto";

/** A fresh RSA key in the PEM form GitHub gives a GitHub App (tests and benchmarks authenticate as the app with it). */
export function generateAppKey(): string {
  return generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  }).privateKey;
}
