/**
 * Pulls at mirror speed: the same image pulled inside a fresh sandbox (its nested engine, from the mirror) and on
 * the host engine from the mirror's push address (127.0.0.1:PORT), interleaved in the same run. Each side first
 * removes its own copy, and only `docker pull` itself is timed (`date +%s%N` around it, in a shell on that side).
 * Also: how long a learner waits for the line a failed pull (`docker pull nosuchimage`) gives them.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { MIRROR_PUSH_CONTAINER } from '../src/images';
import type { BenchContext, BenchRow } from './bench-types';
import type { Harness } from './slack-e2e';
import { ms, percentile } from './stats';

const run = promisify(execFile);

export const PULL_IMAGES = (process.env.BENCH_IMAGES_PULL ?? 'hello-world,busybox,nginx,python:3.11-slim').split(',').map((s) => s.trim());
const PULL_N = Number(process.env.BENCH_IMAGES_PULL_N ?? 3);
const FAIL_N = Number(process.env.BENCH_IMAGES_FAIL_N ?? 5);

/**
 * Times `docker pull $1` after making room for it ($2): `all` removes every image of that engine first (a real
 * pull: every layer downloaded and unpacked, shared base layers too); `keep` removes only the tag, the image staying
 * under a second tag (the engine fetches the manifest and finds it has the rest); `one` removes the tag alone.
 * Prints "exit microseconds layers-downloaded layers-present".
 */
const TIMED_PULL = `ref="$1"; mode="$2"
case "$mode" in
  all) ids=$(docker images -aq); [ -n "$ids" ] && docker rmi -f $ids >/dev/null 2>&1 ;;
  keep) docker tag "$ref" bench-keep:latest && docker rmi "$ref" >/dev/null 2>&1 ;;
  *) docker rmi "$ref" >/dev/null 2>&1 ;;
esac
log=$(mktemp); s=$(date +%s%N); docker pull "$ref" >"$log" 2>&1; rc=$?; e=$(date +%s%N)
echo "$rc $(( (e - s) / 1000 )) $(grep -c 'Pull complete' "$log") $(grep -c 'Already exists' "$log")"; [ $rc = 0 ] || tail -2 "$log" >&2
rm -f "$log"; [ "$mode" = keep ] && docker rmi bench-keep:latest >/dev/null 2>&1; true`;

/**
 * The host's floor for a real pull of the same image: what `docker pull` must do at the least, by hand from the
 * mirror's push address: the manifest, the config, then each layer downloaded and unpacked (curl | tar -xz) into
 * a scratch folder, one after the other. $1: http://host/v2/repo, $2: tag, $3: config digest, the rest: layer digests.
 */
const HOST_FLOOR = `base="$1"; tag="$2"; config="$3"; shift 3; dir=$(mktemp -d); rc=0
s=$(date +%s%N)
curl -sf -o /dev/null -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' "$base/manifests/$tag" || rc=1
curl -sf -o /dev/null "$base/blobs/$config" || rc=1
for d in "$@"; do curl -sf "$base/blobs/$d" | tar -xzf - -C "$dir" 2>/dev/null || rc=1; done
e=$(date +%s%N); rm -rf "$dir"
echo "$rc $(( (e - s) / 1000 )) $# 0"`;

interface Pull {
  ms: number;
  downloaded: number;
  present: number;
}

function parse(side: string, ref: string, out: { stdout: string; stderr: string }): Pull {
  const [rc, us, downloaded, present] = out.stdout.trim().split(/\s+/).map(Number);
  if (rc !== 0) throw new Error(`bench: ${side} \`docker pull ${ref}\` failed (exit ${rc}): ${out.stderr.trim()}`);
  return { ms: us! / 1000, downloaded: downloaded!, present: present! };
}

/** Docker Hub name -> the mirror's repository and tag: nginx -> library/nginx, latest */
function mirrorRef(name: string): { repo: string; tag: string } {
  const [repo, tag = 'latest'] = name.split(':');
  return { repo: repo!.includes('/') ? repo! : `library/${repo}`, tag };
}

/** The host port the writable mirror instance publishes on 127.0.0.1. */
async function pushHost(ctx: BenchContext): Promise<string> {
  const info = await ctx.docker.getContainer(MIRROR_PUSH_CONTAINER).inspect();
  const port = info.NetworkSettings.Ports['5000/tcp']?.[0]?.HostPort;
  if (!port) throw new Error(`bench: ${MIRROR_PUSH_CONTAINER} publishes no port`);
  return `127.0.0.1:${port}`;
}

