import { filesApi, parentOf, shown, type FileEntry } from './editor-api';

interface Node {
  path: string;
  name: string;
  isDir: boolean;
  entry?: FileEntry;
}

/**
 * The file tree: the roots, folders opened on demand (one listing per open), one selected item. Clicking a folder
 * opens or closes it; clicking a file asks the editor to open it.
 */
export class FileTree {
  private readonly open = new Set<string>();
  private readonly children = new Map<string, Node[]>();
  private roots: string[] = [];
  selected?: Node;

  constructor(
    private readonly el: HTMLElement,
    private readonly home: string,
    private readonly onOpenFile: (path: string) => Promise<void> | void,
    private readonly say: (text: string) => void,
  ) {
    el.addEventListener('click', (e) => {
      const li = (e.target as HTMLElement).closest('li[data-path]');
      if (li) void this.clicked(li as HTMLElement).catch(() => this.say('Dockhand could not be reached; try again.'));
    });
  }

  async start(roots: string[]): Promise<void> {
    this.roots = roots;
    this.open.add(this.home);
    await this.load(this.home);
    this.render();
  }

  /** The folder new files go to: the selected folder, the selected file's folder, else the home. */
  get targetDir(): string {
    if (!this.selected) return this.home;
    return this.selected.isDir ? this.selected.path : parentOf(this.selected.path);
  }

  /** Lists a folder again (after a change in it) and shows the tree. */
  async refresh(dir: string): Promise<void> {
    if (this.children.has(dir) || this.roots.includes(dir)) await this.load(dir);
    this.render();
  }

  select(path: string | undefined): void {
    this.selected = path ? this.find(path) ?? { path, name: path.slice(path.lastIndexOf('/') + 1), isDir: false } : undefined;
    this.render();
  }

  /** Opens the folders down to a path (a file opened from the step text shows in the tree). */
  async reveal(path: string): Promise<void> {
    const root = this.roots.find((r) => path.startsWith(`${r}/`));
    if (!root) return;
    let dir = root;
    for (const part of path.slice(root.length + 1).split('/').slice(0, -1)) {
      this.open.add(dir);
      if (!this.children.has(dir)) await this.load(dir);
      dir = `${dir}/${part}`;
    }
    this.open.add(dir);
    await this.load(dir);
    this.select(path);
  }

  /** Shows a folder's contents (a folder named in the step text). */
  async openFolder(path: string): Promise<void> {
    await this.reveal(path);
    this.open.add(path);
    await this.load(path);
    this.render();
  }

  private find(path: string): Node | undefined {
    for (const list of this.children.values()) for (const n of list) if (n.path === path) return n;
    return this.roots.includes(path) ? { path, name: shown(path, this.home), isDir: true } : undefined;
  }

  private async load(dir: string): Promise<void> {
    const r = await filesApi.list(dir);
    if (!r.ok) {
      this.children.delete(dir);
      this.open.delete(dir);
      if (r.status !== 404) this.say(r.body.error ?? 'That folder could not be listed.');
      return;
    }
    const nodes = r.body.entries.map((e) => ({ path: `${dir}/${e.name}`, name: e.name, isDir: e.type === 'dir' || e.target === 'dir', entry: e }));
    nodes.sort((a, b) => Number(b.isDir) - Number(a.isDir) || a.name.localeCompare(b.name));
    this.children.set(dir, nodes);
    if (r.body.truncated) this.say(`${shown(dir, this.home)} has more entries than the tree shows; use the terminal for the rest.`);
  }

  private async clicked(li: HTMLElement): Promise<void> {
    const node = this.find(li.dataset.path!);
    if (!node) return;
    this.selected = node;
    if (!node.isDir) {
      this.render();
      return this.onOpenFile(node.path);
    }
    if (this.open.has(node.path)) this.open.delete(node.path);
    else {
      this.open.add(node.path);
      await this.load(node.path);
    }
    this.render();
  }

  private render(): void {
    const items: HTMLElement[] = [];
    const add = (node: Node, depth: number) => {
      const li = document.createElement('li');
      li.dataset.path = node.path;
      li.setAttribute('role', 'treeitem');
      li.style.paddingLeft = `${6 + depth * 14}px`;
      const isOpen = node.isDir && this.open.has(node.path);
      if (node.isDir) li.setAttribute('aria-expanded', String(isOpen));
      if (this.selected?.path === node.path) li.classList.add('selected');
      li.classList.add(node.isDir ? 'dir' : 'file');
      if (node.entry?.type === 'link') li.classList.add('link');
      li.textContent = `${node.isDir ? (isOpen ? '▾ ' : '▸ ') : '  '}${node.name}${node.entry?.type === 'link' ? ' →' : ''}`;
      items.push(li);
      if (isOpen) for (const child of this.children.get(node.path) ?? []) add(child, depth + 1);
    };
    for (const root of this.roots) add({ path: root, name: shown(root, this.home), isDir: true }, 0);
    this.el.replaceChildren(...items);
  }
}
