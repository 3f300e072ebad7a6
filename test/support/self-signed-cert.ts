import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A throwaway certificate for localhost and 127.0.0.1, made with openssl; its own CA. */
export interface SelfSignedCert {
  readonly certFile: string;
  readonly keyFile: string;
  /** The certificate's PEM, to trust it as a CA. */
  readonly pem: Buffer;
  remove(): void;
}

/** Generates a fresh key and self-signed certificate in a temporary directory (needs openssl on PATH). */
export function createSelfSignedCert(): SelfSignedCert {
  const dir = mkdtempSync(join(tmpdir(), "wn-tls-"));
  const certFile = join(dir, "cert.pem");
  const keyFile = join(dir, "key.pem");
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", keyFile, "-out", certFile, "-days", "1", "-subj", "/CN=localhost",
    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
  ], { stdio: "pipe" });
  return { certFile, keyFile, pem: readFileSync(certFile), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
