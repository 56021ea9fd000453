import { basicSetup } from 'codemirror';
import { Compartment, EditorState, Prec } from '@codemirror/state';
import { EditorView, keymap } from '@codemirror/view';
import { oneDark } from '@codemirror/theme-one-dark';
import { filesApi, nameOf, parentOf, resolveName, shown, type Roots } from './editor-api';
import { languageFor } from './editor-languages';
import { FileTree } from './editor-tree';
import { linkStepFiles } from './step-links';
import './editor.css';

/**
 * The playground's editor: a file tree and a CodeMirror editor for the learner's files in their sandbox (their
 * home and the folders lessons use), above the terminal. Save, new file and folder, rename, delete, upload by drag
 * and drop, download; files named in the step text open from there. Every change goes through /api/files.
 */

const PANEL = `
<div id="files-tree-pane">
  <div class="files-bar">
    <button type="button" id="files-new" title="New file in the selected folder">New file</button>
    <button type="button" id="files-mkdir" title="New folder in the selected folder">New folder</button>
    <button type="button" id="files-upload" title="Upload (or drop files here)">Upload</button>
    <input type="file" id="files-upload-input" multiple hidden>
  </div>
  <div class="files-bar">
    <button type="button" id="files-rename">Rename</button>
    <button type="button" id="files-delete">Delete</button>
    <button type="button" id="files-download">Download</button>
  </div>
  <div id="files-ask" hidden><label id="files-ask-label" for="files-ask-input"></label><input id="files-ask-input" autocomplete="off" spellcheck="false"></div>
  <ul id="files-tree" role="tree" aria-label="Your files"></ul>
</div>
<div id="editor-pane">
  <div class="files-bar"><span id="editor-path">No file open</span><button type="button" id="editor-save" disabled>Save</button></div>
  <div id="editor"></div>
  <div id="files-said" role="status"></div>
</div>`;

const el = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const mb = (n: number) => `${Math.round((n / 1024 / 1024) * 10) / 10} MB`;

const panel = document.createElement('section');
panel.id = 'files';
panel.innerHTML = PANEL;
panel.hidden = true;
document.getElementById('right')?.insertBefore(panel, document.getElementById('terminal'));

let home = '/root';
let limits: Roots['limits'] = { uploadBytes: 5 * 1024 * 1024, openBytes: 1024 * 1024, downloadBytes: 50 * 1024 * 1024 };
let current: { path: string; isNew: boolean } | undefined;
let dirty = false;

const say = (text: string): void => void (el('files-said').textContent = text);
const failed = () => say('Dockhand could not be reached; try again.');
const tree = new FileTree(el('files-tree'), home, (path) => openFile(path).catch(failed), say);
const language = new Compartment();
const editable = new Compartment();
const view = new EditorView({
  parent: el('editor'),
  state: EditorState.create({
    doc: '',
    extensions: [
      basicSetup,
      oneDark,
      language.of([]),
      editable.of(EditorView.editable.of(false)),
      Prec.high(keymap.of([{ key: 'Mod-s', preventDefault: true, run: () => (void save(), true) }])),
      EditorView.updateListener.of((u) => {
        if (u.docChanged && current) setDirty(true);
      }),
    ],
  }),
});

function setDirty(d: boolean): void {
  dirty = d;
  el('editor-path').textContent = current ? `${shown(current.path, home)}${current.isNew ? ' (new)' : ''}${d ? ' ●' : ''}` : 'No file open';
  el<HTMLButtonElement>('editor-save').disabled = !current;
}

function show(path: string | undefined, text: string, isNew = false): void {
  current = path ? { path, isNew } : undefined;
  view.dispatch({
    changes: { from: 0, to: view.state.doc.length, insert: text },
    effects: [language.reconfigure(path ? languageFor(path) : []), editable.reconfigure(EditorView.editable.of(!!path))],
  });
  setDirty(false);
}

