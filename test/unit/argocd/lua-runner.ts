/**
 * Runs an Argo CD resource health script with the real Lua interpreter (`lua5.4`), the way Argo CD
 * runs it: the resource as the global `obj` (a Lua table), the base, table and os libraries only (no
 * string library, as in Argo CD's gopher-lua VM without `useOpenLibs`), and the returned table read
 * as `{ status, message }`.
 *
 * The resource is passed as a Lua table literal built from the parsed JSON/YAML object: JSON null
 * becomes nil (absent), as Argo CD's decoder does.
 */
import { execFileSync, spawnSync } from 'node:child_process';

/** The interpreter; override with `LUA=/path/to/lua`. Defaults to `lua5.4`. */
export const LUA = process.env.LUA ?? 'lua5.4';

/**
 * Lua 5.1, the dialect of gopher-lua (the VM inside Argo CD), when installed (`apt-get install
 * lua5.1`): a script that runs on 5.4 only (integer division, goto, 5.2+ library calls) would fail in
 * Argo CD. Optional: hack/ensure-test-tools.sh installs only lua5.4.
 */
export const LUA51 = process.env.LUA51 ?? 'lua5.1';

/** What an Argo CD health script returns. */
export interface HealthStatus {
  status: string;
  message: string;
}

/** `true` when the interpreter `lua` (default {@link LUA}) runs. */
export function luaAvailable(lua: string = LUA): boolean {
  return spawnSync(lua, ['-v'], { stdio: 'ignore' }).status === 0;
}

function luaString(s: string): string {
  let out = '"';
  for (const ch of Buffer.from(s, 'utf8')) {
    if (ch === 0x22) out += '\\"';
    else if (ch === 0x5c) out += '\\\\';
    else if (ch < 0x20 || ch >= 0x7f) out += `\\${ch.toString().padStart(3, '0')}`;
    else out += String.fromCharCode(ch);
  }
  return `${out}"`;
}

/** A Lua table literal for a JSON value (objects → hash tables, arrays → sequences). */
export function toLuaLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`not representable in JSON: ${value}`);
    return Number.isInteger(value) ? value.toFixed(0) : String(value);
  }
  if (typeof value === 'string') return luaString(value);
  if (Array.isArray(value)) return `{${value.map(toLuaLiteral).join(', ')}}`;
  if (typeof value === 'object') {
    const fields = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => `[${luaString(k)}] = ${toLuaLiteral(v)}`);
    return `{${fields.join(', ')}}`;
  }
  throw new TypeError(`not a JSON value: ${typeof value}`);
}

// The sandbox: what Argo CD's VM offers a health script (util/lua/lua.go: package, base, table and a
// "safe" os). Strings lose their methods because Argo CD does not open the string library.
const PRELUDE = `
local path = ...
local f = assert(io.open(path, "r"))
local source = f:read("*a")
f:close()
local env = {
  assert = assert, error = error, ipairs = ipairs, next = next, pairs = pairs, pcall = pcall,
  rawequal = rawequal, rawget = rawget, rawlen = rawlen, rawset = rawset, select = select,
  setmetatable = setmetatable, getmetatable = getmetatable, tonumber = tonumber,
  tostring = tostring, type = type, unpack = table.unpack or unpack, table = table,
  os = { time = os.time, date = os.date, clock = os.clock },
}
env._G = env
local chunk, err
if setfenv then -- Lua 5.1
  chunk, err = loadstring(source, "=health.lua")
  if chunk then setfenv(chunk, env) end
else
  chunk, err = load(source, "=health.lua", "t", env)
end
if chunk == nil then io.stderr:write(err, "\\n") os.exit(2) end
`;

const EPILOGUE = `
getmetatable("").__index = nil
local ok, hs = pcall(chunk)
if not ok then io.stderr:write(tostring(hs), "\\n") os.exit(3) end
if type(hs) ~= "table" then io.stderr:write("expected a table, got ", type(hs), "\\n") os.exit(4) end
io.stdout:write(tostring(hs.status), "\\0", tostring(hs.message or ""))
`;

/**
 * Runs the health script at `scriptPath` against `obj` with the interpreter `lua` (default
 * {@link LUA}) and returns what it returned.
 *
 * @throws Error with the interpreter's stderr when the script fails to load, raises an error, or
 *   does not return a table (Argo CD then shows the resource's health as Unknown with that error).
 */
export function runHealthScript(scriptPath: string, obj: unknown, lua: string = LUA): HealthStatus {
  const program = `${PRELUDE}\nenv.obj = ${toLuaLiteral(obj)}\n${EPILOGUE}`;
  let out: string;
  try {
    out = execFileSync(lua, ['-', scriptPath], { input: program, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: string; status?: number };
    throw new Error(`${scriptPath} failed (exit ${e.status}): ${e.stderr?.trim() ?? String(err)}`, { cause: err });
  }
  const nul = out.indexOf('\0');
  return { status: out.slice(0, nul), message: out.slice(nul + 1) };
}
