import { MarkerScanner, type Marker } from '../../../src/sandbox/shell/shell-protocol';

/** Feeds chunks to one MarkerScanner: the text it passes on as output, and the markers it found. */
export function scan(chunks: string[]): { text: string; markers: Marker[] } {
  const s = new MarkerScanner();
  let text = '';
  const markers: Marker[] = [];
  for (const c of chunks) s.push(c, (t) => (text += t), (m) => markers.push(m));
  return { text, markers };
}
