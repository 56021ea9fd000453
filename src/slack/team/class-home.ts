import type { Assignments, ClassView } from '../../tutor';

/** The team lead's tools as the Slack listeners and the App Home reach them. */
export interface SlackClassroom {
  assignments: Assignments;
  classView: ClassView;
}
