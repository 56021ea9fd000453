/** Team leads' tools: assignments with due dates and reminders, and the live class view. */
export { ASSIGN_USAGE, Assignments, type AssignedItem } from './assignments';
export type { ChannelMembers, ClassDeps, CommandPlace } from './class-deps';
export { dueText, parseDueDate, type DueParse } from './due-date';
export { AssignmentReminders, REMINDER_CHECK_EVERY_MS } from './reminders';
export { ClassView, CLASS_ACTIVE_MS, type ClassViewData, type ClassViewDeps, type ClassViewRow } from './class-view';
