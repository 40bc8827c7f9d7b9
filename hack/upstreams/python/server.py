"""An MCP server on the Python `mcp` package from PyPI (1.x `FastMCP` or 2.x `MCPServer`, whichever
is installed), as a user would write it: decorators, no transport code of our own.

Run: python server.py MODE   (MODE: sse | json | stateless | resumable)
  sse        Streamable HTTP with the SDK's defaults (a POST answers with an SSE stream)
  json       json_response=True (a POST answers with one JSON body)
  stateless  stateless_http=True (no session id; every request stands alone)
  resumable  an in-memory event store and retry=200 ms: `poll` closes its call's stream mid-call
             (the 2025-11-25 polling pattern) and the client must resume with Last-Event-ID
Listens on a free 127.0.0.1 port and prints `LISTENING <port>` on stderr.

Tools (as test/support/upstreams/edge-server.ts): echo {text}, add {a,b} (structured {sum}),
fail_tool (isError), progress {steps}, log {text}, wait_for_cancel {tag} (ends only when cancelled),
cancelled (the tags of cancelled wait_for_cancel calls), poll {steps}, add_prompt {name} (adds a
prompt `name`, then tells the calling session the prompt list changed). Resources: test://static,
template test://items/{id}. Prompt: greet {name}. Completions: greet's `name` from Ada, Alan, Grace
and the template's `id` from 7, 17, 42, by prefix. No resource subscriptions: neither FastMCP nor
MCPServer offers them.
"""

import socket
import sys
from importlib.metadata import version

import anyio
import uvicorn
from pydantic import BaseModel

MODE = sys.argv[1] if len(sys.argv) > 1 else "sse"
MAJOR = int(version("mcp").split(".")[0])

if MAJOR >= 2:
    from mcp.server.mcpserver import Context, MCPServer as Server
    from mcp.server.mcpserver.exceptions import ToolError
    from mcp.server.mcpserver.prompts import Prompt
else:
    from mcp.server.fastmcp import Context, FastMCP as Server
    from mcp.server.fastmcp.exceptions import ToolError
    from mcp.server.fastmcp.prompts import Prompt
from mcp.server.streamable_http import EventMessage, EventStore
from mcp.types import Completion, PromptReference, ResourceTemplateReference

COMPLETIONS = {"name": ["Ada", "Alan", "Grace"], "id": ["7", "17", "42"]}


class MemoryEventStore(EventStore):
    """Every event kept in memory, replayed per stream after a Last-Event-ID (a test server)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, object]] = []  # (event id, stream id, message or None)

    async def store_event(self, stream_id, message):
        event_id = str(len(self.events) + 1)
        self.events.append((event_id, stream_id, message))
        return event_id

    async def replay_events_after(self, last_event_id, send_callback):
        found = next((i for i, e in enumerate(self.events) if e[0] == last_event_id), None)
        if found is None:
            return None
        stream_id = self.events[found][1]
        for event_id, sid, message in self.events[found + 1 :]:
            if sid == stream_id and message is not None:
                await send_callback(EventMessage(message, event_id))
        return stream_id


resumable = MODE == "resumable"
store_options = {"event_store": MemoryEventStore(), "retry_interval": 200} if resumable else {}
http_options = {"json_response": MODE == "json", "stateless_http": MODE == "stateless"}
name = f"python-mcp{MAJOR}-{MODE}"
instructions = f"A test server on the Python mcp package {version('mcp')}."
if MAJOR >= 2:
    mcp = Server(name, instructions=instructions)
else:
    mcp = Server(name, instructions=instructions, **store_options, **http_options)

cancelled_tags: list[str] = []


class Sum(BaseModel):
    sum: float


@mcp.tool()
def echo(text: str) -> str:
    """Echoes text."""
    return text


@mcp.tool()
def add(a: float, b: float) -> Sum:
    """Adds two numbers, with structured output."""
    return Sum(sum=a + b)


@mcp.tool()
def fail_tool() -> str:
    """Answers an isError result (ToolError: 2.x shows other exceptions' messages to no one)."""
    raise ToolError("tool failed as asked")


@mcp.tool()
async def progress(steps: int, ctx: Context) -> str:
    """Reports progress steps."""
    for i in range(1, steps + 1):
        await ctx.report_progress(i, steps, f"step {i}")
    return f"done in {steps} steps"


@mcp.tool()
async def log(text: str, ctx: Context) -> str:
    """Logs a line, then answers."""
    await ctx.info(text)
    return "logged"


@mcp.tool()
async def wait_for_cancel(tag: str = "") -> str:
    """Waits until cancelled."""
    try:
        await anyio.sleep(3600)
    except anyio.get_cancelled_exc_class():
        cancelled_tags.append(tag)
        raise
    return "not cancelled"


@mcp.tool()
def cancelled() -> list[str]:
    """The tags of wait_for_cancel calls this server saw cancelled."""
    return cancelled_tags


@mcp.tool()
async def poll(steps: int, ctx: Context) -> str:
    """Closes its call's SSE stream after the first progress step (resumable mode), then finishes."""
    for i in range(1, steps + 1):
        await ctx.report_progress(i, steps, f"step {i}")
        if i == 1:
            await ctx.close_sse_stream()
            await anyio.sleep(0.3)
    return f"polled {steps} steps"


@mcp.tool()
async def add_prompt(name: str, ctx: Context) -> str:
    """Adds a prompt `name` (it answers its own name), then tells this session the prompt list changed."""

    def added() -> str:
        return f"prompt {name}"

    mcp.add_prompt(Prompt.from_function(added, name=name, description=f"Added at run time: {name}."))
    await ctx.session.send_prompt_list_changed()
    return f"added {name}"


@mcp.resource("test://static", mime_type="text/plain")
def static_resource() -> str:
    """A fixed text resource."""
    return "static resource text"


@mcp.resource("test://items/{id}", mime_type="text/plain")
def item(id: str) -> str:
    """One item, by id."""
    return f"item {id}"


@mcp.prompt()
def greet(name: str) -> str:
    """Greets someone."""
    return f"Hello, {name}!"


@mcp.completion()
async def complete(ref, argument, context):
    """Completes greet's `name` and test://items/{id}'s `id` by prefix."""
    if isinstance(ref, (PromptReference, ResourceTemplateReference)):
        return Completion(values=[v for v in COMPLETIONS.get(argument.name, []) if v.startswith(argument.value)])
    return None


if MAJOR >= 2:
    app = mcp.streamable_http_app(**store_options, **http_options)
else:
    app = mcp.streamable_http_app()

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("127.0.0.1", 0))
print(f"LISTENING {sock.getsockname()[1]}", file=sys.stderr, flush=True)
uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])
