// A pacing TCP proxy for the demo: loopback uploads finish before a progress line can be drawn, so
// the demo talks to `bits-job2 serve` through this proxy, which forwards client→server bytes at a
// fixed rate (the other direction unpaced). Backpressure does the pacing: reads pause while waiting.
import net from 'node:net';

export async function startThrottleProxy(targetPort: number, bytesPerSecond: number): Promise<{ port: number; bytesUp(): number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let up = 0; // client→server bytes forwarded (a test counts re-sent bytes with it)
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => { client.destroy(); upstream.destroy(); });
    }
    upstream.pipe(client);
    client.on('data', (chunk: Buffer) => {
      client.pause();
      up += chunk.length;
      upstream.write(chunk);
      setTimeout(() => client.resume(), (chunk.length / bytesPerSecond) * 1000);
    });
    client.on('end', () => upstream.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    bytesUp: () => up,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
