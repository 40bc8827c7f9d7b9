/**
 * Kubeconfig files (`clientcmd`'s format) → {@link ClusterAccess} for the current context.
 *
 * Several files (`KUBECONFIG=a:b`) merge as kubectl merges them: the first file that names a
 * cluster, user or context wins, and the first `current-context` set wins. Relative file paths
 * (`certificate-authority`, `client-certificate`, `client-key`, `tokenFile`, an exec `command`
 * with a slash) are relative to the file that holds the entry.
 *
 * Errors name the file, the context and the entry that is wrong; they never quote a value (a
 * kubeconfig holds keys and tokens).
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { tokenFileSource, type ClusterAccess, type ClusterTls } from './access.ts';
import { execCredentialSource, type ExecConfig } from './exec-credential.ts';

interface Named<T> {
  name?: unknown;
  cluster?: T;
  user?: T;
  context?: T;
}

interface ClusterEntry {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
  'proxy-url'?: string;
}

interface UserEntry {
  token?: string;
  tokenFile?: string;
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  exec?: ExecConfig;
  'auth-provider'?: unknown;
  username?: string;
  password?: string;
  as?: string;
  'as-groups'?: unknown;
  'as-uid'?: string;
}

interface ContextEntry {
  cluster?: string;
  user?: string;
}

/** An entry and the directory its relative paths are relative to. */
interface Located<T> {
  entry: T;
  dir: string;
  file: string;
}

interface Merged {
  clusters: Map<string, Located<ClusterEntry>>;
  users: Map<string, Located<UserEntry>>;
  contexts: Map<string, Located<ContextEntry>>;
  currentContext: string | undefined;
  files: string[];
}

function readKubeconfig(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`kubeconfig ${file}: cannot read it: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new Error(`kubeconfig ${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`kubeconfig ${file}: not a kubeconfig (expected a mapping with clusters, users and contexts)`);
  return doc as Record<string, unknown>;
}

function mergeInto<T>(into: Map<string, Located<T>>, list: unknown, field: 'cluster' | 'user' | 'context', file: string): void {
  if (list === undefined || list === null) return;
  if (!Array.isArray(list)) throw new Error(`kubeconfig ${file}: ${field}s must be a list`);
  for (const [i, item] of (list as Named<T>[]).entries()) {
    if (typeof item?.name !== 'string' || item.name === '') throw new Error(`kubeconfig ${file}: ${field}s[${i}] has no name`);
    if (!into.has(item.name)) into.set(item.name, { entry: (item[field] ?? {}) as T, dir: dirname(resolve(file)), file });
  }
}

function merge(files: string[]): Merged {
  const merged: Merged = { clusters: new Map(), users: new Map(), contexts: new Map(), currentContext: undefined, files };
  for (const file of files) {
    const doc = readKubeconfig(file);
    mergeInto(merged.clusters, doc.clusters, 'cluster', file);
    mergeInto(merged.users, doc.users, 'user', file);
    mergeInto(merged.contexts, doc.contexts, 'context', file);
    if (merged.currentContext === undefined && typeof doc['current-context'] === 'string' && doc['current-context'] !== '') merged.currentContext = doc['current-context'];
  }
  return merged;
}

/** `*-data` (base64) or a file (relative to `dir`) → its text; undefined when neither is set. */
function material(data: string | undefined, file: string | undefined, dir: string, where: string): string | undefined {
  if (data) return Buffer.from(data, 'base64').toString('utf8');
  if (!file) return undefined;
  const path = isAbsolute(file) ? file : resolve(dir, file);
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`${where}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function clusterTls(c: Located<ClusterEntry>, where: string): ClusterTls {
  const e = c.entry;
  if (e['proxy-url']) throw new Error(`${where}: proxy-url is not supported; reach the API server directly`);
  const insecure = e['insecure-skip-tls-verify'] === true;
  const ca = material(e['certificate-authority-data'], e['certificate-authority'], c.dir, where);
  if (insecure && ca) throw new Error(`${where}: sets both insecure-skip-tls-verify and a certificate authority; choose one`);
  return { ...(ca ? { ca } : {}), rejectUnauthorized: !insecure, ...(e['tls-server-name'] ? { servername: e['tls-server-name'] } : {}) };
}

/** The user entry's client certificate (into `tls`) and its `Authorization` source. */
function userAuth(u: Located<UserEntry>, where: string, tls: ClusterTls, server: string): () => Promise<string | undefined> {
  const e = u.entry;
  if (e['auth-provider'] !== undefined) throw new Error(`${where}: auth-provider plugins are not supported; use an exec credential plugin, a token or a client certificate`);
  if (e.username !== undefined || e.password !== undefined) throw new Error(`${where}: basic authentication (username/password) is not supported (Kubernetes removed it in 1.19)`);
  if (e.as !== undefined || e['as-groups'] !== undefined || e['as-uid'] !== undefined) throw new Error(`${where}: impersonation (as, as-groups, as-uid) is not supported`);
  const cert = material(e['client-certificate-data'], e['client-certificate'], u.dir, where);
  const key = material(e['client-key-data'], e['client-key'], u.dir, where);
  if ((cert === undefined) !== (key === undefined)) throw new Error(`${where}: a client certificate needs both client-certificate and client-key`);
  if (cert && key) Object.assign(tls, { cert, key });
  if (e.token) {
    const header = `Bearer ${e.token}`;
    return async () => header;
  }
  if (e.tokenFile) {
    const token = tokenFileSource(isAbsolute(e.tokenFile) ? e.tokenFile : resolve(u.dir, e.tokenFile), where);
    return async () => `Bearer ${await token()}`;
  }
  if (e.exec) {
    const token = execCredentialSource(e.exec, { dir: u.dir, where, server });
    return async () => `Bearer ${await token()}`;
  }
  return async () => undefined;
}

/**
 * The current context of `files` merged. Throws naming the file and entry when the context,
 * its cluster or its user is missing or uses a form this loader does not support.
 */
export function kubeconfigAccess(files: string[]): ClusterAccess {
  const m = merge(files);
  const shown = files.join(':');
  if (!m.currentContext) throw new Error(`kubeconfig ${shown}: no current-context is set`);
  const ctx = m.contexts.get(m.currentContext);
  if (!ctx) throw new Error(`kubeconfig ${shown}: current-context "${m.currentContext}" is not among its contexts`);
  const clusterName = ctx.entry.cluster;
  const userName = ctx.entry.user;
  const cluster = clusterName === undefined ? undefined : m.clusters.get(clusterName);
  if (!cluster) throw new Error(`kubeconfig ${ctx.file}: context "${m.currentContext}" names cluster "${clusterName ?? ''}", which is not among its clusters`);
  const clusterWhere = `kubeconfig ${cluster.file}, cluster "${clusterName}"`;
  const server = cluster.entry.server;
  if (typeof server !== 'string' || !/^https?:\/\//.test(server)) throw new Error(`${clusterWhere}: server must be an http(s) URL`);
  const tls = clusterTls(cluster, clusterWhere);
  let authorization: () => Promise<string | undefined> = async () => undefined;
  if (userName !== undefined && userName !== '') {
    const user = m.users.get(userName);
    if (!user) throw new Error(`kubeconfig ${ctx.file}: context "${m.currentContext}" names user "${userName}", which is not among its users`);
    authorization = userAuth(user, `kubeconfig ${user.file}, user "${userName}"`, tls, server);
  }
  return {
    server: server.replace(/\/+$/, ''),
    tls,
    authorization,
    origin: `kubeconfig ${shown}, context "${m.currentContext}"`,
  };
}
