// A real Kubernetes control plane for integration tests, envtest-style: a throw-away etcd and
// kube-apiserver on loopback ports, client-certificate authentication, RBAC authorization.
//
//   const cp = await startControlPlane();
//   await cp.kubectl(['create', 'configmap', 'x', '--from-literal=a=b']);
//   const kc = new KubeConfig(); kc.loadFromFile(cp.kubeconfigPath);
//   ...
//   await cp.stop();
//
// Binaries come from KUBEBUILDER_ASSETS or from the cache filled by hack/build-control-plane.sh
// (docs/test-control-plane.md). Nothing is downloaded or built here.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, openSync, closeSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BUILD_SCRIPT = path.join(REPO_ROOT, 'hack/build-control-plane.sh');
const BINARIES = ['kube-apiserver', 'etcd', 'kubectl'] as const;

export interface ControlPlaneOptions {
  /** Directory with kube-apiserver, etcd and kubectl. Default: {@link assetsDir}(). */
  assetsDir?: string;
  /** Time allowed for etcd + kube-apiserver to become ready. Default 60 s
   *  (env KUBEBUILDER_CONTROLPLANE_START_TIMEOUT, in seconds, also honoured). */
  startTimeoutMs?: number;
  /** Grace period between SIGTERM and SIGKILL in stop(). Default 5 s. */
  stopTimeoutMs?: number;
  /** Extra kube-apiserver flags (`--feature-gates=...`); a flag given here replaces the default one. */
  apiServerArgs?: string[];
  /** Extra etcd flags. */
  etcdArgs?: string[];
  /** Keep the temp dir (certs, logs, etcd data) after stop(). Also env MCP_GITOPS_KEEP_CONTROL_PLANE=1. */
  keepTempDir?: boolean;
}

export interface KubectlOptions {
  /** Written to kubectl's stdin (e.g. a manifest for `apply -f -`). */
  input?: string;
  /** Kubeconfig to use instead of the admin one (e.g. from userKubeconfig()). */
  kubeconfig?: string;
  /** Kill kubectl after this long. Default 30 s. */
  timeoutMs?: number;
  /** Reject when kubectl exits non-zero (message includes stderr). Default false. */
  check?: boolean;
}

export interface KubectlResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface ControlPlane {
  /** Admin kubeconfig file (user `admin`, group `system:masters`). */
  kubeconfigPath: string;
  kubeconfigYaml: string;
  /** `https://127.0.0.1:<port>` */
  server: string;
  /** PEM of the CA that signed the API server's serving certificate. */
  caPem: string;
  /** `http://127.0.0.1:<port>` of etcd (plain HTTP, loopback). */
  etcdUrl: string;
  assetsDir: string;
  /** Temp dir holding certs, kubeconfigs, logs and the etcd data dir. */
  dir: string;
  /** Log files of the two processes (stdout+stderr). */
  logs: { etcd: string; apiServer: string };
  /** Runs kubectl against this control plane (admin unless opts.kubeconfig). */
  kubectl(args: string[], opts?: KubectlOptions): Promise<KubectlResult>;
  /** Writes a kubeconfig for `user` in `groups` (client cert signed by the client CA) and returns its path.
   *  RBAC sees exactly this user name and these groups (plus system:authenticated), so a service
   *  account is `userKubeconfig('system:serviceaccount:<ns>:<name>', ['system:serviceaccounts',
   *  'system:serviceaccounts:<ns>'])`. */
  userKubeconfig(user: string, groups?: string[]): Promise<string>;
  /** Kills both processes (SIGTERM, then SIGKILL after the grace period) and removes the temp dir. */
  stop(): Promise<void>;
  /**
   * Restarts kube-apiserver (SIGTERM, then the same binary and flags on the same port; etcd and its
   * data stay) and resolves once `/readyz` answers 200 again — what clients see in a control-plane
   * upgrade. `downMs` keeps it down that long before starting it again.
   */
  restartApiServer(options?: { downMs?: number }): Promise<void>;
}

