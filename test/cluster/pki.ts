// A throwaway PKI for one test cluster: a CA, the apiserver's serving
// certificate, a client certificate for an admin in system:masters, and the
// service-account signing key pair. Keys are ECDSA P-256 from Node's crypto;
// certificates are signed by the `openssl` CLI. (@peculiar/x509 would do it
// in-process, but it needs a `reflect-metadata` polyfill that is not installed.)
import { execFile } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface PkiFile {
  path: string;
  pem: string;
}

export interface ClusterPki {
  caCertificate: PkiFile;
  servingCertificate: PkiFile;
  servingKey: PkiFile;
  adminCertificate: PkiFile;
  adminKey: PkiFile;
  serviceAccountKey: PkiFile;
  serviceAccountPublicKey: PkiFile;
}

/** The admin identity; system:masters bypasses RBAC, like a cluster-admin kubeconfig. */
export const adminUser = { name: "gantry-test-admin", group: "system:masters" } as const;

const validDays = "7";

async function writePem(dir: string, name: string, pem: string): Promise<PkiFile> {
  const file = path.join(dir, name);
  await writeFile(file, pem, { mode: 0o600 });
  return { path: file, pem };
}

async function newKey(dir: string, name: string): Promise<{ key: PkiFile; publicKey: string }> {
  const { privateKey, publicKey } = generateKeyPairSync("ec", {
    namedCurve: "prime256v1",
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  return { key: await writePem(dir, name, privateKey), publicKey };
}

function serial(): string {
  const bytes = randomBytes(16);
  // Keep the serial positive.
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return `0x${bytes.toString("hex")}`;
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run("openssl", args);
  } catch (error) {
    const stderr =
      typeof error === "object" && error !== null && "stderr" in error ? String(error.stderr) : "";
    throw new Error(`openssl ${args[0]} failed: ${stderr || String(error)}`, { cause: error });
  }
}

/**
 * Signs a certificate for `key` with `extensions` (an openssl `[v3]` section).
 * Without `ca` the certificate is self-signed.
 */
async function sign(params: {
  dir: string;
  name: string;
  subject: string;
  key: PkiFile;
  extensions: string[];
  ca?: { certificate: PkiFile; key: PkiFile };
}): Promise<PkiFile> {
  const csr = path.join(params.dir, `${params.name}.csr`);
  const ext = path.join(params.dir, `${params.name}.ext`);
  const out = path.join(params.dir, `${params.name}.crt`);
  await writeFile(ext, `[v3]\n${params.extensions.join("\n")}\n`);
  await openssl(["req", "-new", "-key", params.key.path, "-subj", params.subject, "-out", csr]);
  const signer = params.ca
    ? ["-CA", params.ca.certificate.path, "-CAkey", params.ca.key.path]
    : ["-signkey", params.key.path];
  await openssl([
    "x509",
    "-req",
    "-in",
    csr,
    ...signer,
    "-set_serial",
    serial(),
    "-days",
    validDays,
    "-sha256",
    "-extfile",
    ext,
    "-extensions",
    "v3",
    "-out",
    out,
  ]);
  return { path: out, pem: await readFile(out, "utf8") };
}

/**
 * Creates the PKI in `dir` for an apiserver reachable at 127.0.0.1, whose
 * in-cluster service IP (the first address of the service range) is `serviceIp`.
 */
export async function createClusterPki(params: {
  dir: string;
  serviceIp: string;
}): Promise<ClusterPki> {
  const { dir } = params;
  const caKey = (await newKey(dir, "ca.key")).key;
  const caCertificate = await sign({
    dir,
    name: "ca",
    subject: "/CN=gantry-test-ca",
    key: caKey,
    extensions: [
      "basicConstraints = critical, CA:TRUE, pathlen:0",
      "keyUsage = critical, keyCertSign, cRLSign, digitalSignature",
      "subjectKeyIdentifier = hash",
    ],
  });
  const ca = { certificate: caCertificate, key: caKey };

  const servingKey = (await newKey(dir, "apiserver.key")).key;
  const altNames = [
    "DNS:localhost",
    "DNS:kubernetes",
    "DNS:kubernetes.default",
    "DNS:kubernetes.default.svc",
    "DNS:kubernetes.default.svc.cluster.local",
    "IP:127.0.0.1",
    `IP:${params.serviceIp}`,
  ];
  const servingCertificate = await sign({
    dir,
    name: "apiserver",
    subject: "/CN=kube-apiserver",
    key: servingKey,
    ca,
    extensions: [
      "basicConstraints = critical, CA:FALSE",
      "keyUsage = critical, digitalSignature, keyEncipherment",
      "extendedKeyUsage = serverAuth",
      `subjectAltName = ${altNames.join(", ")}`,
      "subjectKeyIdentifier = hash",
      "authorityKeyIdentifier = keyid",
    ],
  });

  const adminKey = (await newKey(dir, "admin.key")).key;
  const adminCertificate = await sign({
    dir,
    name: "admin",
    subject: `/O=${adminUser.group}/CN=${adminUser.name}`,
    key: adminKey,
    ca,
    extensions: [
      "basicConstraints = critical, CA:FALSE",
      "keyUsage = critical, digitalSignature, keyEncipherment",
      "extendedKeyUsage = clientAuth",
      "authorityKeyIdentifier = keyid",
    ],
  });

  const serviceAccount = await newKey(dir, "service-account.key");
  return {
    caCertificate,
    servingCertificate,
    servingKey,
    adminCertificate,
    adminKey,
    serviceAccountKey: serviceAccount.key,
    serviceAccountPublicKey: await writePem(dir, "service-account.pub", serviceAccount.publicKey),
  };
}
