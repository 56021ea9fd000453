/** The Killercoda/Katacoda importer's public functions in one module, so callers need not know ./import/'s files. */
export { convertMarkdown, toChatMarkdown } from './import/chat-markdown';
export { importCourse, findCourseFile, type ImportedCourse } from './import/import-course';
export { importScenario } from './import/import-scenario';
export type { ImportedLesson, ImportNote } from './import/import-types';
export { renderManifest, writeImportedLesson } from './import/write-lesson';