const discardOk = () => !dirty || confirm(`Discard your unsaved changes to ${shown(current!.path, home)}?`);

/** Opens a file; a missing one named in the step text opens empty, to be created on Save (with its folders). */
async function openFile(path: string, o: { createIfMissing?: boolean } = {}): Promise<void> {
  if (current?.path === path || !discardOk()) return;
  const r = await filesApi.read(path);
  if (r.ok && r.body.text !== undefined) {
    show(path, r.body.text);
    say(`Opened ${shown(path, home)}.`);
  } else if (r.ok && r.body.binary) {
    show(undefined, '');
    say(`${shown(path, home)} is a binary file (${r.body.size} bytes): use Download to get it.`);
  } else if (r.body.problem === 'is-dir') {
    say(`${shown(path, home)} is a folder: see it in the tree.`);
    return tree.openFolder(path);
  } else if (r.status === 404 && o.createIfMissing) {
    show(path, '', true);
    say(`${shown(path, home)} does not exist yet: write it here and Save to create it.`);
  } else {
    say(r.body.error ?? 'That file could not be opened.');
  }
  tree.select(path);
}

async function save(): Promise<void> {
  if (!current) return;
  const { path, isNew } = current;
  const text = view.state.doc.toString();
  if (new Blob([text]).size > limits.uploadBytes) return say(`This file is over ${mb(limits.uploadBytes)}: it cannot be saved from here.`);
  say(`Saving ${shown(path, home)}…`);
  const r = await filesApi.write(path, text, { mode: isNew ? 'create' : 'replace', parents: isNew });
  if (!r.ok) return say(r.body.error ?? 'Saving did not work; try again.');
  if (current?.path === path && view.state.doc.toString() === text) {
    current.isNew = false;
    setDirty(false);
  }
  say(`Saved ${shown(path, home)}.`);
  await tree.refresh(parentOf(path));
}

/** A name asked for in the tree's own small field (Enter takes it, Escape cancels; no <form>: the CSP has form-action 'none'). */
function ask(label: string, initial = ''): Promise<string | undefined> {
  const form = el('files-ask');
  const input = el<HTMLInputElement>('files-ask-input');
  el('files-ask-label').textContent = label;
  input.value = initial;
  form.hidden = false;
  input.focus();
  input.select();
  return new Promise((resolve) => {
    const done = (v: string | undefined) => {
      form.hidden = true;
      input.onkeydown = null;
      resolve(v?.trim() ? v.trim() : undefined);
    };
    input.onkeydown = (e) => {
      if (e.key === 'Enter') done(input.value);
      else if (e.key === 'Escape') done(undefined);
    };
  });
}

async function newFile(): Promise<void> {
  const dir = tree.targetDir;
  const name = await ask(`New file in ${shown(dir, home)}:`);
  if (!name || !discardOk()) return;
  const path = resolveName(name, dir, home);
  const r = await filesApi.write(path, '', { mode: 'create' });
  if (!r.ok) return say(r.body.error ?? 'The file could not be made.');
  await tree.refresh(parentOf(path));
  dirty = false;
  await openFile(path);
}

async function newFolder(): Promise<void> {
  const dir = tree.targetDir;
  const name = await ask(`New folder in ${shown(dir, home)}:`);
  if (!name) return;
  const path = resolveName(name, dir, home);
  const r = await filesApi.mkdir(path);
  say(r.ok ? `Made ${shown(path, home)}.` : r.body.error ?? 'The folder could not be made.');
  await tree.refresh(parentOf(path));
}