/** The Kubernetes version pinned in hack/build-control-plane.sh (e.g. `v1.35.4`). */
export function kubernetesVersion(): string {
  const script = readFileSync(BUILD_SCRIPT, 'utf8');
  const m = /^KUBERNETES_VERSION=(v[0-9][^\s#]*)/m.exec(script);
  if (!m?.[1]) throw new Error(`cannot find KUBERNETES_VERSION=... in ${BUILD_SCRIPT}`);
  return m[1];
}

/** Where the binaries are expected, without building or checking anything: KUBEBUILDER_ASSETS if set, else
 *  `${MCP_GITOPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mcp-gitops}/kubebuilder-assets/<k8s version>`
 *  (the directory hack/build-control-plane.sh prints). */
export function assetsDir(): string {
  const env = process.env.KUBEBUILDER_ASSETS;
  if (env) return env;
  const cache =
    process.env.MCP_GITOPS_CACHE ||
    path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'mcp-gitops');
  return path.join(cache, 'kubebuilder-assets', kubernetesVersion().replace(/^v/, ''));
}

/** True when all three binaries are present (lets suites `describe.skipIf(!controlPlaneAvailable())`). */
export function controlPlaneAvailable(dir: string = assetsDir()): boolean {
  return BINARIES.every((b) => existsSync(path.join(dir, b)));
}

function requireAssets(dir: string, explicit: boolean): void {
  const missing = BINARIES.filter((b) => !existsSync(path.join(dir, b)));
  if (missing.length === 0) return;
  const from = explicit ? 'the assetsDir option' : process.env.KUBEBUILDER_ASSETS ? 'KUBEBUILDER_ASSETS' : 'the control-plane cache';
  throw new Error(
    `test control plane: ${missing.join(', ')} not found in ${dir} (${from}).\n` +
      `Build them once (cold build takes a while, then cached):\n` +
      `  export KUBEBUILDER_ASSETS="$(hack/build-control-plane.sh | tail -n1)"\n` +
      `or point KUBEBUILDER_ASSETS at a directory containing kube-apiserver, etcd and kubectl.`,
  );
}

// ---------------------------------------------------------------------------------------------
// small process / fs helpers

function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      args,
      { cwd: opts.cwd, env: opts.env, timeout: opts.timeoutMs ?? 30_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') {
          // spawn failure (ENOENT), timeout (killed, code null) ...
          if ((err as { killed?: boolean }).killed) {
            resolve({ stdout, stderr: `${stderr}\n${cmd}: killed after timeout`, code: 124 });
          } else reject(err);
          return;
        }
        resolve({ stdout, stderr, code: err ? Number(err.code) : 0 });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const r = await run('openssl', args, { cwd });
  if (r.code !== 0) throw new Error(`openssl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

async function tail(file: string, lines = 60): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

// ---------------------------------------------------------------------------------------------
// certificates (openssl CLI: node:crypto cannot issue X.509 certificates)

/** Escapes a value for `openssl -subj /CN=.../O=...`. */
function subjValue(v: string): string {
  return v.replace(/[\\/+]/g, (c) => `\\${c}`);
}

async function makeCA(dir: string, name: string, cn: string): Promise<void> {
  await openssl(
    [
      'req', '-x509', '-new', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
      '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '7', '-subj', `/CN=${subjValue(cn)}`,
      '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
    ],
    dir,
  );
}

/** Issues `<name>.crt/.key` signed by `<ca>.crt/.key` (all in `dir`). */
async function issueCert(
  dir: string,
  ca: string,
  name: string,
  subject: { cn: string; orgs?: string[] },
  ext: { serverSANs?: string[]; client?: boolean },
): Promise<void> {
  const subj = `/CN=${subjValue(subject.cn)}${(subject.orgs ?? []).map((o) => `/O=${subjValue(o)}`).join('')}`;
  const extLines = ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment'];
  if (ext.serverSANs) {
    extLines.push('extendedKeyUsage=serverAuth');
    extLines.push(`subjectAltName=${ext.serverSANs.join(',')}`);
  } else if (ext.client) extLines.push('extendedKeyUsage=clientAuth');
  await writeFile(path.join(dir, `${name}.ext`), `${extLines.join('\n')}\n`);
  await openssl(
    [
      'req', '-new', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
      '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subj,
    ],
    dir,
  );
  await openssl(
    [
      'x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`,
      '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-days', '7', '-sha256',
      '-extfile', `${name}.ext`, '-out', `${name}.crt`,
    ],
    dir,
  );
}

