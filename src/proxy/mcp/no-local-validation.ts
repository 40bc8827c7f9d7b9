/**
 * The JSON Schema validator given to every agent session's SDK `Server`: one shared object that
 * validates nothing, because the proxy never validates an agent's answer itself.
 *
 * The SDK's `Server` uses its validator only in `elicitInput` (checking a form answer against the
 * requested schema). The proxy never calls `elicitInput`: it relays the upstream's elicitation to
 * the agent verbatim and the agent's answer back to the upstream, which validates it against the
 * schema it asked with. Left to its default, the SDK builds one Ajv instance (with its formats and
 * meta-schema) per `Server`, i.e. per agent session: ~17 KiB of the ~26 KiB heap an idle session
 * cost (bench:scale, docs/performance.md).
 *
 * Should a future handler call `elicitInput`, `getValidator` throws, and the SDK answers that
 * request with an internal error instead of accepting an unchecked answer.
 */
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';

export const NO_LOCAL_VALIDATION: jsonSchemaValidator = {
  getValidator() {
    throw new Error('mcp-gitops relays elicitation answers to the upstream, which validates them; the proxy validates none itself');
  },
};