async function rename(): Promise<void> {
  const from = tree.selected?.path;
  if (!from) return say('Select a file or folder first.');
  const name = await ask(`Rename ${shown(from, home)} to:`, nameOf(from));
  if (!name) return;
  const to = resolveName(name, parentOf(from), home);
  const r = await filesApi.rename(from, to);
  if (!r.ok) return say(r.body.error ?? 'Renaming did not work.');
  if (current && (current.path === from || current.path.startsWith(`${from}/`))) current.path = to + current.path.slice(from.length);
  setDirty(dirty);
  await tree.refresh(parentOf(from));
  if (parentOf(to) !== parentOf(from)) await tree.refresh(parentOf(to));
  tree.select(to);
  // Said last: until the tree holds the new name, Delete or Rename would act on the old one.
  say(`Renamed to ${shown(to, home)}.`);
}

async function remove(): Promise<void> {
  const path = tree.selected?.path;
  if (!path) return say('Select a file or folder first.');
  if (!confirm(`Delete ${shown(path, home)}${tree.selected?.isDir ? ' and everything in it' : ''}? This cannot be undone.`)) return;
  const r = await filesApi.remove(path);
  if (!r.ok) return say(r.body.error ?? 'Deleting did not work.');
  if (current && (current.path === path || current.path.startsWith(`${path}/`))) show(undefined, '');
  tree.select(undefined);
  await tree.refresh(parentOf(path));
  say(`Deleted ${shown(path, home)}.`);
}

function download(): void {
  const node = tree.selected;
  if (!node || node.isDir) return say('Select a file to download.');
  const a = document.createElement('a');
  a.href = filesApi.downloadUrl(node.path);
  a.download = nameOf(node.path);
  a.click();
}

/** Uploads into a folder, one file at a time; an existing name is replaced only when the learner says so. */
async function upload(files: File[], dir: string): Promise<void> {
  for (const file of files) {
    if (file.size > limits.uploadBytes) {
      say(`${file.name} is ${mb(file.size)}: uploads are up to ${mb(limits.uploadBytes)}.`);
      continue;
    }
    const path = resolveName(file.name, dir, home);
    say(`Uploading ${file.name}…`);
    let r = await filesApi.write(path, file, { mode: 'create' });
    if (r.body.problem === 'exists' && confirm(`${shown(path, home)} exists. Replace it?`)) r = await filesApi.write(path, file, { mode: 'replace' });
    say(r.ok ? `Uploaded ${shown(path, home)}.` : r.body.error ?? 'The upload did not work.');
  }
  await tree.refresh(dir);
}

const on = (id: string, fn: () => Promise<void> | void) => el(id).addEventListener('click', () => void Promise.resolve(fn()).catch(failed));
on('files-new', newFile);
on('files-mkdir', newFolder);
on('files-rename', rename);
on('files-delete', remove);
on('files-download', download);
on('editor-save', save);
on('files-upload', () => el('files-upload-input').click());
el<HTMLInputElement>('files-upload-input').addEventListener('change', (e) => {
  const input = e.target as HTMLInputElement;
  void upload([...(input.files ?? [])], tree.targetDir).catch(failed).finally(() => (input.value = ''));
});
panel.addEventListener('dragover', (e) => {
  e.preventDefault();
  panel.classList.add('dropping');
});
panel.addEventListener('dragleave', () => panel.classList.remove('dropping'));
panel.addEventListener('drop', (e) => {
  e.preventDefault();
  panel.classList.remove('dropping');
  // dropped on a folder in the tree: into that folder; anywhere else: the selected folder
  const li = (e.target as HTMLElement).closest('li.dir') as HTMLElement | null;
  void upload([...(e.dataTransfer?.files ?? [])], li?.dataset.path ?? tree.targetDir).catch(failed);
});

filesApi
  .roots()
  .then(async (r) => {
    if (!r.ok) return;
    home = r.body.home;
    limits = r.body.limits;
    panel.hidden = false;
    window.dispatchEvent(new Event('resize'));
    await tree.start(r.body.roots);
    linkStepFiles(el('step-body'), home, (path) => {
      openFile(path, { createIfMissing: true })
        .then(() => (current?.path === path && !current.isNew ? tree.reveal(path) : undefined))
        .catch(failed);
    });
  })
  .catch(() => undefined);
