// Preloaded into Portkey's gateway (node --import) so that it listens on 127.0.0.1 only: its
// start-server.js passes no host, which would bind every interface.
import net from 'node:net';

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function patchedListen(...args) {
  if (typeof args[0] === 'number') {
    if (args.length === 1 || typeof args[1] === 'function' || args[1] === undefined) {
      args.splice(1, args[1] === undefined && args.length > 1 ? 1 : 0, '127.0.0.1');
    }
  } else if (args[0] && typeof args[0] === 'object') {
    args[0] = { ...args[0], host: '127.0.0.1' };
  }
  return listen.apply(this, args);
};
