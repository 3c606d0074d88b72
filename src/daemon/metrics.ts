/** Prometheus metrics (prom-client), served as text on metrics.listen when it is set. */
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { JobService } from '../jobs/service.js';

export class Metrics {
  readonly registry = new Registry();
  readonly submitted = new Counter({ name: 'fleetq_jobs_submitted_total', help: 'Jobs accepted', registers: [this.registry] });
  readonly finished = new Counter({ name: 'fleetq_jobs_finished_total', help: 'Jobs finished', labelNames: ['outcome'], registers: [this.registry] });
  readonly cycle = new Histogram({ name: 'fleetq_scheduler_cycle_seconds', help: 'Scheduling cycle time', buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1], registers: [this.registry] });
  private server: Server | undefined;

  constructor(jobs: JobService) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'fleetq_jobs', help: 'Jobs by state letter', labelNames: ['state'], registers: [this.registry],
      collect() {
        const c: Record<string, number> = { Q: 0, H: 0, W: 0, R: 0, E: 0, F: 0 };
        for (const j of jobs.all()) c[j.state_letter] = (c[j.state_letter] ?? 0) + 1;
        for (const [s, n] of Object.entries(c)) this.set({ state: s }, n);
      },
    });
    jobs.on('change', ({ event }) => {
      if (event.kind === 'submitted') this.submitted.inc();
      if (event.kind === 'finished' || event.kind === 'deleted') this.finished.inc({ outcome: event.kind });
    });
  }

  /** Serves /metrics on host:port. */
  listen(hostPort: string): Promise<void> {
    const i = hostPort.lastIndexOf(':');
    const host = hostPort.slice(0, i) || '127.0.0.1';
    const port = Number(hostPort.slice(i + 1));
    this.server = createServer((req, res) => {
      if (req.url !== '/metrics') { res.writeHead(404).end(); return; }
      this.registry.metrics().then((text) => { res.writeHead(200, { 'content-type': this.registry.contentType }).end(text); }, () => res.writeHead(500).end());
    });
    return new Promise((resolve, reject) => { this.server?.once('error', reject); this.server?.listen(port, host, () => resolve()); });
  }

  close(): void { this.server?.close(); }
}
