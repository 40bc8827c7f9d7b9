/**
 * Opens the token vault a proxy process uses, from its flags: the file backend (dev; key file
 * created 0600 when missing) or the Kubernetes Secret backend (in-cluster; keyring read from a
 * Secret, or from a key file when one is given).
 *
 * @example
 *   const { vault, keyring } = await openTokenVault({ backend: 'file', dataDir: '.data/dev' });
 */
import { join } from 'node:path';
import { KubeClient } from '../kube/client.ts';
import { EncryptedTokenVault } from './encrypted-vault.ts';
import { FileRecordStore } from './file-store.ts';
import { loadKeyringFile, loadKeyringSecret } from './key-sources.ts';
import type { Keyring } from './keyring.ts';
import { SecretRecordStore } from './secret-store.ts';
import type { TokenVault } from './token-vault.ts';

export interface OpenVaultOptions {
  backend: 'file' | 'secret';
  /** File backend: records under `<dataDir>/tokens`, key file `<dataDir>/vault-keys.json` by default. */
  dataDir?: string;
  /** Keyring file (JSON, mode 0600). File backend: created when missing. Secret backend: read instead of the Secret. */
  keyFile?: string;
  /** Secret backend: namespace of the token Secrets and the key Secret. Required for `secret`. */
  secretNamespace?: string;
  /** Secret backend: the Secret holding `keys.json`. Defaults to `mcp-gitops-vault-key`. */
  keySecretName?: string;
  /** Secret backend: the process's pooled Kubernetes client. Defaults to one from the service account (`inCluster`) or the default kubeconfig. */
  kube?: KubeClient;
  /** Secret backend without `kube`: load the in-cluster service account (the config loader sets it in a pod). */
  inCluster?: boolean;
  /** `EncryptedTokenVault` read cache. Defaults to 5000 ms for the Secret backend, 0 for files. */
  readCacheMs?: number;
}

export async function openTokenVault(options: OpenVaultOptions): Promise<{ vault: TokenVault; keyring: Keyring }> {
  if (options.backend === 'file') {
    const dataDir = options.dataDir ?? '.data/proxy';
    const keyring = await loadKeyringFile(options.keyFile ?? join(dataDir, 'vault-keys.json'));
    return { vault: new EncryptedTokenVault({ store: new FileRecordStore({ dataDir }), keyring, readCacheMs: options.readCacheMs ?? 0 }), keyring };
  }
  const namespace = options.secretNamespace;
  if (!namespace) throw new TypeError('openTokenVault: secretNamespace is required for the secret backend');
  const kube = options.kube ?? (await KubeClient.connect(undefined, { inCluster: options.inCluster }));
  const keyring = options.keyFile
    ? await loadKeyringFile(options.keyFile, { create: false })
    : await loadKeyringSecret(kube, namespace, options.keySecretName ?? 'mcp-gitops-vault-key');
  const store = new SecretRecordStore({ kube, secretNamespace: namespace });
  return { vault: new EncryptedTokenVault({ store, keyring, readCacheMs: options.readCacheMs ?? 5_000 }), keyring };
}
