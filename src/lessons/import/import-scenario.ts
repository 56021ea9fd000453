import * as path from 'node:path';
import { toChatMarkdown } from './chat-markdown';
import { manifestImages, mapImages, newImageScan, scanProse, scanText } from './image-mapping';
import type { ImportedLesson, ImportedStepStats, ImportNote } from './import-types';
import { findCodeBlocks } from './markdown-blocks';
import { collectAssets } from './scenario-assets';
import { readScenarioFile } from './scenario-files';
import { conventionalAnswer, KNOWN_ENTRY_KEYS, parseLevel, parseMinutes, readScenarioIndex, slugId, type ScenarioEntry } from './scenario-index';
import { assetScript, backgroundSetup, CHECK_SCRATCH, foregroundDoesSetup, KS_DIR, redirectWrites, rewriteKs, shellPath, wrapVerify } from './scenario-scripts';
import { deriveSolution } from './solution-derivation';

const pad = (n: number) => String(n).padStart(2, '0');
const MAY_BLOCK_TIMEOUT_S = 120;

interface RawStep {
  where: string;
  title: string;
  id: string;
  text?: string;
  answer?: string;
  verify?: string;
  verifyFile?: string;
  background?: string;
  backgroundFile?: string;
  foreground?: string;
  foregroundFile?: string;
}

async function readEntry(dir: string, e: ScenarioEntry, where: string, notes: ImportNote[]) {
  const bgKey = e.background !== undefined ? 'background' : 'courseData';
  const fgKey = e.foreground !== undefined ? 'foreground' : 'code';
  const text = await readScenarioFile(dir, e.text, where, 'text', notes);
  const answerRel = e.answer ?? (await conventionalAnswer(dir, e.text, where, notes));
  return {
    text,
    answer: await readScenarioFile(dir, answerRel, where, 'answer', notes),
    verify: await readScenarioFile(dir, e.verify, where, 'verify', notes),
    verifyFile: typeof e.verify === 'string' ? e.verify : undefined,
    background: await readScenarioFile(dir, e[bgKey], where, bgKey, notes),
    backgroundFile: typeof e[bgKey] === 'string' ? (e[bgKey] as string) : undefined,
    foreground: await readScenarioFile(dir, e[fgKey], where, fgKey, notes),
    foregroundFile: typeof e[fgKey] === 'string' ? (e[fgKey] as string) : undefined,
  };
}

/**
 * Reads a Killercoda scenario (index.json with details.intro/steps/finish: text, verify, background, foreground,
 * assets) or a legacy Katacoda one (courseData, code, answer) and maps it onto a Dockhand lesson. Solutions come from
 * the scenario (answer file, Solution section, `{{exec}}` blocks); what cannot be carried over is a TODO note, and a
 * step without a check or a solution is written without it, so the lesson fails validation until the author decides.
 */
