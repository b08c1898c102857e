// Counters of the upload server for operations (issue 17): what was refused and why, how much
// arrived, in the Prometheus text format at GET <prefix>BITS-Sessions/metrics (loopback clients
// only: it names clients' activity), and a health answer for load balancers at
// GET <prefix>BITS-Sessions/health. Both live below BITS-Sessions, a name no upload can take.
import type { ServerResponse } from 'node:http';
import { hex } from '../api/hresult.js';

/** Names of the refusals a limit or a check produces, by the HRESULT/status of their Ack. */
const REASONS: Record<string, string> = {
  '0x80200020': 'upload_too_large',
  '0x80070045': 'sessions_per_client',
  '0x8020001F': 'session_not_found',
  '0x80070057': 'invalid_request',
  '0x80070005': 'access_denied',
  '0x80070070': 'disk_full',
  '413': 'fragment_too_large',
  '416': 'range_gap',
  '401': 'unauthenticated',
};

export class ServerMetrics {
  private readonly requests = new Map<string, number>();
  private readonly refusals = new Map<string, number>();
  private bytesReceived = 0;
  private readonly drops = new Map<string, number>();
  private readonly startedAt = Date.now();

  request(packetType: string, status: number): void {
    const key = `${packetType || 'none'}|${status}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  refused(hresult: number | null, status: number): void {
    const reason = (hresult !== null ? REASONS[hex(hresult)] : undefined) ?? REASONS[String(status)] ?? `status_${status}`;
    this.refusals.set(reason, (this.refusals.get(reason) ?? 0) + 1);
  }

  dropped(reason: string): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1);
  }

  received(bytes: number): void {
    if (bytes > 0) this.bytesReceived += bytes;
  }

  /** Prometheus exposition text. */
  text(openSessions: number): string {
    const lines = [
      '# HELP bits_requests_total BITS_POST packets answered, by packet type and HTTP status.',
      '# TYPE bits_requests_total counter',
      ...[...this.requests].map(([k, n]) => {
        const [type, status] = k.split('|');
        return `bits_requests_total{packet="${type!.toLowerCase().replace(/[^a-z-]/g, '')}",status="${status}"} ${n}`;
      }),
      '# HELP bits_refusals_total Requests refused, by reason (limits, checks, authentication).',
      '# TYPE bits_refusals_total counter',
      ...[...this.refusals].map(([r, n]) => `bits_refusals_total{reason="${r}"} ${n}`),
      '# HELP bits_connections_dropped_total Connections the server cut: idle (no byte for the idle timeout), headers_timeout (slowloris), slow_body (a body under the minimum rate), bad_request.',
      '# TYPE bits_connections_dropped_total counter',
      ...[...this.drops].map(([r, n]) => `bits_connections_dropped_total{reason="${r}"} ${n}`),
      '# HELP bits_received_bytes_total Upload bytes written to session files.',
      '# TYPE bits_received_bytes_total counter',
      `bits_received_bytes_total ${this.bytesReceived}`,
      '# HELP bits_open_sessions Sessions this instance holds.',
      '# TYPE bits_open_sessions gauge',
      `bits_open_sessions ${openSessions}`,
      '# HELP bits_uptime_seconds Seconds since the server started.',
      '# TYPE bits_uptime_seconds gauge',
      `bits_uptime_seconds ${Math.round((Date.now() - this.startedAt) / 1000)}`,
    ];
    return lines.join('\n') + '\n';
  }
}

export function sendText(res: ServerResponse, status: number, type: string, body: string, head: boolean): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(head ? undefined : body);
}