function kubeconfigYaml(server: string, caPem: string, user: string, certPem: string, keyPem: string): string {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  // JSON-quoted scalars are valid YAML and safe for any user name.
  const q = JSON.stringify;
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: test',
    '  cluster:',
    `    server: ${q(server)}`,
    `    certificate-authority-data: ${b64(caPem)}`,
    'users:',
    `- name: ${q(user)}`,
    '  user:',
    `    client-certificate-data: ${b64(certPem)}`,
    `    client-key-data: ${b64(keyPem)}`,
    'contexts:',
    '- name: test',
    '  context:',
    '    cluster: test',
    `    user: ${q(user)}`,
    '    namespace: default',
    'current-context: test',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// processes

interface Proc {
  name: string;
  child: ChildProcess;
  log: string;
  exited: Promise<number | null>;
  exitCode: number | null | undefined; // undefined while running
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort when a test forgets stop() or the worker exits: never leave etcd/apiserver behind.
  process.once('exit', () => {
    for (const c of running) {
      try {
        c.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });
}

function startProcess(name: string, bin: string, args: string[], log: string, cwd: string): Proc {
  const fd = openSync(log, 'a');
  let child: ChildProcess;
  try {
    child = spawn(bin, args, { cwd, stdio: ['ignore', fd, fd], env: { ...process.env } });
  } finally {
    closeSync(fd);
  }
  running.add(child);
  installExitHook();
  const p: Proc = {
    name,
    child,
    log,
    exitCode: undefined,
    exited: new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        running.delete(child);
        p.exitCode = code ?? (signal ? 128 : null);
        resolve(p.exitCode);
      });
      child.once('error', () => {
        running.delete(child);
        p.exitCode = 127;
        resolve(127);
      });
    }),
  };
  return p;
}

async function stopProcess(p: Proc, graceMs: number): Promise<void> {
  if (p.exitCode !== undefined) return;
  p.child.kill('SIGTERM');
  const timer = sleep(graceMs).then(() => 'timeout' as const);
  if ((await Promise.race([p.exited, timer])) === 'timeout') {
    p.child.kill('SIGKILL');
    await p.exited;
  }
}

function httpGet(
  url: string,
  tls?: { ca: string; cert: string; key: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : http;
    const req = mod.request(
      u,
      { method: 'GET', timeout: 2_000, agent: false, ...(tls ? { ca: tls.ca, cert: tls.cert, key: tls.key } : {}) },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** Polls `check` every 100 ms until it returns true; fails early if a process exits. */
async function waitFor(
  what: string,
  deadline: number,
  procs: Proc[],
  check: () => Promise<boolean>,
): Promise<void> {
  let last = '';
  for (;;) {
    for (const p of procs) {
      if (p.exitCode !== undefined) throw new Error(`${p.name} exited with code ${p.exitCode} while waiting for ${what}`);
    }
    try {
      if (await check()) return;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${last})` : ''}`);
    await sleep(100);
  }
}

function mergeFlags(defaults: string[], extra: string[]): string[] {
  const key = (f: string) => f.split('=')[0];
  const overridden = new Set(extra.map(key));
  return [...defaults.filter((f) => !overridden.has(key(f))), ...extra];
}

// ---------------------------------------------------------------------------------------------

/** Starts etcd + kube-apiserver on free loopback ports and waits until the API server is ready. */
export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const assets = opts.assetsDir ?? assetsDir();
  requireAssets(assets, opts.assetsDir !== undefined);
  const envTimeout = Number(process.env.KUBEBUILDER_CONTROLPLANE_START_TIMEOUT?.replace(/s$/, ''));
  const startTimeoutMs = opts.startTimeoutMs ?? (envTimeout > 0 ? envTimeout * 1000 : 60_000);
  const stopTimeoutMs = opts.stopTimeoutMs ?? 5_000;
  const keep = opts.keepTempDir ?? process.env.MCP_GITOPS_KEEP_CONTROL_PLANE === '1';

  // Free ports are picked by binding :0 and closing, so another process can grab one in between
  // (parallel workers): a start that fails with "address already in use" is retried on fresh ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(assets, startTimeoutMs, stopTimeoutMs, keep, opts);
    } catch (e) {
      if (attempt < 3 && (e as { portClash?: boolean }).portClash) continue;
      throw e;
    }
  }
}

