/**
 * Which Secrets a gateway may reference (docs/security.md, "Secret references"): only Secrets that
 * opt in with the label `mcp-gitops.dev/allow-reference: "true"`. The operator watches no other
 * Secret (its Secret informer selects on the label), so a tenant who may write McpGateways but may
 * not `get` a Secret cannot have its value sent to a URL of their choosing: an unlabelled Secret is
 * reported exactly like a missing one, naming the label.
 *
 * Whoever labels a Secret says "any McpGateway author in this namespace may use this value". The
 * label is set by someone who can update the Secret, which a tenant without Secret access cannot.
 */

/** The label a Secret carries to be resolvable from McpGateway `secretRef`s. */
export const ALLOW_REFERENCE_LABEL = 'mcp-gitops.dev/allow-reference';

/** The label selector of the operator's Secret watch. */
export const ALLOW_REFERENCE_SELECTOR = `${ALLOW_REFERENCE_LABEL}=true`;
