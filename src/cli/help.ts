/** Help texts of the long-running commands (the others keep theirs beside their registration). */

export const devHelp = `Usage: mcp-gitops dev [DIR] [flags]

The embedded default: the proxy, a real upstream MCP server (server-everything) and the reconcile
core fed from the McpGateway, VirtualServer and Secret manifests in DIR (default examples/local),
watched for changes. An invalid file is reported (file, field, problem) and its last good version
keeps serving. No cluster needed.

  --port N            agent + admin API port (default 4444; the admin API shares it in dev)
  --host ADDR         bind address (default 127.0.0.1)
  --upstream-port N   port for server-everything (default 3001, what examples/local uses; 0 = none)
  --data-dir DIR      dev secrets and the encrypted token vault (default .data/dev)
  --user NAME         the user of the printed agent token (default dev@example.com)`;

export const proxyHelp = `Usage: mcp-gitops proxy [flags]

The data plane: MCP Streamable HTTP (and SSE) per virtual server at /servers/{id}/mcp, the admin
API the operator converges, the per-user OAuth relay, /health, /ready and /metrics.

  --port N                    agent port (default 4444)
  --admin-port N              admin API port (default 4445; equal to --port = one listener)
  --host ADDR                 bind address (default 0.0.0.0)
  --admin-token-file FILE     the admin credential (or env MCP_GITOPS_ADMIN_TOKEN)
  --agent-hs256-secret-file FILE  shared secret for HS256 agent tokens
  --oidc-issuer URL           verify agent JWTs against this issuer's JWKS instead
  --oidc-audience AUD         the audience agent JWTs must carry (with --oidc-issuer)
  --insecure-no-agent-auth    serve agents without authentication (never in production)
  --require-sync              answer /ready 503 until the operator has converged this replica
  --public-url URL            external base URL (endpoints, consent links, OAuth redirect_uri)
  --allowed-origin ORIGIN     an Origin allowed to call MCP endpoints from a browser (repeatable)
  --allowed-host HOST         a Host name agents may reach MCP endpoints by (exact, *.suffix, or *
                              for any; repeatable; default: loopback names, the --public-url host,
                              IP literals and in-cluster names; others get 403: DNS rebinding)
  --vault secret|file         where user tokens are stored (default secret in-cluster, else file)
  --vault-namespace NS        namespace of token Secrets (default: the pod's namespace)
  --vault-key-file FILE       the key ring (JSON, mode 0600) for AES-256-GCM token encryption
  --vault-key-secret NAME     Secret with the key ring (keys.json) when --vault=secret (default mcp-gitops-vault-key)
  --oauth-allowed-host HOST   OAuth provider/metadata hosts allowed (exact or *.suffix; repeatable; default any public host)
  --oauth-allow-loopback      allow OAuth providers on loopback addresses (dev and tests only)
  --data-dir DIR              file vault location (default .data/proxy)
  --connections-client-id ID  serve the /connections page; users sign in at --oidc-issuer as this
                              client (register <public-url>/connections/login/callback there)
  --connections-client-secret-file FILE  that client's secret (or env MCP_GITOPS_CONNECTIONS_CLIENT_SECRET)
  --connections-scope SCOPE   scopes to request at sign-in (repeatable; default openid)`;

export const operatorHelp = `Usage: mcp-gitops operator [flags]

The control plane: watches McpGateway, VirtualServer and the Secrets they reference, converges every
proxy replica through its admin API, and writes status and events.

  --kubeconfig FILE                  default: in-cluster, then $KUBECONFIG, then ~/.kube/config
  --namespace NS                     watch one namespace (default: all)
  --leader-elect                     elect a leader on a Lease before acting
  --leader-election-namespace NS     namespace of the Lease (default: the pod's namespace)
  --leader-election-id NAME          name of the Lease (default mcp-gitops-operator)
  --leader-elect-lease-duration S    how long a Lease is held without renewal (default 15)
  --leader-elect-renew-deadline S    how long the leader retries renewal before stepping down (default 10)
  --leader-elect-retry-period S      how often candidates try to acquire or renew (default 2)
  --concurrent N                     reconciles in parallel (default 4)
  --metrics-bind-address ADDR        Prometheus metrics (default :8080; 0 = off)
  --health-probe-bind-address ADDR   /healthz and /readyz (default :8081)
  --proxy-service NS/NAME            the proxy Service whose EndpointSlices are the replicas
  --proxy-admin-port-name NAME       the Service's admin port name (default admin)
  --proxy-admin-port N               admin port when a slice names none (default 4445)
  --proxy-url URL                    a fixed proxy admin URL instead (repeatable)
  --proxy-public-url URL             agents' base URL of the proxy, for VirtualServer status.endpoint
  --admin-token-file FILE            the proxy admin credential (or env MCP_GITOPS_ADMIN_TOKEN)
  --resync-period SECONDS            full resync interval (default 300)
  --proxy-poll-interval SECONDS      how often each replica's state digest is checked (default 5)
  --finalizer-timeout SECONDS        retry deregistration this long before letting a delete go (default 30)
  --progress-interval SECONDS        status polling while a first health check is pending (default 0.25)`;