async function startOnce(
  assets: string,
  startTimeoutMs: number,
  stopTimeoutMs: number,
  keep: boolean,
  opts: ControlPlaneOptions,
): Promise<ControlPlane> {
  const deadline = Date.now() + startTimeoutMs;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mcp-gitops-cp-'));
  const certs = path.join(dir, 'certs');
  await mkdir(certs);
  await mkdir(path.join(dir, 'etcd'), { mode: 0o700 });
  const logs = { etcd: path.join(dir, 'etcd.log'), apiServer: path.join(dir, 'kube-apiserver.log') };
  const procs: Proc[] = [];

  const stopAll = async () => {
    // apiserver first: it would otherwise spam the log retrying a dead etcd
    for (const p of [...procs].reverse()) await stopProcess(p, stopTimeoutMs);
  };

  try {
    const [etcdPort, peerPort, apiPort] = (await freePorts(3)) as [number, number, number];
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const server = `https://127.0.0.1:${apiPort}`;

    // etcd can start while the certificates are generated.
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const etcd = startProcess(
      'etcd',
      path.join(assets, 'etcd'),
      mergeFlags(
        [
          '--name=test',
          `--data-dir=${path.join(dir, 'etcd')}`,
          `--listen-client-urls=${etcdUrl}`,
          `--advertise-client-urls=${etcdUrl}`,
          `--listen-peer-urls=${peerUrl}`,
          `--initial-advertise-peer-urls=${peerUrl}`,
          `--initial-cluster=test=${peerUrl}`,
          '--unsafe-no-fsync=true',
          '--log-level=warn',
        ],
        opts.etcdArgs ?? [],
      ),
      logs.etcd,
      dir,
    );
    procs.push(etcd);

    // Serving CA + cert, client CA + admin cert, service-account key pair.
    await Promise.all([makeCA(certs, 'ca', 'mcp-gitops-test-serving-ca'), makeCA(certs, 'client-ca', 'mcp-gitops-test-client-ca')]);
    await Promise.all([
      issueCert(certs, 'ca', 'apiserver', { cn: 'kube-apiserver' }, {
        serverSANs: ['DNS:localhost', 'IP:127.0.0.1', 'DNS:kubernetes', 'DNS:kubernetes.default', 'DNS:kubernetes.default.svc'],
      }),
      issueCert(certs, 'client-ca', 'admin', { cn: 'admin', orgs: ['system:masters'] }, { client: true }),
      openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'sa.key'], certs).then(() =>
        openssl(['ec', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], certs),
      ),
    ]);
    const [caPem, adminCert, adminKey] = await Promise.all(
      ['ca.crt', 'admin.crt', 'admin.key'].map((f) => readFile(path.join(certs, f), 'utf8')),
    ) as [string, string, string];

    await waitFor('etcd /health', deadline, procs, async () => {
      const r = await httpGet(`${etcdUrl}/health`);
      return r.status === 200 && /"health":\s*"true"/.test(r.body);
    });

    const apiServerArgs = mergeFlags(
      [
        `--etcd-servers=${etcdUrl}`,
        `--cert-dir=${certs}`,
        `--tls-cert-file=${path.join(certs, 'apiserver.crt')}`,
        `--tls-private-key-file=${path.join(certs, 'apiserver.key')}`,
        `--client-ca-file=${path.join(certs, 'client-ca.crt')}`,
        `--secure-port=${apiPort}`,
        '--bind-address=127.0.0.1',
        // keeps the API server from looking for a default route (offline machines)
        '--advertise-address=127.0.0.1',
        '--service-cluster-ip-range=10.0.0.0/24',
        '--allow-privileged=true',
        // no controller-manager creates the `default` ServiceAccount, so pods would be rejected
        '--disable-admission-plugins=ServiceAccount',
        '--authorization-mode=RBAC',
        `--service-account-issuer=${server}/`,
        `--service-account-key-file=${path.join(certs, 'sa.pub')}`,
        `--service-account-signing-key-file=${path.join(certs, 'sa.key')}`,
      ],
      opts.apiServerArgs ?? [],
    );
    let apiServer = startProcess('kube-apiserver', path.join(assets, 'kube-apiserver'), apiServerArgs, logs.apiServer, dir);
    procs.push(apiServer);

    const tls = { ca: caPem, cert: adminCert, key: adminKey };
    await waitFor('kube-apiserver /readyz', deadline, procs, async () => (await httpGet(`${server}/readyz`, tls)).status === 200);
    // The `default` namespace is created by a bootstrap controller right around readiness.
    await waitFor('namespace default', deadline, procs, async () => (await httpGet(`${server}/api/v1/namespaces/default`, tls)).status === 200);

    const kubeconfigYamlText = kubeconfigYaml(server, caPem, 'admin', adminCert, adminKey);
    const kubeconfigPath = path.join(dir, 'admin.kubeconfig');
    await writeFile(kubeconfigPath, kubeconfigYamlText, { mode: 0o600 });
    const kubectlCache = path.join(dir, 'kubectl-cache');

    let stopped: Promise<void> | undefined;
    let userSeq = 0;
    const cp: ControlPlane = {
      kubeconfigPath,
      kubeconfigYaml: kubeconfigYamlText,
      server,
      caPem,
      etcdUrl,
      assetsDir: assets,
      dir,
      logs,
      async kubectl(args, kopts = {}) {
        // A private discovery cache: ports are reused across runs with different CRDs installed.
        const r = await run(
          path.join(assets, 'kubectl'),
          [`--kubeconfig=${kopts.kubeconfig ?? kubeconfigPath}`, `--cache-dir=${kubectlCache}`, ...args],
          { input: kopts.input, timeoutMs: kopts.timeoutMs ?? 30_000, env: { ...process.env, KUBECONFIG: '' } },
        );
        if (kopts.check && r.code !== 0) {
          throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
        }
        return r;
      },
      async userKubeconfig(user, groups = []) {
        const name = `user-${++userSeq}`;
        await issueCert(certs, 'client-ca', name, { cn: user, orgs: groups }, { client: true });
        const [cert, key] = await Promise.all(
          [`${name}.crt`, `${name}.key`].map((f) => readFile(path.join(certs, f), 'utf8')),
        ) as [string, string];
        const file = path.join(dir, `${name}.kubeconfig`);
        await writeFile(file, kubeconfigYaml(server, caPem, user, cert, key), { mode: 0o600 });
        return file;
      },
      async restartApiServer(ropts = {}) {
        await stopProcess(apiServer, stopTimeoutMs);
        procs.splice(procs.indexOf(apiServer), 1);
        if (ropts.downMs) await sleep(ropts.downMs);
        apiServer = startProcess('kube-apiserver', path.join(assets, 'kube-apiserver'), apiServerArgs, logs.apiServer, dir);
        procs.push(apiServer);
        await waitFor('kube-apiserver /readyz after restart', Date.now() + startTimeoutMs, procs, async () => (await httpGet(`${server}/readyz`, tls)).status === 200);
      },
      stop() {
        stopped ??= (async () => {
          await stopAll();
          if (!keep) await rm(dir, { recursive: true, force: true });
        })();
        return stopped;
      },
    };
    return cp;
  } catch (e) {
    await stopAll().catch(() => {});
    const [etcdLog, apiLog] = await Promise.all([tail(logs.etcd), tail(logs.apiServer)]);
    const portClash = /address already in use/i.test(etcdLog + apiLog);
    // The temp dir (logs, certs) is kept for inspection unless the start is retried on other ports.
    if (portClash && !keep) await rm(dir, { recursive: true, force: true }).catch(() => {});
    const err = new Error(
      `test control plane failed to start: ${(e as Error).message}\n` +
        `--- etcd log (${logs.etcd}) ---\n${etcdLog}\n--- kube-apiserver log (${logs.apiServer}) ---\n${apiLog}`,
      { cause: e },
    );
    Object.assign(err, { portClash });
    throw err;
  }
}