export async function importScenario(folder: string, opts: { id?: string } = {}): Promise<ImportedLesson> {
  const idx = await readScenarioIndex(folder);
  const { dir, raw, format } = idx;
  const notes: ImportNote[] = [];
  const files = new Map<string, string>();
  const id = opts.id ?? (slugId(typeof raw.title === 'string' && raw.title.trim() ? raw.title : path.basename(dir)) || 'lesson');
  const title = typeof raw.title === 'string' && raw.title.trim() ? raw.title.trim() : id;
  if (typeof raw.title !== 'string') notes.push({ severity: 'todo', where: 'index.json', message: 'no title; used the folder name' });
  const summary = typeof raw.description === 'string' && raw.description.trim() ? raw.description.trim().split('\n')[0]! : title;
  const level = parseLevel(raw.difficulty);
  if (!level) notes.push({ severity: 'info', where: 'index.json', message: 'no difficulty; level set to beginner' });
  const minutes = parseMinutes(raw.time) ?? Math.max(5, idx.steps.length * 3);
  if (parseMinutes(raw.time) === undefined) notes.push({ severity: 'info', where: 'index.json', message: `no time estimate; minutes set to ${minutes}` });
  const backend = (raw.backend as Record<string, unknown> | undefined)?.imageid ?? (raw.environment as Record<string, unknown> | undefined)?.imageid;
  const nodes = /\dnodes?\b/i.test(String(backend ?? '')) ? "; its other machines (node01...) are containers of the sandbox's engine, reached with `ssh node01`" : '';
  if (backend !== undefined) notes.push({ severity: 'info', where: 'index.json', message: `backend "${String(backend)}" not mapped: lessons run in the Dockhand sandbox (Debian with its own Docker engine, read-only root)${nodes}` });

  const intro = idx.intro ? await readEntry(dir, idx.intro, 'details.intro', notes) : undefined;
  const steps: RawStep[] = [];
  const usedIds = new Set<string>();
  for (const [i, rawStep] of idx.steps.entries()) {
    const where = `details.steps[${i}]`;
    if (!rawStep || typeof rawStep !== 'object') {
      notes.push({ severity: 'todo', where, message: 'expected an object; step skipped' });
      continue;
    }
    const e = rawStep as ScenarioEntry;
    for (const k of Object.keys(e)) if (!KNOWN_ENTRY_KEYS.has(k)) notes.push({ severity: 'todo', where, message: `key "${k}" not mapped` });
    const stepTitle = typeof e.title === 'string' && e.title.trim() ? e.title.trim() : `Step ${i + 1}`;
    let stepId = slugId(stepTitle.replace(/^step\s*\d+\s*[-:.|]\s*/i, '')) || `step-${i + 1}`;
    while (usedIds.has(stepId)) stepId = slugId(`${stepId}-${i + 1}`, 60);
    usedIds.add(stepId);
    steps.push({ where, title: stepTitle, id: stepId, ...(await readEntry(dir, e, where, notes)) } as RawStep);
  }
  const finish = idx.finish ? await readEntry(dir, idx.finish, 'details.finish', notes) : undefined;

  const assets = await collectAssets(dir, idx.assets, notes);
  // images: every script, asset and code block, plus prose such as "the `nginx:alpine` image"
  const scan = newImageScan();
  const texts: string[] = [];
  const scanAll = (t: string | undefined, where: string, md = false) => {
    if (t === undefined) return;
    texts.push(t);
    if (md) {
      for (const b of findCodeBlocks(t)) scanText(scan, b.code, where);
      scanProse(scan, t, where);
    } else scanText(scan, t, where);
  };
  for (const s of [{ where: 'details.intro', ...intro }, ...steps]) {
    scanAll(s.text, s.where, true);
    scanAll(s.answer, s.where, true);
    scanAll(s.background, s.where);
    scanAll(s.foreground, s.where);
    scanAll(s.verify, s.where);
  }
  for (const a of assets) scanAll(a.bytes.toString('utf8'), `asset ${a.target}`);
  const images = mapImages(scan, texts.join('\n'));
  for (const n of images.notes) notes.push({ severity: images.unservable.some((u) => n.startsWith(u)) ? 'todo' : 'info', where: 'images', message: n });
  for (const t of images.todos) notes.push({ severity: 'todo', where: 'images', message: t });

  const manifest: Record<string, unknown> = { id, title, summary, level: level ?? 'beginner', minutes, images: manifestImages(images) };
  for (const [key, entry, where] of [['intro', intro, 'details.intro'], ['finish', finish, 'details.finish']] as const) {
    if (entry?.text === undefined) continue;
    const chat = toChatMarkdown(entry.text, where, notes);
    if (chat.text.trim()) {
      files.set(`${key}.md`, chat.text);
      manifest[key] = { file: `${key}.md` };
    }
  }
  if (finish && (finish.background ?? finish.foreground)) notes.push({ severity: 'info', where: 'details.finish', message: 'finish scripts not mapped (lessons have no clean-up step; sandboxes are thrown away)' });

  // the first setup: Killercoda's /ks, the assets, the images under the scenario's names, then the intro scripts
  const provided = new Set(assets.map((a) => a.target));
  const usesKs = [intro, ...steps].some((s) => [s?.background, s?.foreground, s?.verify, ...assets.map((a) => a.bytes.toString('utf8'))].some((t) => t !== undefined && rewriteKs(t).changed));
  const first: string[] = [];
  if (usesKs) {
    first.push(`mkdir -p ${KS_DIR}  # Killercoda's /ks (the sandbox root is read-only)`);
    notes.push({ severity: 'info', where: 'scripts', message: `Killercoda's /ks folder is ${KS_DIR} in every script (the sandbox's root filesystem is read-only)` });
  }
  if (assets.length) first.push(assetScript(assets));
  if (Object.keys(images.mapped).length) {
    const served = [...new Set(Object.values(images.mapped))];
    first.push(
      [
        '# images the scenario names, served by the offline mirror under other names: pulled and tagged as the scenario says',
        ...served.map((s) => `timeout 120 docker pull -q ${s} >/dev/null || { echo "could not pull ${s} from the offline mirror"; exit 1; }`),
        ...Object.entries(images.mapped).map(([name, s]) => `docker tag ${s} ${name}`),
      ].join('\n'),
    );
  }
  const scripts = (s: { background?: string; backgroundFile?: string; foreground?: string; foregroundFile?: string } | undefined, where: string): string[] => {
    const out: string[] = [];
    if (s?.background !== undefined) {
      const bg = backgroundSetup(`background script ${s.backgroundFile}`, rewriteKs(s.background).text, provided);
      out.push(bg.text);
      for (const f of bg.created) notes.push({ severity: 'info', where, message: `the background script waits for ${f}, which nothing in the lesson creates; the setup creates it first so it cannot hang` });
    }
    if (s?.foreground !== undefined) {
      if (foregroundDoesSetup(s.foreground)) {
        out.push(backgroundSetup(`foreground script ${s.foregroundFile}`, rewriteKs(s.foreground).text, provided).text);
        notes.push({ severity: 'info', where, message: `foreground script "${s.foregroundFile}" does set-up work; it runs in the setup (learners do not see it run)` });
      } else {
        notes.push({ severity: 'info', where, message: `foreground script "${s.foregroundFile}" only waits or greets; not mapped` });
      }
    }
    return out;
  };
  first.push(...scripts(intro, 'details.intro'));
  const init = assets.find((a) => /^(init|setup)\.sh$/.test(path.posix.basename(a.target)));
  if (intro?.backgroundFile && intro.background === undefined && init) {
    // Killercoda's own courses start their assets/init.sh from the intro background ("FILE=/ks/init.sh; ... bash $FILE")
    first.push(backgroundSetup(`the scenario's asset ${path.posix.basename(init.target)}`, `bash ${shellPath(init.target)}`, provided).text);
    notes.push({ severity: 'todo', where: 'details.intro', message: `the intro background "${intro.backgroundFile}" is missing; the setup runs the asset ${init.target} instead, as the background scripts of Killercoda's own courses do: check that this is what the scenario needs` });
  }

  const manifestSteps: Record<string, unknown>[] = [];
  const stats: ImportedStepStats[] = [];
  for (const [i, s] of steps.entries()) {
    const base = `steps/${pad(i + 1)}-${s.id}`;
    const step: Record<string, unknown> = { id: s.id, title: s.title };
    if (s.text !== undefined) {
      const chat = toChatMarkdown(s.text, s.where, notes);
      files.set(`${base}.md`, chat.text || `${s.title}\n`);
      step.body = { file: `${base}.md` };
      if (chat.hints.length) step.hints = chat.hints;
    } else {
      step.body = s.title;
      notes.push({ severity: 'todo', where: s.where, message: 'no text; the step title is used as its body' });
    }
    const derived = deriveSolution({ ...(s.answer !== undefined ? { answer: s.answer } : {}), body: s.text ?? '' }, scan.local);
    for (const m of derived.todos) notes.push({ severity: 'todo', where: s.where, message: m });
    for (const m of derived.infos) notes.push({ severity: 'info', where: s.where, message: m });
    if (s.verify !== undefined) {
      const v = redirectWrites(rewriteKs(s.verify).text);
      if (v.moved.length) notes.push({ severity: 'info', where: s.where, message: `the verify script's own files (${v.moved.join(', ')}) go to ${CHECK_SCRATCH}: checks see the learner's files read-only` });
      files.set(`${base}-check.sh`, wrapVerify(v.text, s.title, s.verifyFile ?? 'verify script', v.logs));
      step.check = { file: `${base}-check.sh` };
    } else {
      notes.push({ severity: 'todo', where: s.where, message: `"${s.title}" has no verify script: write a check (exit 0 when done, last line = message)` });
    }
    if (derived.commands.length) {
      step.solution = derived.commands.map((c) => rewriteKs(c).text);
      notes.push({ severity: 'info', where: s.where, message: `solution (${derived.commands.length} command${derived.commands.length > 1 ? 's' : ''}) from the scenario's ${derived.source.replace('-', ' ')}` });
      if (derived.mayBlock) step.solutionTimeoutSeconds = MAY_BLOCK_TIMEOUT_S;
    } else {
      notes.push({ severity: 'todo', where: s.where, message: `"${s.title}": no solution in the scenario (no answer file, Solution section or {{exec}} block): write solution (the commands that complete the step)` });
    }
    const setup = [...(i === 0 ? first : []), ...scripts(s, s.where)];
    if (setup.length) {
      files.set(`${base}-setup.sh`, `${setup.join('\n\n')}\n`);
      step.setup = { file: `${base}-setup.sh` };
    }
    manifestSteps.push(step);
    stats.push({ id: s.id, solutionSource: derived.source, hasCheck: s.verify !== undefined });
  }
  manifest.steps = manifestSteps;
  return { format, id, manifest, files, notes, steps: stats, images: { served: images.served, mapped: images.mapped, unservable: images.unservable } };
}
