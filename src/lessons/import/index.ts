/** The Killercoda/Katacoda importer's public functions in one module, so callers need not know this folder's files. */
export { convertMarkdown, toChatMarkdown } from './chat-markdown';
export { importCourse, findCourseFile, type ImportedCourse } from './import-course';
export { importScenario } from './import-scenario';
export type { ImportedLesson, ImportNote } from './import-types';
export { renderManifest, writeImportedLesson } from './write-lesson';
