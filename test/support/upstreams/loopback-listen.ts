/**
 * Preload (`node --import`) for third-party servers that listen on all interfaces: binds every
 * `listen(port)` to 127.0.0.1 and prints `LISTENING <port>` on stderr once bound, so tests can use
 * port 0 and learn the real port.
 */
import net from 'node:net';

const original = net.Server.prototype.listen;
net.Server.prototype.listen = function patchedListen(this: net.Server, ...args: unknown[]) {
  const first = args[0];
  if ((typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) && typeof args[1] !== 'string') {
    args.splice(1, 0, '127.0.0.1');
  }
  this.once('listening', () => {
    const a = this.address();
    if (a && typeof a === 'object') process.stderr.write(`LISTENING ${a.port}\n`);
  });
  return (original as (...a: unknown[]) => net.Server).apply(this, args);
} as typeof net.Server.prototype.listen;
