/**
 * How this process reaches the Kubernetes API: the server's URL, the TLS settings of the connection
 * and the `Authorization` header of each request — resolved once from a kubeconfig file or the
 * pod's service account, the way client-go's `clientcmd` and `rest.InClusterConfig` do.
 *
 * Written here instead of loading `@kubernetes/client-node` for its KubeConfig: that package costs
 * about 100 MiB of resident memory on import (measured: bare node 44 MiB → 124 MiB), more than the
 * operator's whole idle budget (docs/operator.md "Memory"). The forms supported are the ones
 * clusters hand out: in-cluster service account; kubeconfig with `server`, `certificate-authority`
 * (-data), `insecure-skip-tls-verify`, `tls-server-name`, client certificate and key (-data or
 * file), `token`, `tokenFile` and `exec` credential plugins returning a token. Anything else
 * (`auth-provider`, basic auth, `proxy-url`, exec plugins returning certificates) is refused with
 * an error naming the kubeconfig entry, never silently ignored.
 *
 * Loaded by load-access.ts (service account, default order) and kubeconfig.ts (files).
 *
 * @example
 * const access = await resolveAccess({ kubeconfig: '/etc/kubeconfig', env });
 * // access.server === 'https://10.0.0.1:6443'; await access.authorization() === 'Bearer …'
 */
import { readFileSync } from 'node:fs';

/** TLS settings of the connection to the API server (node's `tls.connect` options). */
export interface ClusterTls {
  /** PEM of the CA bundle that signs the serving certificate; node's default CAs when absent. */
  ca?: string;
  /** PEM client certificate and key, for certificate authentication. */
  cert?: string;
  key?: string;
  /** false only with `insecure-skip-tls-verify: true`. */
  rejectUnauthorized: boolean;
  /** SNI and the name the serving certificate is checked against (`tls-server-name`). */
  servername?: string;
}

export interface ClusterAccess {
  /** The API server's base URL, without a trailing slash (it may carry a path prefix). */
  readonly server: string;
  readonly tls: ClusterTls;
  /**
   * The `Authorization` header value for the next request, or undefined when the client
   * authenticates by certificate only. Token files are re-read at most once a minute (the kubelet
   * rotates projected service-account tokens); exec plugins run again when their token expires.
   */
  authorization(): Promise<string | undefined>;
  /** Where the settings came from, for error messages (`kubeconfig /x, context "a", user "b"`). Never a secret. */
  readonly origin: string;
}

/** How often a token file is read again (client-go's cachingTokenSource re-reads every minute). */
const TOKEN_FILE_REFRESH_MS = 60_000;

/**
 * A token read from `file`, re-read when older than a minute. A read that fails after a good one
 * keeps the last token (the kubelet replaces the file atomically; a transient failure must not
 * turn into 401s); a first read that fails throws naming the file.
 */
export function tokenFileSource(file: string, what: string): () => Promise<string> {
  let token: string | undefined;
  let readAt = 0;
  return async () => {
    if (token !== undefined && Date.now() - readAt < TOKEN_FILE_REFRESH_MS) return token;
    try {
      const text = readFileSync(file, 'utf8').trim();
      if (text === '') throw new Error('the file is empty');
      token = text;
      readAt = Date.now();
    } catch (err) {
      if (token === undefined) throw new Error(`${what}: cannot read the token file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    return token;
  };
}
