/** Something the importer could not carry over, or carried over in a way the author should review. */
export interface ImportNote {
  severity: 'todo' | 'info';
  where: string;
  message: string;
}

/** Where a step's solution came from, in the order they are tried: answer file, Solution section, `{{exec}}` blocks. */
export type SolutionSource = 'answer' | 'solution-section' | 'exec-blocks' | 'none';

export interface ImportedStepStats {
  id: string;
  solutionSource: SolutionSource;
  hasCheck: boolean;
}

export interface ImageReport {
  /** Names the scenario uses that the offline mirror serves under that very name. */
  served: string[];
  /** Scenario name -> served name it is tagged from in the first setup. */
  mapped: Record<string, string>;
  /** Names nothing serves; lessons using them fail in an offline sandbox. */
  unservable: string[];
}

export interface ImportedLesson {
  format: 'killercoda' | 'katacoda';
  id: string;
  /** The manifest as written to lesson.yaml (missing solutions/checks are left out, not invented). */
  manifest: Record<string, unknown>;
  /** Extra files, by path relative to the lesson folder. */
  files: Map<string, string>;
  notes: ImportNote[];
  steps: ImportedStepStats[];
  images: ImageReport;
}

export const noteText = (n: ImportNote): string => `${n.severity === 'todo' ? 'TODO' : 'note'}  ${n.where}: ${n.message}`;