/** The config and layer digests the mirror serves for repo:tag. */
async function manifestDigests(host: string, repo: string, tag: string): Promise<string[]> {
  const res = await fetch(`http://${host}/v2/${repo}/manifests/${tag}`, { headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
  if (!res.ok) throw new Error(`bench: the mirror answered ${res.status} for ${repo}:${tag}`);
  const m = (await res.json()) as { config: { digest: string }; layers: { digest: string }[] };
  return [m.config.digest, ...m.layers.map((l) => l.digest)];
}

const limitOf = (host: number) => Math.max(3 * host, host + 500);
const TARGET = '<= max(3x host, host + 500 ms)';
const layers = (p: Pull) => `${p.downloaded} layer${p.downloaded === 1 ? '' : 's'} downloaded, ${p.present} already present`;
const p50 = (v: Pull[]) => percentile(v.map((p) => p.ms), 50);

/**
 * Two rows per image, each a sandbox/host ratio against max(3x, +500 ms):
 * - a real pull in the sandbox (its engine emptied first) vs the host's floor for the same download and unpack;
 * - the image already in each engine, its tag removed: what `docker pull` costs besides the layers (name lookup,
 *   the registry's ping, the manifest), which is all a host `docker pull` does here: the host engine keeps every
 *   layer under the locally built lesson images, which the bench may not remove.
 */
export async function pullRatioRows(ctx: BenchContext): Promise<BenchRow[]> {
  const host = await pushHost(ctx);
  // egress blocked, as learners' sandboxes are by default
  const m = ctx.manager('imgpull', { blockEgress: true });
  await m.start();
  const hostRefs: string[] = [];
  try {
    const key = 'bench:imgpull';
    await m.run(key, 'true');
    const id = m.containerIdOf(key)!;
    const inSandbox = (name: string, mode: string) => run('docker', ['exec', id, 'sh', '-c', TIMED_PULL, 'sh', name, mode], { timeout: 300_000 }).then((o) => parse('sandbox', name, o));
    const rows: BenchRow[] = [];
    for (const name of PULL_IMAGES) {
      const { repo, tag } = mirrorRef(name);
      const hostRef = `${host}/${repo}:${tag}`;
      hostRefs.push(hostRef);
      const digests = await manifestDigests(host, repo, tag);
      const real: Pull[] = [];
      const floor: Pull[] = [];
      const sKeep: Pull[] = [];
      const hKeep: Pull[] = [];
      for (let i = 0; i < PULL_N; i++) {
        real.push(await inSandbox(name, 'all'));
        floor.push(parse('host', `${hostRef} (by hand)`, await run('sh', ['-c', HOST_FLOOR, 'sh', `http://${host}/v2/${repo}`, tag, ...digests], { timeout: 300_000 })));
      }
      for (let i = 0; i < PULL_N; i++) {
        sKeep.push(await inSandbox(name, 'keep'));
        hKeep.push(parse('host', hostRef, await run('sh', ['-c', TIMED_PULL, 'sh', hostRef, 'one'], { timeout: 300_000 })));
      }
      const [s1, h1, s2, h2] = [p50(real), p50(floor), p50(sKeep), p50(hKeep)];
      rows.push(
        {
          metric: `\`docker pull ${name}\`, real pull: fresh sandbox / host download + unpack floor, p50 (n=${PULL_N} each, interleaved)`,
          value: `${ms(s1)} / ${ms(h1)} (${(s1 / h1).toFixed(2)}x)`,
          target: TARGET,
          note: `${s1 <= limitOf(h1) ? 'met' : 'NOT met'} (limit ${ms(limitOf(h1))}); first pull in the fresh sandbox ${ms(real[0]!.ms)}; sandbox: ${layers(real[0]!)}; host: ${digests.length - 1} layer(s) fetched with curl piped to tar -xz`,
        },
        {
          metric: `\`docker pull ${name}\`, image present, tag removed: sandbox / host \`docker pull\` p50 (n=${PULL_N} each, interleaved)`,
          value: `${ms(s2)} / ${ms(h2)} (${(s2 / h2).toFixed(2)}x)`,
          target: TARGET,
          note: `${s2 <= limitOf(h2) ? 'met' : 'NOT met'} (limit ${ms(limitOf(h2))}); host from ${host}; sandbox: ${layers(sKeep[0]!)}; host: ${layers(hKeep[0]!)}`,
        },
      );
    }
    return rows;
  } finally {
    // the host tags this section's pulls made (the layers stay: the locally built lesson images hold them)
    for (const ref of hostRefs) await run('docker', ['rmi', ref]).catch(() => undefined);
    await m.destroyAll();
  }
}

/** The learner-facing text of a final message: the section texts of its blocks. */
function blockText(blocksJson: string): string {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'text' && typeof x === 'string') out.push(x);
        else walk(x);
      }
    }
  };
  try {
    walk(JSON.parse(blocksJson));
  } catch {
    return blocksJson;
  }
  // Slack text escapes these three
  return out.join('\n').replace(/&gt;/g, '>').replace(/&lt;/g, '<').replace(/&amp;/g, '&');
}

/** `docker pull nosuchimage` in a ready sandbox through the bot: DM to final output, and the line the learner got. */
export async function pullFailureRow(h: Harness): Promise<BenchRow> {
  const learner = `UPULL${randomBytes(3).toString('hex').toUpperCase()}`;
  const channel = h.standIn.dmChannelFor(learner);
  const send = async (command: string) => {
    const { done } = h.watcher.expect(channel, command, 120_000);
    const t0 = performance.now();
    await h.standIn.sendDirectMessage(learner, `$ ${command}`);
    const final = await done;
    return { at: final.at - t0, text: final.text, output: blockText(final.output) };
  };
  await send('true'); // the sandbox starts here, not in the timed pulls
  const lat: number[] = [];
  let last = { text: '', output: '' };
  for (let i = 0; i < FAIL_N; i++) {
    const r = await send('docker pull nosuchimage');
    lat.push(r.at);
    last = r;
  }
  await h.bot.sandboxes.reset(`${h.teamId}:${learner}`).catch(() => undefined);
  const p95 = percentile(lat, 95);
  const line = last.output.split('\n').map((l) => l.replace(/[`|]/g, ' ').trim()).filter((l) => /error|not|no such|available|offline/i.test(l) && !l.startsWith('$'))[0] ?? last.output.slice(0, 160);
  return {
    metric: `\`docker pull nosuchimage\` in a ready sandbox: DM to final output, p95 (n=${FAIL_N})`,
    value: ms(p95),
    target: '<= 2000 ms',
    note: `${Number.isFinite(p95) && p95 <= 2000 ? 'met' : 'NOT met'}; p50 ${ms(percentile(lat, 50))}; the learner saw: "${line.slice(0, 200)}"`,
  };
}
