import { fileLinks } from '../../../src/playground/browser/file-links';

const linked = (text: string, context = text) => fileLinks(text, '/root', context).map(([s, e, path]) => [text.slice(s, e), path]);

describe('fileLinks: the files a step names become links to the editor', () => {
  it('links paths under the home and the lesson folders, in sentences and in command blocks', () => {
    const step = "Make a folder and write `app.py`:\n```\nmkdir -p ~/hello-flask\ncat > ~/hello-flask/app.py <<'EOF'\n```\nThen see /tmp/notes.txt.";
    expect(linked(step)).toEqual([
      ['app.py', '/root/hello-flask/app.py'],
      ['~/hello-flask', '/root/hello-flask'],
      ['~/hello-flask/app.py', '/root/hello-flask/app.py'],
      ['/tmp/notes.txt', '/tmp/notes.txt'],
    ]);
  });

  it('resolves a bare name in a code span in the folder of the first path the step names', () => {
    const step = 'Write it next to `app.py`:\ncat > ~/hello-flask/Dockerfile\n`Dockerfile` and `compose.yaml` too.';
    expect(linked(step)).toEqual([
      ['app.py', '/root/hello-flask/app.py'],
      ['~/hello-flask/Dockerfile', '/root/hello-flask/Dockerfile'],
      ['Dockerfile', '/root/hello-flask/Dockerfile'],
      ['compose.yaml', '/root/hello-flask/compose.yaml'],
    ]);
    // the context is the whole step; a text node of it gets links by the whole step's paths
    expect(linked('Edit `app.py`.', 'Edit `app.py`. cat ~/site/app.py')).toEqual([['app.py', '/root/site/app.py']]);
  });

  it('leaves alone what is not a file of the learner: no path in the step, variables, globs, other folders', () => {
    expect(linked('Write `app.py` and run `docker build .`')).toEqual([]);
    expect(linked('cat ~/$DIR/x; ls ~/*.txt; cat /etc/passwd /var/tmp/x /usr/root/y')).toEqual([]);
    expect(linked('`nginx:alpine` `docker.io` ~/a/b')).toEqual([
      ['docker.io', '/root/a/docker.io'],
      ['~/a/b', '/root/a/b'],
    ]);
    // a sentence's full stop or comma is not part of the path
    expect(linked('See ~/a/b.txt, then ~/c.')).toEqual([
      ['~/a/b.txt', '/root/a/b.txt'],
      ['~/c', '/root/c'],
    ]);
  });
});
