/** The Killercoda/Katacoda importer (issue 14) lives in ./import/; this path is kept for its first callers. */
export { convertMarkdown, toChatMarkdown } from './import/chat-markdown';
export { importCourse, findCourseFile, type ImportedCourse } from './import/import-course';
export { importScenario } from './import/import-scenario';
export type { ImportedLesson, ImportNote } from './import/import-types';
export { renderManifest, writeImportedLesson } from './import/write-lesson';
