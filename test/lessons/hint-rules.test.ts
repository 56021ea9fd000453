import * as path from 'node:path';
import { loadLessons } from '../../src/lessons/lesson-loader';
import { doingCommands, hintProblems } from '../../src/lessons/hint-rules';
import { makeLesson } from '../support/fakes/lessons';

const step = (hints: string[], solution: string[]) => ({ id: 's', hints, solution });

describe('hints that teach: the command only in the last hint, never in an exercise', () => {
  it('flags a hint before the last that spells out a command of the solution, whatever its backticks and spaces', () => {
    const lesson = makeLesson('l', { steps: [step(['Use -p.', 'Type `docker run  -d -p 8080:80 nginx`', 'Type: docker run -d -p 8080:80 nginx'], ['docker run -d -p 8080:80 nginx'])] });
    expect(hintProblems(lesson).map((p) => `${p.field}: ${p.message}`)).toEqual([
      'steps[0].hints[1]: gives the solution\'s command `docker run -d -p 8080:80 nginx` but is hint 2 of 3: teach the idea or the shape, and leave the command to the last hint',
    ]);
  });

  it('lets the last hint of a lesson step give the command, and hints name commands that only look or move', () => {
    const lesson = makeLesson('l', { steps: [step(['First `cd ~/app`, then look with `docker ps`.', 'Type: `docker build -t app .`'], ['cd ~/app', 'docker build -t app .', 'docker ps'])] });
    expect(hintProblems(lesson)).toEqual([]);
    expect(doingCommands({ solution: ['cd ~/app', 'docker build -t app .', 'docker ps', 'ls'] })).toEqual(['docker build -t app .']);
  });

  it('in an exercise even the last hint must not be the solution (racers see hints while it is hidden)', () => {
    const lesson = makeLesson('x', { kind: 'exercise', steps: [step(['Use -d and -p.', 'Type: docker run -d --name web -p 8080:80 nginx'], ['docker run -d --name web -p 8080:80 nginx'])] });
    expect(hintProblems(lesson).map((p) => p.field)).toEqual(['steps[0].hints[1]']);
  });

  it('holds for the shipped course', async () => {
    const { lessons } = await loadLessons(path.join(__dirname, '..', '..', 'lessons'));
    expect(lessons.flatMap((l) => hintProblems(l)).map((p) => `${p.file}: ${p.field}`)).toEqual([]);
  });
});
