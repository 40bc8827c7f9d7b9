-- Argo CD health check for mcp-gitops.dev McpGateway and VirtualServer (one script, both kinds).
--
-- kstatus-compliant: it reads only metadata.generation, status.observedGeneration and the
-- conditions Ready, Reconciling and Stalled that the operator writes (src/api/conditions.ts).
--
--   Progressing  no status yet; status.observedGeneration (or Ready's observedGeneration) is behind
--                metadata.generation; Reconciling=True; Ready=Unknown or missing; Ready=False for a
--                reason the operator retries on its own (an unreachable upstream, a gateway that is
--                not Ready yet, proxy replicas not yet in sync)
--   Degraded     Stalled=True; Ready=False for a reason that needs a person (a bad spec, a missing
--                Secret, rejected credentials, a selector that matches nothing, a name conflict, a
--                gateway that does not exist) or for a reason this script does not know
--   Healthy      Ready=True for the current generation (an OAuth gateway waiting for its first user
--                consent is Ready=True with reason ConsentRequired: it is served)
--
-- Argo CD runs this with the base, table and (safe) os libraries only, on gopher-lua (Lua 5.1): no
-- string library, so no string methods; test/unit/argocd/health.test.ts enforces the same sandbox.

local NEEDS_A_PERSON = {
  InvalidSpec = true,
  SecretNotFound = true,
  SecretKeyNotFound = true,
  Unauthorized = true,
  SelectorsUnmatched = true,
  NameConflict = true,
  GatewayNotFound = true,
}

local RETRIED = {
  Progressing = true,
  ConsentRequired = true,
  ReconciliationFailed = true,
  Unreachable = true,
  UpstreamError = true,
  NoTools = true,
  GatewayNotReady = true,
  DependencyNotReady = true,
  NoReplicas = true,
  ReplicasNotSynced = true,
}

local function condition(conditions, type)
  for _, c in ipairs(conditions) do
    if c.type == type then
      return c
    end
  end
  return nil
end

local function describe(c)
  local reason = c.reason or "Unknown"
  if c.message ~= nil and c.message ~= "" then
    return reason .. ": " .. c.message
  end
  return reason
end

local hs = { status = "Progressing", message = "Waiting for the operator to report status" }

local generation = obj.metadata.generation
local status = obj.status
if status == nil or status.conditions == nil or #status.conditions == 0 then
  return hs
end

if generation ~= nil and (status.observedGeneration == nil or status.observedGeneration < generation) then
  hs.message = "Waiting for the operator to observe generation " .. generation
  return hs
end

local conditions = status.conditions

local stalled = condition(conditions, "Stalled")
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = describe(stalled)
  return hs
end

local reconciling = condition(conditions, "Reconciling")
if reconciling ~= nil and reconciling.status == "True" then
  hs.message = describe(reconciling)
  return hs
end

local ready = condition(conditions, "Ready")
if ready == nil then
  hs.message = "Waiting for the Ready condition"
  return hs
end
if generation ~= nil and ready.observedGeneration ~= nil and ready.observedGeneration < generation then
  hs.message = "Waiting for the operator to observe generation " .. generation
  return hs
end

if ready.status == "True" then
  hs.status = "Healthy"
  hs.message = ready.message or ""
  return hs
end

hs.message = describe(ready)
if ready.status == "False" and (NEEDS_A_PERSON[ready.reason] or not RETRIED[ready.reason]) then
  hs.status = "Degraded"
end
return hs
