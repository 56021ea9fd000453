/**
 * Port previews (speed): the first byte of the nginx stand-in's page through the playground's preview
 * (`/preview/8080/`: session check, a relay in the sandbox's inspector, kept alive between requests, its link to
 * the sandbox's loopback)
 * against a direct request from this process to the same app (the sandbox's own address, port 8080), in the
 * same run, alternating. The ratio is the row; both medians are in its note.
 */
import http from 'node:http';
import { createPlayground } from '../src/playground';
import { createSandboxPreviews } from '../src/sandbox';
import type { BenchRow, BenchSection } from './bench-types';
import { ms, percentile } from './stats';

const N = Number(process.env.BENCH_PREVIEW_N ?? 20);
const KEY = 'bench:preview';

/** Milliseconds until the response's status line and headers arrived. */
function firstByte(url: string, headers: Record<string, string> = {}): Promise<{ ms: number; status: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.get(url, { headers, agent: false }, (res) => {
      const took = performance.now() - started;
      res.resume();
      res.on('end', () => resolve({ ms: took, status: res.statusCode ?? 0 }));
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`no answer from ${url}`)));
    req.on('error', reject);
  });
}

export const playgroundPreview: BenchSection = {
  title: 'Playground preview',
  async run(ctx): Promise<BenchRow[]> {
    const m = ctx.manager('preview', { commandsPerMinute: 600 });
    await m.start();
    const who = { teamId: 'TBENCH', userId: 'UBENCH' };
    const dialer = createSandboxPreviews({ sandbox: ctx.config() }, m, { docker: ctx.docker, logger: ctx.logger });
    const playground = createPlayground({
      config: { port: 0, host: '127.0.0.1', previewMaxSeconds: 60, adminView: false },
      sessionMs: 3_600_000,
      terminals: { open: () => Promise.reject(new Error('no terminal in this bench')), touch: async () => undefined },
      mark: '\x1b]6973;bench\x07',
      lessons: { step: async () => undefined, check: async () => [], hint: async () => [], commandEnded: async () => undefined },
      previews: { ports: () => dialer.ports(KEY), connect: (_w, port, opts) => dialer.connect(KEY, port, opts) },
      log: ctx.logger,
    });
    try {
      const r = await m.run(KEY, 'docker run -d -p 8080:80 nginx >/dev/null && echo up', { timeoutMs: 300_000 });
      if (!r.output.includes('up')) throw new Error(`nginx did not start: ${r.output.slice(-300)}`);
      await playground.start();
      const opened = await fetch(playground.linkFor(who), { redirect: 'manual' });
      const cookie = opened.headers.get('set-cookie')!.split(';')[0]!;
      const info = await ctx.docker.getContainer(m.containerIdOf(KEY)!).inspect();
      const ip = Object.values(info.NetworkSettings.Networks).find((n) => n.IPAddress)?.IPAddress;
      if (!ip) throw new Error('the sandbox has no address');
      const direct = `http://${ip}:8080/`;
      const preview = new URL('/preview/8080/', playground.publicUrl).toString();
      // nginx answering, the inspector started: neither is what is measured
      for (let i = 0; i < 60 && (await firstByte(preview, { Cookie: cookie })).status !== 200; i++) await new Promise((res) => setTimeout(res, 500));
      await firstByte(direct);
      const viaPreview: number[] = [];
      const viaDirect: number[] = [];
      for (let i = 0; i < N; i++) {
        const p = await firstByte(preview, { Cookie: cookie });
        if (p.status !== 200) throw new Error(`the preview answered ${p.status}`);
        viaPreview.push(p.ms);
        viaDirect.push((await firstByte(direct)).ms);
      }
      const [pp, dp] = [percentile(viaPreview, 50), percentile(viaDirect, 50)];
      return [
        {
          metric: `preview first byte / direct first byte, p50 (n=${N})`,
          value: `${(pp / dp).toFixed(1)}x`,
          note: `through /preview/8080/ ${ms(pp)} (p95 ${ms(percentile(viaPreview, 95))}) vs straight to the sandbox's port ${ms(dp)}; relays reused by the keep-alive pool after the first`,
        },
      ];
    } finally {
      await playground.stop().catch(() => undefined);
      await m.destroyAll();
    }
  },
};
