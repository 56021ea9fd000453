import { fileLinks } from './file-links';

/**
 * Files the step text names open in the editor (the cheap version: the step is shown as plain text, so names are
 * found in its text nodes each time the page puts a new step there):
 * - a path under the home or a lesson folder, anywhere in the text (`~/hello-flask/app.py`, in a sentence or in
 *   a command block), becomes a link;
 * - a bare file name in a code span (`app.py`) becomes a link to the path the step names with that file name, or
 *   else to that name in the folder of the first path the step names; with no path in the step it stays text.
 * Paths with variables or globs stay text. Which spans are links: file-links.ts.
 */
export function linkStepFiles(body: HTMLElement, home: string, open: (path: string) => void): void {
  const observer = new MutationObserver(() => apply());
  function apply(): void {
    observer.disconnect();
    const context = body.textContent ?? '';
    const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
    const texts: Text[] = [];
    for (let n = walker.nextNode(); n; n = walker.nextNode()) if (!n.parentElement?.closest('a')) texts.push(n as Text);
    for (const text of texts) {
      const links = fileLinks(text.data, home, context);
      if (!links.length) continue;
      const parts: Node[] = [];
      let at = 0;
      for (const [start, end, path] of links) {
        parts.push(document.createTextNode(text.data.slice(at, start)));
        const a = document.createElement('a');
        a.href = '#';
        a.className = 'file-link';
        a.title = 'Open in the editor';
        a.textContent = text.data.slice(start, end);
        a.dataset.file = path;
        parts.push(a);
        at = end;
      }
      parts.push(document.createTextNode(text.data.slice(at)));
      text.replaceWith(...parts);
    }
    observer.observe(body, { childList: true, characterData: true, subtree: true });
  }
  body.addEventListener('click', (e) => {
    const a = (e.target as HTMLElement).closest('a.file-link') as HTMLAnchorElement | null;
    if (!a) return;
    e.preventDefault();
    open(a.dataset.file!);
  });
  apply();
}
